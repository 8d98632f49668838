import type { ChatRequest } from "@/lib/chat/schemas";
import type { TenantContext } from "@/lib/db/scope";
import { withScopeSql } from "@/lib/db/sql";
import { composeTurn, type ComposedTurn } from "@/lib/pipeline/compose";
import { startChatTurn } from "@/lib/pipeline/chat-turn";
import type { Plan } from "@/lib/tenancy/plans";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { chatStreamEventSchema, type ChatStreamEvent } from "@/lib/pipeline/chat-events";
import { turnWritesSettled } from "@/lib/chat/turn-writes";

/** Runs one chat turn through the same pipeline as the route and collects its events. */
export async function chat(
  ctx: TenantContext & { planId?: string },
  request: ChatRequest,
  options: { signal?: AbortSignal; onDelta?: (text: string) => void; limiter?: RateLimiter } = {},
): Promise<ChatStreamEvent[]> {
  const stream = await startChatTurn(
    { tenantId: ctx.tenantId, userId: ctx.userId, planId: ctx.planId ?? "enterprise" },
    request,
    options.signal ?? new AbortController().signal,
    { limiter: options.limiter },
  );
  const events: ChatStreamEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const event = chatStreamEventSchema.parse(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
      events.push(event);
      if (event.type === "delta") options.onDelta?.(event.text);
    }
  }
  // The turn's write commits just after its answer ends (lib/chat/turn-writes.ts); the tests
  // read the database directly, so they wait for it as the app's own reads do.
  await turnWritesSettled(ctx);
  return events;
}

export function startOf(events: ChatStreamEvent[]) {
  const start = events[0];
  if (start?.type !== "start") throw new Error("stream did not begin with a start event");
  return start;
}

export function endOf(events: ChatStreamEvent[]) {
  const end = events.at(-1);
  if (end?.type !== "done" && end?.type !== "error") throw new Error("stream did not end with done or error");
  return end;
}

/** The compose step alone, as the turn runs it (in the tenant's scope). */
export function composeFor(ctx: TenantContext, request: ChatRequest, plan: Plan): Promise<ComposedTurn> {
  return withScopeSql({ kind: "tenant", ...ctx }, (db) => composeTurn(db, { ...ctx, planId: plan.id }, request, plan));
}
