import { workspaceRoute } from "@/lib/api/workspace-route";
import { startChatTurn } from "@/lib/pipeline/chat-turn";
import { chatRequestSchema } from "@/lib/chat/schemas";

export const dynamic = "force-dynamic";

/** The chat request path (ARCHITECTURE.md): identify → validate → limit → reserve → compose → call → record. */
export const POST = workspaceRoute({ body: chatRequestSchema, maxBodyBytes: 48 * 1024 }, async ({ req, user, workspace, body }) => {
  const stream = await startChatTurn({ tenantId: workspace.tenantId, userId: user.id, planId: workspace.planId }, body, req.signal);
  return new Response(stream, {
    // no-transform: a proxy must not buffer or recompress a token stream (gzip flushed once
    // per chunk costs CPU and saves nothing).
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store, no-transform", "x-accel-buffering": "no" },
  });
});
