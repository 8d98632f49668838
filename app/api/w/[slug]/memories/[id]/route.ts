import { workspaceRoute } from "@/lib/api/workspace-route";
import { deleteMemory, updateMemory } from "@/lib/memory/memories";
import { updateMemorySchema } from "@/lib/memory/schemas";
import { screenMemory } from "@/lib/memory/screen-memory";

export const dynamic = "force-dynamic";

/** Edit the text, or accept ("active") / dismiss a proposal. Another user's id is a 404. */
export const PATCH = workspaceRoute({ body: updateMemorySchema, maxBodyBytes: 4 * 1024 }, async ({ user, workspace, params, body }) => {
  if (body.content !== undefined) await screenMemory(workspace, user.id, body.content);
  const memory = await updateMemory({ tenantId: workspace.tenantId, userId: user.id }, params.id, body);
  return Response.json({ memory });
});

export const DELETE = workspaceRoute({}, async ({ user, workspace, params }) => {
  await deleteMemory({ tenantId: workspace.tenantId, userId: user.id }, params.id);
  return new Response(null, { status: 204 });
});
