import { notFound } from "next/navigation";
import { cache } from "react";
import { AppError } from "@/lib/api/errors";
import { getCurrentUser, requireUser, type CurrentUser } from "@/lib/auth/session";
import type { Role } from "@/lib/db/generated/enums";
import { findWorkspaceForUser, hasRole, type Workspace } from "@/lib/tenancy/workspace";

export interface WorkspaceContext {
  user: CurrentUser;
  workspace: Workspace;
}

/** Layout and page of one request ask for the same workspace: one query. */
const findWorkspace = cache(findWorkspaceForUser);

/**
 * For pages and layouts. Signed out → /signin?next=/w/<slug>. Not a member, unknown slug,
 * or a role below `minRole` → the same 404, so a URL never tells whether a workspace exists.
 */
export async function requireWorkspace(slug: string, minRole: Role = "member", next?: string): Promise<WorkspaceContext> {
  const user = await requireUser(next ?? `/w/${encodeURIComponent(slug)}`);
  const workspace = await findWorkspace(user.id, slug);
  if (!workspace || !hasRole(workspace.role, minRole)) notFound();
  return { user, workspace };
}

/**
 * For route handlers and server actions: throws AppError (401 signed out, 404 otherwise)
 * for the one error envelope to shape.
 */
export async function getWorkspaceOrThrow(slug: string, minRole: Role = "member"): Promise<WorkspaceContext> {
  const user = await getCurrentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to continue.");
  const workspace = await findWorkspace(user.id, slug);
  if (!workspace || !hasRole(workspace.role, minRole)) throw new AppError("not_found", "Workspace not found.");
  return { user, workspace };
}
