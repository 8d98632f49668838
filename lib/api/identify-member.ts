import { AppError } from "@/lib/api/errors";
import { getSessionClaims, type CurrentUser } from "@/lib/auth/session";
import type { SessionClaims } from "@/lib/auth/session-token";
import type { Role } from "@/lib/db/generated/enums";
import { hasRole, identifyMember, type Workspace } from "@/lib/tenancy/workspace";

export interface WorkspaceMember {
  user: CurrentUser;
  workspace: Workspace;
}

/**
 * The identify step of every workspace entry point (route handlers and server actions):
 * the session's user id, then user and membership in one statement. Signed out → 401;
 * not a member, unknown slug or a role below `minRole` → the same 404, so the response
 * never tells whether a workspace exists.
 */
export async function identifyWorkspaceMember(slug: string, minRole?: Role, claims?: () => Promise<SessionClaims | null>): Promise<WorkspaceMember> {
  // `claims`: a front door outside Next's request scope reads the cookie itself (lib/gateway/chat-door.ts).
  const session = await (claims ?? getSessionClaims)();
  if (!session) throw new AppError("unauthorized", "Sign in to continue.");
  const member = await identifyMember(session, slug);
  if (!member || (minRole && !hasRole(member.workspace.role, minRole))) {
    throw new AppError("not_found", "Workspace not found.");
  }
  return member;
}
