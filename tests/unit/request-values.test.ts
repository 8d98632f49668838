import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { readBodyText } from "@/lib/api/read-body";
import { assertJsonContentType, assertSameOrigin } from "@/lib/api/same-origin";
import { bigintIdString, positiveInt } from "@/lib/validation/bounds";
import { cleanText, findUncleanValue, MAX_JSON_DEPTH } from "@/lib/validation/text";

/** A body that counts what was pulled from it, and whether the reader gave up on it. */
function countingBody(chunks: number, chunkBytes: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= chunks * chunkBytes) return controller.close();
      state.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
    },
    cancel() {
      state.cancelled = true;
    },
    // No pre-fetch: a pull happens only when the reader asks.
  }, { highWaterMark: 0 });
  return { stream, state };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://app.test/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

const codeOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
  return "ok";
};

describe("readBodyText", () => {
  it("refuses a declared Content-Length over the cap before reading a byte", async () => {
    const { stream, state } = countingBody(10, 1024);
    expect(await codeOf(readBodyText(post(stream, { "content-length": String(30 * 1024 * 1024) }), 1024))).toBe("payload_too_large");
    expect(state.pulled).toBe(0);
  });

  it("stops reading and cancels a body without a length once it passes the cap", async () => {
    const { stream, state } = countingBody(1000, 1024);
    expect(await codeOf(readBodyText(post(stream), 4 * 1024))).toBe("payload_too_large");
    expect(state.cancelled).toBe(true);
    // Streams may read a chunk or two ahead; nowhere near the 1 MB offered.
    expect(state.pulled).toBeLessThan(16 * 1024);
  });

  it("refuses a Content-Length that is not a byte count", async () => {
    expect(await codeOf(readBodyText(post("{}", { "content-length": "12abc" }), 1024))).toBe("bad_request");
  });

  it("refuses invalid UTF-8 and returns valid text as is", async () => {
    expect(await codeOf(readBodyText(post(new Uint8Array([0x7b, 0xff, 0x7d])), 1024))).toBe("bad_request");
    expect(await readBodyText(post('{"a":"é"}'), 1024)).toBe('{"a":"é"}');
  });
});

describe("findUncleanValue", () => {
  it("finds NUL in a nested value and in a key, with the path", () => {
    expect(findUncleanValue({ a: [{ b: "x\u0000y" }] })).toEqual({ path: "a.0.b", reason: "text" });
    expect(findUncleanValue({ ["k\u0000"]: 1 })).toEqual({ path: "k\u0000", reason: "text" });
  });

  it("finds unpaired surrogates but keeps paired ones (emoji)", () => {
    expect(findUncleanValue({ t: "\ud83d" })).toEqual({ path: "t", reason: "text" });
    expect(findUncleanValue({ t: "\ude00x" })).toEqual({ path: "t", reason: "text" });
    expect(findUncleanValue({ t: "ok 😀 ünïcode" })).toBeNull();
  });

  it("refuses nesting deeper than the limit without recursing", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUncleanValue(deep)?.reason).toBe("depth");
    let ok: unknown = "leaf";
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) ok = [ok];
    expect(findUncleanValue(ok)).toBeNull();
  });
});

describe("zod helpers", () => {
  it("cleanText refuses NUL and still trims and bounds", () => {
    const schema = cleanText().trim().max(5);
    expect(schema.safeParse("a\u0000b").success).toBe(false);
    expect(schema.safeParse("  abc ").data).toBe("abc");
    expect(schema.safeParse("abcdef").success).toBe(false);
  });

  it("bounds versions by the integer column and cursors by the bigint column", () => {
    expect(positiveInt().safeParse(4294967296).success).toBe(false);
    expect(positiveInt().safeParse(2147483647).success).toBe(true);
    expect(bigintIdString().safeParse("9999999999999999999").success).toBe(false);
    expect(bigintIdString().safeParse("9223372036854775807").success).toBe(true);
    // Not digits at all: a validation failure, not a BigInt() exception.
    expect(bigintIdString().safeParse("1; DROP TABLE").success).toBe(false);
  });
});

describe("same-origin and content type", () => {
  const req = (headers: Record<string, string>) => new Request("http://app.test/api/w/acme/chat", { method: "POST", headers });

  it("refuses a foreign Origin and a cross-site fetch", async () => {
    expect(await codeOf(() => assertSameOrigin(req({ origin: "https://evil.test" })))).toBe("forbidden");
    expect(await codeOf(() => assertSameOrigin(req({ "sec-fetch-site": "cross-site" })))).toBe("forbidden");
    expect(await codeOf(() => assertSameOrigin(req({ "sec-fetch-site": "same-site" })))).toBe("forbidden");
  });

  it("accepts the site's own origin and requests with neither header", async () => {
    expect(await codeOf(() => assertSameOrigin(req({ origin: "http://app.test", "sec-fetch-site": "same-origin" })))).toBe("ok");
    expect(await codeOf(() => assertSameOrigin(req({})))).toBe("ok");
  });

  it("takes application/json only", async () => {
    expect(await codeOf(() => assertJsonContentType(req({ "content-type": "text/plain" })))).toBe("unsupported_media_type");
    expect(await codeOf(() => assertJsonContentType(req({})))).toBe("unsupported_media_type");
    expect(await codeOf(() => assertJsonContentType(req({ "content-type": "application/json; charset=utf-8" })))).toBe("ok");
  });
});

describe("assertCleanInput (server action arguments, JSON bodies)", () => {
  it("answers NUL with a 422 naming the field and deep nesting with a 400", async () => {
    const { assertCleanInput } = await import("@/lib/api/clean-input");
    let error: unknown;
    try {
      assertCleanInput({ persona: "ok", topics: ["x\u0000"] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(422);
    expect(Object.keys((error as AppError).fields ?? {})).toEqual(["topics.0"]);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(await codeOf(() => assertCleanInput(deep))).toBe("bad_request");
    expect(await codeOf(() => assertCleanInput({ fine: ["text", 1, null] }))).toBe("ok");
  });
});
