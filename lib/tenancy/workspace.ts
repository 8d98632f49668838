import type { SessionClaims } from "@/lib/auth/session-token";
import type { Role } from "@/lib/db/generated/enums";
import { withUser } from "@/lib/db/scope";
import { withScopeSql } from "@/lib/db/sql";
import { expiringCache } from "@/lib/cache/memo";

export interface Workspace {
  tenantId: string;
  slug: string;
  name: string;
  planId: string;
  timeZone: string;
  role: Role;
}

const ROLE_RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function hasRole(role: Role, atLeast: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[atLeast];
}

/**
 * The workspace at `slug` if this user is a member, else null. Row-level security makes
 * other tenants invisible to the query, so "not yours" and "does not exist" look the same.
 */
export async function findWorkspaceForUser(userId: string, slug: string): Promise<Workspace | null> {
  if (!SLUG_SHAPE.test(slug)) return null;
  return withUser(userId, async (tx) => {
    const membership = await tx.membership.findFirst({
      where: { userId, tenant: { slug } },
      select: { role: true, tenant: { select: { id: true, slug: true, name: true, planId: true, timeZone: true } } },
    });
    if (!membership) return null;
    const { tenant } = membership;
    return { tenantId: tenant.id, slug: tenant.slug, name: tenant.name, planId: tenant.planId, timeZone: tenant.timeZone, role: membership.role };
  });
}

/**
 * The request path's identify step in one statement (plain SQL: it runs on every API
 * request): the session's user still exists (and whether they are staff), the session was
 * issued under the user's current session version (sign-out everywhere and password
 * change end it), and their membership of the workspace at `slug`. Row-level security
 * limits both to this user.
 */
export async function identifyMember(
  session: SessionClaims,
  slug: string,
): Promise<{ user: { id: string; email: string; name: string; isStaff: boolean }; workspace: Workspace } | null> {
  const { userId, sessionVersion } = session;
  // A slug no workspace can have (NUL, upper case, 300 characters) is nobody's workspace;
  // PostgreSQL would refuse a NUL with an error, a 500 where a 404 belongs.
  if (!SLUG_SHAPE.test(slug)) return null;
  const row = await withScopeSql({ kind: "user", userId }, async (db) => {
    const rows = await db.query<{
      id: string; email: string; name: string; is_staff: boolean;
      tenant_id: string | null; slug: string; tenant_name: string; plan_id: string; time_zone: string; role: Role;
    }>(
      `SELECT u.id, u.email, u.name, u.is_staff, t.id AS tenant_id, t.slug, t.name AS tenant_name, t.plan_id, t.time_zone, m.role
         FROM users u
         LEFT JOIN (memberships m JOIN tenants t ON t.id = m.tenant_id AND t.slug = $2) ON m.user_id = u.id
        WHERE u.id = $1 AND u.session_version = $3`,
      [userId, slug, sessionVersion],
      { commit: true },
    );
    return rows[0];
  });
  if (!row?.tenant_id) return null;
  return {
    user: { id: row.id, email: row.email, name: row.name, isStaff: row.is_staff },
    workspace: { tenantId: row.tenant_id, slug: row.slug, name: row.tenant_name, planId: row.plan_id, timeZone: row.time_zone, role: row.role },
  };
}

type Member = NonNullable<Awaited<ReturnType<typeof identifyMember>>>;

/**
 * identifyMember from a short per-process cache, for a caller whose own first statement
 * verifies the same facts again (the chat turn's: lib/pipeline/compose.ts checks the
 * membership through app_tenant_id() and the session version in its one statement, and
 * writes nothing when either fails). A hit saves the identify round trip; the answer is
 * never trusted alone. Keyed by user, session version and slug; a failed verification
 * drops the entry (forgetMember).
 */
export const MEMBER_CACHE_TTL_MS = 10_000;
const members = expiringCache<string, Member>(10_000, MEMBER_CACHE_TTL_MS);

const memberKey = (session: SessionClaims, slug: string) => `${session.userId}:${session.sessionVersion}:${slug}`;

export async function identifyMemberCached(session: SessionClaims, slug: string): Promise<{ member: Member | null; fromCache: boolean }> {
  const key = memberKey(session, slug);
  const hit = members.get(key);
  if (hit) return { member: hit, fromCache: true };
  const member = await identifyMember(session, slug);
  if (member) members.set(key, member);
  else members.delete(key);
  return { member, fromCache: false };
}

export function forgetMember(session: SessionClaims, slug: string): void {
  members.delete(memberKey(session, slug));
}

/** The shape lib/auth/schemas.ts slugSchema accepts (after lower-casing) and tenants_slug_format enforces. */
const SLUG_SHAPE = /^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/;

export async function listWorkspacesForUser(userId: string): Promise<Workspace[]> {
  return withUser(userId, async (tx) => {
    const memberships = await tx.membership.findMany({
      where: { userId },
      select: { role: true, tenant: { select: { id: true, slug: true, name: true, planId: true, timeZone: true } } },
      orderBy: { createdAt: "asc" },
    });
    return memberships.map(({ role, tenant }) => ({
      tenantId: tenant.id, slug: tenant.slug, name: tenant.name, planId: tenant.planId, timeZone: tenant.timeZone, role,
    }));
  });
}
