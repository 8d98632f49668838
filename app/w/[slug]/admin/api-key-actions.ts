"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, createApiKeySchema, revokeApiKey } from "@/lib/api-keys/keys";
import { workspaceAction } from "@/lib/api/workspace-action";

// Public POST endpoints: the role is checked by workspaceAction and again inside each
// write's transaction (and by the api_keys policies).
export const createApiKeyAction = workspaceAction({ minRole: "admin", input: createApiKeySchema }, async ({ actor, workspace, input }) => {
  const created = await createApiKey(actor, input);
  revalidatePath(`/w/${workspace.slug}/admin`);
  return created;
});

export const revokeApiKeyAction = workspaceAction({ minRole: "admin", input: z.uuid() }, async ({ actor, workspace, input }) => {
  const revoked = await revokeApiKey(actor, input);
  revalidatePath(`/w/${workspace.slug}/admin`);
  return revoked;
});
