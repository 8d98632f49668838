/**
 * What counts as a successful response for each target. Every body is read to the end and
 * checked; anything else is an error with a short reason.
 */
export function checkSse(status: number, body: string): string | null {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 120)}`;
  if (body.includes("event: error")) return "SSE stream carried an error event";
  if (!body.includes("event: message_stop")) return "SSE stream ended without message_stop";
  return null;
}

export interface NdjsonCheck {
  error: string | null;
  conversationId?: string;
}

/** The chat stream (components/chat/stream-events.ts): start, deltas, then done (completed). */
export function checkChatNdjson(status: number, body: string): NdjsonCheck {
  if (status !== 200) return { error: `HTTP ${status}: ${body.slice(0, 120)}` };
  const lines = body.split("\n").filter((line) => line.length > 0);
  let first: { type?: unknown; conversationId?: unknown };
  let last: { type?: unknown; status?: unknown; error?: { code?: unknown } };
  try {
    first = JSON.parse(lines[0] ?? "null") ?? {};
    last = JSON.parse(lines.at(-1) ?? "null") ?? {};
  } catch {
    return { error: "chat stream is not valid NDJSON" };
  }
  if (first.type !== "start" || typeof first.conversationId !== "string") return { error: "chat stream did not begin with a start event" };
  if (last.type === "error") return { error: `chat stream ended with error ${String(last.error?.code)}` };
  if (last.type !== "done") return { error: "chat stream ended without a done event" };
  if (last.status !== "completed") return { error: `chat turn ${String(last.status)}` };
  return { error: null, conversationId: first.conversationId };
}
