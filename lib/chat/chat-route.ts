import { workspaceRoute } from "@/lib/api/workspace-route";
import type { SessionClaims } from "@/lib/auth/session-token";
import { chatRequestSchema } from "@/lib/chat/schemas";
import { startChatTurn } from "@/lib/pipeline/chat-turn";

/**
 * The chat front door (ARCHITECTURE.md): identify → validate (workspaceRoute), then the turn
 * pipeline, answered as NDJSON. One definition for both places it is served: the Next.js
 * route (app/api/w/[slug]/chat, what `next dev` uses) and the lean door ahead of Next's
 * router in production (lib/gateway/chat-door.ts), which passes `claims` because it runs
 * outside Next's request scope.
 */
export function chatRoute(claims?: (req: Request) => Promise<SessionClaims | null>) {
  // The membership may come from the identify cache: the turn's one statement verifies it
  // (lib/pipeline/compose.ts), so a repeat turn saves the identify round trip.
  return workspaceRoute({ body: chatRequestSchema, maxBodyBytes: 48 * 1024, claims, cachedIdentity: true }, async ({ req, user, workspace, body, unverified }) => {
    const stream = await startChatTurn({ tenantId: workspace.tenantId, userId: user.id, planId: workspace.planId, unverified }, body, req.signal);
    return new Response(stream, {
      // no-transform: a proxy must not buffer or recompress a token stream (gzip flushed once
      // per chunk costs CPU and saves nothing).
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store, no-transform", "x-accel-buffering": "no" },
    });
  });
}
