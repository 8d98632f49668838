"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { workspaceAction } from "@/lib/api/workspace-action";
import { createInvite, createInviteSchema, revokeInvite } from "@/lib/tenancy/invites";

// Server actions are public POST endpoints: every argument is untrusted input.

export interface CreatedInviteView {
  token: string;
  role: "admin" | "member";
  email: string | null;
  expiresAt: string;
}

export const createInviteAction = workspaceAction(
  { minRole: "admin", input: createInviteSchema },
  async ({ actor, workspace, input }): Promise<CreatedInviteView> => {
    const invite = await createInvite(actor, input);
    revalidatePath(`/w/${workspace.slug}/members`);
    return { token: invite.token, role: invite.role === "admin" ? "admin" : "member", email: invite.email, expiresAt: invite.expiresAt.toISOString() };
  },
);

export const revokeInviteAction = workspaceAction({ minRole: "admin", input: z.string() }, async ({ actor, workspace, input }) => {
  await revokeInvite(actor, input);
  revalidatePath(`/w/${workspace.slug}/members`);
  return null;
});
