"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { runAction, type ActionResult } from "@/lib/api/action-result";
import { createInvite, revokeInvite } from "@/lib/tenancy/invites";
import { getWorkspaceOrThrow } from "@/lib/tenancy/require-workspace";

// Server actions are public POST endpoints: every argument is untrusted input.
const slugArg = z.string().min(1).max(64);

export interface CreatedInviteView {
  token: string;
  role: "admin" | "member";
  email: string | null;
  expiresAt: string;
}

export async function createInviteAction(slug: string, input: unknown): Promise<ActionResult<CreatedInviteView>> {
  return runAction(async () => {
    const { user, workspace } = await getWorkspaceOrThrow(slugArg.parse(slug), "admin");
    const invite = await createInvite({ tenantId: workspace.tenantId, userId: user.id }, input);
    revalidatePath(`/w/${workspace.slug}/members`);
    return { token: invite.token, role: invite.role === "admin" ? "admin" : "member", email: invite.email, expiresAt: invite.expiresAt.toISOString() };
  });
}

export async function revokeInviteAction(slug: string, inviteId: string): Promise<ActionResult> {
  return runAction(async () => {
    const { user, workspace } = await getWorkspaceOrThrow(slugArg.parse(slug), "admin");
    await revokeInvite({ tenantId: workspace.tenantId, userId: user.id }, z.string().parse(inviteId));
    revalidatePath(`/w/${workspace.slug}/members`);
    return null;
  });
}
