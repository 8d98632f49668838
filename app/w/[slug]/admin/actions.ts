"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { listAuditLog, type AuditPage } from "@/lib/admin/audit";
import { getConfigVersion, rollbackConfig, saveConfig, type ConfigVersion, type ConfigWriteResult } from "@/lib/admin/config";
import { changeRole, removeMember, ROLES, type Removal, type RoleChange } from "@/lib/admin/members";
import { runAction, type ActionResult } from "@/lib/api/action-result";
import type { TenantContext } from "@/lib/db/scope";
import { getWorkspaceOrThrow } from "@/lib/tenancy/require-workspace";

// Server actions are public POST endpoints: every argument is untrusted input, and the
// role is re-checked on every call (here, and again inside each write's transaction).
const slugArg = z.string().min(1).max(64);
const versionArg = z.number().int().positive();
const userIdArg = z.uuid();
const roleArg = z.enum(ROLES);
const cursorArg = z.string().regex(/^\d{1,19}$/).optional();

async function adminContext(slug: unknown): Promise<{ ctx: TenantContext; slug: string }> {
  const { user, workspace } = await getWorkspaceOrThrow(slugArg.parse(slug), "admin");
  return { ctx: { tenantId: workspace.tenantId, userId: user.id }, slug: workspace.slug };
}

/** `input` is validated by saveConfig against the workspace's plan (tenantConfigSchema). */
export async function saveConfigAction(slug: string, input: unknown): Promise<ActionResult<ConfigWriteResult>> {
  return runAction(async () => {
    const admin = await adminContext(slug);
    const result = await saveConfig(admin.ctx, input);
    if (result.status === "saved") revalidatePath(`/w/${admin.slug}/admin`);
    return result;
  });
}

export async function rollbackConfigAction(slug: string, version: number): Promise<ActionResult<ConfigWriteResult>> {
  return runAction(async () => {
    const admin = await adminContext(slug);
    const result = await rollbackConfig(admin.ctx, versionArg.parse(version));
    if (result.status === "saved") revalidatePath(`/w/${admin.slug}/admin`);
    return result;
  });
}

export async function getConfigVersionAction(slug: string, version: number): Promise<ActionResult<ConfigVersion>> {
  return runAction(async () => {
    const admin = await adminContext(slug);
    return getConfigVersion(admin.ctx, versionArg.parse(version));
  });
}

export async function changeRoleAction(slug: string, userId: string, role: string): Promise<ActionResult<RoleChange>> {
  return runAction(async () => {
    const admin = await adminContext(slug);
    const result = await changeRole(admin.ctx, userIdArg.parse(userId), roleArg.parse(role));
    revalidatePath(`/w/${admin.slug}`, "layout");
    return result;
  });
}

export async function removeMemberAction(slug: string, userId: string): Promise<ActionResult<Removal>> {
  return runAction(async () => {
    const admin = await adminContext(slug);
    const result = await removeMember(admin.ctx, userIdArg.parse(userId));
    revalidatePath(`/w/${admin.slug}`, "layout");
    return result;
  });
}

export async function listAuditLogAction(slug: string, cursor?: string): Promise<ActionResult<AuditPage>> {
  return runAction(async () => {
    const admin = await adminContext(slug);
    return listAuditLog(admin.ctx, { cursor: cursorArg.parse(cursor) });
  });
}
