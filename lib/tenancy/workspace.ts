import type { Role } from "@/lib/db/generated/enums";
import { withUser } from "@/lib/db/scope";

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
 * The request path's identify step in one transaction: the session's user still exists
 * (and whether they are staff), and their membership of the workspace at `slug`.
 */
export async function identifyMember(
  userId: string,
  slug: string,
): Promise<{ user: { id: string; email: string; name: string; isStaff: boolean }; workspace: Workspace } | null> {
  return withUser(userId, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true, isStaff: true } });
    if (!user) return null;
    const membership = await tx.membership.findFirst({
      where: { userId, tenant: { slug } },
      select: { role: true, tenant: { select: { id: true, slug: true, name: true, planId: true, timeZone: true } } },
    });
    if (!membership) return null;
    const { tenant } = membership;
    return { user, workspace: { tenantId: tenant.id, slug: tenant.slug, name: tenant.name, planId: tenant.planId, timeZone: tenant.timeZone, role: membership.role } };
  });
}

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
