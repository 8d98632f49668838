import { workspaceRoute } from "@/lib/api/workspace-route";
import { setProposeFromConversations } from "@/lib/memory/memories";
import { memorySettingsSchema } from "@/lib/memory/schemas";

export const dynamic = "force-dynamic";

/** Whether the background job may propose memories from this user's conversations (off by default). */
export const PUT = workspaceRoute({ body: memorySettingsSchema, maxBodyBytes: 1024 }, async ({ user, workspace, body }) => {
  const proposeFromConversations = await setProposeFromConversations({ tenantId: workspace.tenantId, userId: user.id }, body.proposeFromConversations);
  return Response.json({ proposeFromConversations });
});
