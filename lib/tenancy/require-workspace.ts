import { notFound } from "next/navigation";
import { cache } from "react";
import { requireUser, type CurrentUser } from "@/lib/auth/session";
import type { Role } from "@/lib/db/generated/enums";
import { findWorkspaceForUser, hasRole, type Workspace } from "@/lib/tenancy/workspace";

export interface WorkspaceContext {
  user: CurrentUser;
  workspace: Workspace;
}

/** Layout and page of one request ask for the same workspace: one query. */
const findWorkspace = cache(findWorkspaceForUser);

/**
 * For pages and layouts (route handlers and server actions identify through
 * lib/api/identify-member.ts). Signed out → /signin?next=/w/<slug>. Not a member, unknown
 * slug, or a role below `minRole` → the same 404, so a URL never tells whether a workspace
 * exists.
 */
export async function requireWorkspace(slug: string, minRole: Role = "member", next?: string): Promise<WorkspaceContext> {
  const user = await requireUser(next ?? `/w/${encodeURIComponent(slug)}`);
  const workspace = await findWorkspace(user.id, slug);
  if (!workspace || !hasRole(workspace.role, minRole)) notFound();
  return { user, workspace };
}

