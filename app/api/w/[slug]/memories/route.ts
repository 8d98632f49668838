import { workspaceRoute } from "@/lib/api/workspace-route";
import { addMemory, getMemoryState } from "@/lib/memory/memories";
import { addMemorySchema } from "@/lib/memory/schemas";
import { screenMemory } from "@/lib/memory/screen-memory";

export const dynamic = "force-dynamic";

/** The signed-in user's own memory in this workspace (never anyone else's: RLS on tenant and user). */
export const GET = workspaceRoute({}, async ({ user, workspace }) => {
  return Response.json(await getMemoryState({ tenantId: workspace.tenantId, userId: user.id }));
});

export const POST = workspaceRoute({ body: addMemorySchema, maxBodyBytes: 4 * 1024 }, async ({ user, workspace, body }) => {
  await screenMemory(workspace, user.id, body.content);
  const memory = await addMemory({ tenantId: workspace.tenantId, userId: user.id }, body.content);
  return Response.json({ memory }, { status: 201 });
});
