"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { listAuditLog } from "@/lib/admin/audit";
import { getConfigVersion, rollbackConfig, saveConfig } from "@/lib/admin/config";
import { changeRole, removeMember, ROLES } from "@/lib/admin/members";
import { workspaceAction } from "@/lib/api/workspace-action";

// Server actions are public POST endpoints: every argument is untrusted input, and the
// role is re-checked on every call (by workspaceAction, and again inside each write's transaction).
const version = z.number().int().positive();
const userId = z.uuid();

/** The input is validated by saveConfig against the workspace's plan (tenantConfigSchema). */
export const saveConfigAction = workspaceAction({ minRole: "admin", input: z.unknown() }, async ({ actor, workspace, input }) => {
  const result = await saveConfig(actor, input);
  if (result.status === "saved") revalidatePath(`/w/${workspace.slug}/admin`);
  return result;
});

export const rollbackConfigAction = workspaceAction({ minRole: "admin", input: version }, async ({ actor, workspace, input }) => {
  const result = await rollbackConfig(actor, input);
  if (result.status === "saved") revalidatePath(`/w/${workspace.slug}/admin`);
  return result;
});

export const getConfigVersionAction = workspaceAction({ minRole: "admin", input: version }, ({ actor, input }) => getConfigVersion(actor, input));

export const changeRoleAction = workspaceAction(
  { minRole: "admin", input: z.object({ userId, role: z.enum(ROLES) }) },
  async ({ actor, workspace, input }) => {
    const result = await changeRole(actor, input.userId, input.role);
    revalidatePath(`/w/${workspace.slug}`, "layout");
    return result;
  },
);

export const removeMemberAction = workspaceAction({ minRole: "admin", input: userId }, async ({ actor, workspace, input }) => {
  const result = await removeMember(actor, input);
  revalidatePath(`/w/${workspace.slug}`, "layout");
  return result;
});

export const listAuditLogAction = workspaceAction(
  { minRole: "admin", input: z.string().regex(/^\d{1,19}$/).optional() },
  ({ actor, input }) => listAuditLog(actor, { cursor: input }),
);
