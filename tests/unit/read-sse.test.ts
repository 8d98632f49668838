import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "@/lib/llm/direct-messages";

// A response body whose chunks the test chooses: readSse only needs a readable byte stream.
function body(): PassThrough & IncomingMessage {
  return new PassThrough() as PassThrough & IncomingMessage;
}

describe("readSse (the upstream's server-sent events, read with a callback)", () => {
  it("splits events across and within chunks, joins multi-line data, ignores comments and a CR before the LF", async () => {
    const res = body();
    const seen: SseMessage[] = [];
    const done = readSse(res, (m) => (seen.push(m), true));
    res.write("event: message_start\ndata: {\"a\"");
    res.write(":1}\n\n: a comment\nevent: ping\r\ndata: {}\r\n\r\nevent: delta\ndata: one\ndata: two\n\nevent: tail\ndata: x");
    res.end();
    await done;
    expect(seen).toEqual([
      { event: "message_start", data: '{"a":1}' },
      { event: "ping", data: "{}" },
      { event: "delta", data: "one\ntwo" },
      // The body ended without a blank line: the last event still counts, as the SDK's decoder has it.
      { event: "tail", data: "x" },
    ]);
  });

  it("stops when the consumer returns false: nothing more is handed over and the response is destroyed", async () => {
    const res = body();
    const seen: string[] = [];
    const done = readSse(res, (m) => (seen.push(m.event ?? ""), m.event !== "stop"));
    res.write("event: a\ndata: 1\n\nevent: stop\ndata: 2\n\nevent: after\ndata: 3\n\n");
    await done;
    // A later chunk reaches no one either.
    res.emit("data", "event: later\ndata: 4\n\n");
    expect(seen).toEqual(["a", "stop"]);
    expect(res.destroyed).toBe(true);
  });

  it("rejects with what the consumer throws, and destroys the response", async () => {
    const res = body();
    const done = readSse(res, (m) => {
      if (m.event === "error") throw new Error("overloaded");
      return true;
    });
    res.write("event: message_start\ndata: {}\n\nevent: error\ndata: {}\n\n");
    await expect(done).rejects.toThrow("overloaded");
    expect(res.destroyed).toBe(true);
  });

  it("rejects when the body is cut off before its end (a premature close), as a for-await over it would", async () => {
    const res = body();
    const seen: string[] = [];
    const done = readSse(res, (m) => (seen.push(m.event ?? ""), true));
    res.write("event: message_start\ndata: {}\n\nevent: content_block_delta\ndata: {\"par");
    await new Promise((r) => setImmediate(r));
    res.destroy();
    await expect(done).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
    // The half-received event is not handed over.
    expect(seen).toEqual(["message_start"]);
  });

  it("rejects with the stream's own error", async () => {
    const res = body();
    const done = readSse(res, () => true);
    res.destroy(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await expect(done).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});
