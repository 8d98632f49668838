import { z } from "zod";
import { cleanText } from "@/lib/validation/text";
import { workspaceRoute } from "@/lib/api/workspace-route";
import { deleteConversation, getConversationWithMessages, renameConversation } from "@/lib/chat/conversations";
import { MAX_TITLE_CHARS } from "@/lib/chat/limits";

export const dynamic = "force-dynamic";

const renameSchema = z.object({
  title: cleanText()
    .trim()
    .min(1, "Give the conversation a title.")
    .max(MAX_TITLE_CHARS, `Use at most ${MAX_TITLE_CHARS} characters.`),
});

/** Another user's or tenant's id, a deleted one and a malformed one are all the same 404. */
export const GET = workspaceRoute({}, async ({ user, workspace, params }) => {
  const result = await getConversationWithMessages({ tenantId: workspace.tenantId, userId: user.id }, params.id);
  return Response.json(result);
});

export const PATCH = workspaceRoute({ body: renameSchema, maxBodyBytes: 4 * 1024 }, async ({ user, workspace, params, body }) => {
  const conversation = await renameConversation({ tenantId: workspace.tenantId, userId: user.id }, params.id, body.title);
  return Response.json({ conversation });
});

export const DELETE = workspaceRoute({}, async ({ user, workspace, params }) => {
  await deleteConversation({ tenantId: workspace.tenantId, userId: user.id }, params.id);
  return new Response(null, { status: 204 });
});
