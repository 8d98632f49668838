import { chatStreamEventSchema, KNOWN_EVENT_TYPES, type ChatStreamEvent } from "@/lib/pipeline/chat-events";

/** The stream broke the NDJSON contract (not JSON, or a known event with the wrong shape). */
export class ChatStreamProtocolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChatStreamProtocolError";
  }
}

/** A single line longer than this is a broken server, not a reply: stop buffering. */
const MAX_LINE_CHARS = 1_000_000;

/**
 * The non-empty lines of a byte stream, decoded as UTF-8. Lines and multi-byte characters
 * may be split across chunks; "\n" and "\r\n" both end a line; a last line without a
 * newline still counts. Leaving the loop early cancels the stream.
 */
export async function* readNdjsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let finished = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        buffer += decoder.decode();
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        if (line.trim()) yield line;
      }
      if (buffer.length > MAX_LINE_CHARS) throw new ChatStreamProtocolError("A line in the reply stream is too long.");
    }
    const last = buffer.replace(/\r$/, "");
    if (last.trim()) yield last;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** One NDJSON line → a typed event; null for event types this client does not know. */
export function parseChatEventLine(line: string): ChatStreamEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (cause) {
    throw new ChatStreamProtocolError("The reply stream sent a line that is not JSON.", { cause });
  }
  const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type === "string" && !KNOWN_EVENT_TYPES.has(type)) return null;
  const parsed = chatStreamEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new ChatStreamProtocolError(`The reply stream sent a malformed ${typeof type === "string" ? `"${type}" ` : ""}event.`, { cause: parsed.error });
  }
  return parsed.data;
}

/** The chat endpoint's body as typed, validated events, in order. */
export async function* parseChatStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<ChatStreamEvent, void, undefined> {
  for await (const line of readNdjsonLines(stream)) {
    const event = parseChatEventLine(line);
    if (event) yield event;
  }
}
