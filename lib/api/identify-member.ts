import { AppError } from "@/lib/api/errors";
import { getSessionClaims, type CurrentUser } from "@/lib/auth/session";
import type { SessionClaims } from "@/lib/auth/session-token";
import type { Role } from "@/lib/db/generated/enums";
import { forgetMember, hasRole, identifyMember, identifyMemberCached, type Workspace } from "@/lib/tenancy/workspace";

export interface WorkspaceMember {
  user: CurrentUser;
  workspace: Workspace;
  /** Set when the membership came from the short cache: the caller must verify it (see identifyMemberCached). */
  unverified?: UnverifiedIdentity;
}

export interface UnverifiedIdentity {
  /** The session version the verifying statement must find on the user. */
  sessionVersion: number;
  /** The full check now, as on a cache miss (memoised): rejects with the same 401 or 404. */
  confirm(): Promise<void>;
  /** The verifying statement refused it: the cache entry goes. */
  forget(): void;
}

/**
 * The identify step of every workspace entry point (route handlers and server actions):
 * the session's user id, then user and membership in one statement. Signed out → 401;
 * not a member, unknown slug or a role below `minRole` → the same 404, so the response
 * never tells whether a workspace exists.
 */
export async function identifyWorkspaceMember(
  slug: string,
  minRole?: Role,
  claims?: () => Promise<SessionClaims | null>,
  options: { cached?: boolean } = {},
): Promise<WorkspaceMember> {
  // `claims`: a front door outside Next's request scope reads the cookie itself (lib/gateway/chat-door.ts).
  const session = await (claims ?? getSessionClaims)();
  if (!session) throw new AppError("unauthorized", "Sign in to continue.");
  const found = options.cached ? await identifyMemberCached(session, slug) : { member: await identifyMember(session, slug), fromCache: false };
  const member = admitted(found.member, minRole);
  if (!found.fromCache) return member;
  let confirming: Promise<void> | null = null;
  const unverified: UnverifiedIdentity = {
    sessionVersion: session.sessionVersion,
    confirm: () =>
      (confirming ??= (async () => {
        forgetMember(session, slug);
        if (admitted(await identifyMember(session, slug), minRole).workspace.tenantId !== member.workspace.tenantId) {
          throw new AppError("not_found", "Workspace not found.");
        }
      })()),
    forget: () => forgetMember(session, slug),
  };
  return { ...member, unverified };
}

/** Not a member and below the role look the same: the workspace's existence is not revealed. */
function admitted<M extends { workspace: { role: Role } }>(member: M | null, minRole: Role | undefined): M {
  if (!member || (minRole && !hasRole(member.workspace.role, minRole))) throw new AppError("not_found", "Workspace not found.");
  return member;
}
