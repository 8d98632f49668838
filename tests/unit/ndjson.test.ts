import { describe, expect, it } from "vitest";
import { ChatStreamProtocolError, parseChatEventLine, parseChatStream, readNdjsonLines } from "@/components/chat/ndjson";
import type { ChatStreamEvent } from "@/lib/pipeline/chat-events";

const encoder = new TextEncoder();

/** A byte stream that delivers exactly these chunks, in order. */
function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> & { cancelled: () => boolean } {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  return Object.assign(stream, { cancelled: () => cancelled });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const start = { type: "start", conversationId: "c1", title: "Hello", userMessageId: "u1", requestId: "r1", model: "claude-sonnet-4-5", simulated: true };
const done = { type: "done", status: "completed", assistantMessageId: "a1", usage: { inputTokens: 12, outputTokens: 7, costMicros: 141 }, stopReason: "end_turn" };
const line = (o: unknown) => `${JSON.stringify(o)}\n`;

describe("readNdjsonLines", () => {
  it("joins a line split across chunks and splits chunks holding several lines", async () => {
    const lines = await collect(readNdjsonLines(streamOf(['{"a":', '1}\n{"b":2}\n{"c"', ":3}\n"])));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("accepts CRLF, skips blank lines and keeps a last line without a newline", async () => {
    const lines = await collect(readNdjsonLines(streamOf(['{"a":1}\r\n\r\n', "\n", '{"b":2}'])));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("decodes a multi-byte character split between chunks", async () => {
    const bytes = encoder.encode('{"t":"é🙂"}\n');
    // Cut inside the emoji's four bytes.
    const lines = await collect(readNdjsonLines(streamOf([bytes.slice(0, 9), bytes.slice(9)])));
    expect(lines).toEqual(['{"t":"é🙂"}']);
  });

  it("cancels the stream when the consumer stops early", async () => {
    const stream = streamOf([line({ a: 1 }), line({ b: 2 }), line({ c: 3 })]);
    for await (const first of readNdjsonLines(stream)) {
      expect(first).toBe('{"a":1}');
      break;
    }
    expect(stream.cancelled()).toBe(true);
  });

  it("refuses a line that never ends", async () => {
    const huge = "x".repeat(600_000);
    await expect(collect(readNdjsonLines(streamOf([`{"a":"${huge}`, huge])))).rejects.toBeInstanceOf(ChatStreamProtocolError);
  });
});

describe("parseChatStream", () => {
  it("yields typed start, delta and done events in order, whatever the chunking", async () => {
    const body = line(start) + line({ type: "delta", text: "Hel" }) + line({ type: "delta", text: "lo\n**there**" }) + line(done);
    // Every possible two-way split of the body must give the same events.
    const expected: ChatStreamEvent[] = [
      start as ChatStreamEvent,
      { type: "delta", text: "Hel" },
      { type: "delta", text: "lo\n**there**" },
      done as ChatStreamEvent,
    ];
    for (let cut = 0; cut <= body.length; cut += 7) {
      const events = await collect(parseChatStream(streamOf([body.slice(0, cut), body.slice(cut)])));
      expect(events).toEqual(expected);
    }
  });

  it("delivers one byte at a time", async () => {
    const body = encoder.encode(line(start) + line({ type: "delta", text: "ü" }) + line(done));
    const chunks = Array.from(body, (b) => new Uint8Array([b]));
    const events = await collect(parseChatStream(streamOf(chunks)));
    expect(events.map((e) => e.type)).toEqual(["start", "delta", "done"]);
    expect(events[1]).toEqual({ type: "delta", text: "ü" });
  });

  it("parses an error event with and without an assistant message id", async () => {
    const events = await collect(
      parseChatStream(streamOf([line({ type: "error", error: { code: "upstream_error", message: "Claude is overloaded." }, assistantMessageId: "a9" }), line({ type: "error", error: { code: "x", message: "y" } })])),
    );
    expect(events).toEqual([
      { type: "error", error: { code: "upstream_error", message: "Claude is overloaded." }, assistantMessageId: "a9" },
      { type: "error", error: { code: "x", message: "y" } },
    ]);
  });

  it("keeps a null userMessageId (retry) and a string costMicros", async () => {
    const [s, d] = await collect(parseChatStream(streamOf([line({ ...start, userMessageId: null }), line({ ...done, usage: { ...done.usage, costMicros: "9007199254740993" } })])));
    expect(s).toMatchObject({ type: "start", userMessageId: null });
    expect(d).toMatchObject({ type: "done", usage: { costMicros: "9007199254740993" } });
  });

  it("skips event types it does not know (forward compatible)", async () => {
    const events = await collect(parseChatStream(streamOf([line(start), line({ type: "ping" }), line(done)])));
    expect(events.map((e) => e.type)).toEqual(["start", "done"]);
  });

  it("throws on a line that is not JSON", async () => {
    await expect(collect(parseChatStream(streamOf([line(start), "data: hello\n"])))).rejects.toThrow(ChatStreamProtocolError);
  });

  it.each([
    ["delta without text", { type: "delta" }],
    ["delta with a number", { type: "delta", text: 5 }],
    ["done with an unknown status", { ...done, status: "finished" }],
    ["done without usage", { ...done, usage: undefined }],
    ["start without simulated", { ...start, simulated: undefined }],
    ["error without a message", { type: "error", error: { code: "x" } }],
    ["no type at all", { text: "hi" }],
    ["an array", [1, 2]],
  ])("throws on a malformed event: %s", async (_label, event) => {
    expect(() => parseChatEventLine(JSON.stringify(event))).toThrow(ChatStreamProtocolError);
  });
});
