import { workspaceRoute } from "@/lib/api/workspace-route";
import { listConversations } from "@/lib/chat/conversations";

export const dynamic = "force-dynamic";

/** The caller's own conversations in this workspace, newest activity first. */
export const GET = workspaceRoute({}, async ({ user, workspace }) => {
  const conversations = await listConversations({ tenantId: workspace.tenantId, userId: user.id });
  return Response.json({ conversations });
});
