import { workspaceRoute } from "@/lib/api/workspace-route";
import { prepareTurn } from "@/lib/chat/prepare-turn";
import { runChatTurn } from "@/lib/chat/run-turn";
import { chatRequestSchema } from "@/lib/chat/schemas";

export const dynamic = "force-dynamic";

/** The chat request path (ARCHITECTURE.md): identify → validate → compose → call → record. */
export const POST = workspaceRoute({ body: chatRequestSchema, maxBodyBytes: 48 * 1024 }, async ({ req, user, workspace, body }) => {
  const ctx = { tenantId: workspace.tenantId, userId: user.id };
  const turn = await prepareTurn(ctx, body);
  return new Response(runChatTurn(ctx, turn, req.signal), {
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
});
