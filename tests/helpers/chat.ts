import { prepareTurn } from "@/lib/chat/prepare-turn";
import { runChatTurn } from "@/lib/chat/run-turn";
import type { ChatRequest } from "@/lib/chat/schemas";
import type { TenantContext } from "@/lib/db/scope";
import { chatStreamEventSchema, type ChatStreamEvent } from "@/components/chat/stream-events";

/** Runs one chat turn through the same pipeline as the route and collects its events. */
export async function chat(
  ctx: TenantContext,
  request: ChatRequest,
  options: { signal?: AbortSignal; onDelta?: (text: string) => void } = {},
): Promise<ChatStreamEvent[]> {
  const turn = await prepareTurn(ctx, request);
  const stream = runChatTurn(ctx, turn, options.signal ?? new AbortController().signal);
  const events: ChatStreamEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const event = chatStreamEventSchema.parse(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
      events.push(event);
      if (event.type === "delta") options.onDelta?.(event.text);
    }
  }
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
