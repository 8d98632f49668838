import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { voyageEmbeddingProvider } from "@/lib/knowledge/voyage";

/**
 * The Voyage provider against a local server speaking Voyage's embeddings protocol (this
 * machine has no network, and tests never call the real API). The server records every
 * request and answers as the test's `reply` says; by default like Voyage, with vectors
 * derived from each text so that a result can be checked against its input.
 */
type Received = { method: string; path: string; headers: IncomingHttpHeaders; body: { input: string[]; model: string; input_type: string; output_dimension: number } };

type Reply =
  | { status: number; headers?: Record<string, string>; body: unknown }
  | "hang" // never answer
  | "drop"; // close the connection without a response

const KEY = "pa-test-0123456789abcdef-secret";

let server: Server;
let baseUrl: string;
let received: Received[];
let closedBeforeAnswer: number;
let hanging: ServerResponse[];
let reply: (request: Received, n: number) => Reply;

function vectorFor(text: string, dimensions: number): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: dimensions }, (_, i) => digest[i % digest.length]! / 255 - 0.5);
}

function voyageAnswer(request: Received, { reverse = false, dimensions = request.body.output_dimension } = {}): Reply {
  const data = request.body.input.map((text, index) => ({ object: "embedding", embedding: vectorFor(text, dimensions), index }));
  if (reverse) data.reverse();
  return { status: 200, body: { object: "list", data, model: request.body.model, usage: { total_tokens: request.body.input.length * 3 } } };
}

const voyageError = (status: number, detail: string, headers?: Record<string, string>): Reply => ({ status, headers, body: { detail } });

/** Fails `failures` times as given, then answers like Voyage. */
function failingFirst(failures: number, failure: Reply): (request: Received, n: number) => Reply {
  return (request, n) => (n < failures ? failure : voyageAnswer(request));
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: Received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
    const n = received.push(request) - 1;
    res.on("close", () => {
      if (!res.writableEnded) closedBeforeAnswer++;
    });
    const answer = reply(request, n);
    if (answer === "hang") return void hanging.push(res);
    if (answer === "drop") return void req.socket.destroy();
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  closedBeforeAnswer = 0;
  hanging = [];
  reply = (request) => voyageAnswer(request);
});

afterEach(() => {
  for (const res of hanging) res.destroy();
  vi.unstubAllEnvs();
});

const provider = (options: Partial<Parameters<typeof voyageEmbeddingProvider>[0]> = {}) =>
  voyageEmbeddingProvider({ apiKey: KEY, baseUrl, dimensions: 8, ...options });

describe("voyageEmbeddingProvider", () => {
  it("posts Voyage's request: /v1/embeddings, bearer key, input, model, input_type, output_dimension (defaults voyage-3.5, 1024)", async () => {
    const voyage = voyageEmbeddingProvider({ apiKey: KEY, baseUrl: `${baseUrl}/` });
    expect([voyage.model, voyage.dimensions]).toEqual(["voyage-3.5", 1024]);

    const vectors = await voyage.embed(["first passage", "second passage"], "document");

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/v1/embeddings");
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.body).toEqual({ input: ["first passage", "second passage"], model: "voyage-3.5", input_type: "document", output_dimension: 1024 });
    expect(vectors).toEqual([vectorFor("first passage", 1024), vectorFor("second passage", 1024)]);
  });

  it("sends the configured model and dimensions, and input_type query for queries", async () => {
    const voyage = provider({ model: "voyage-3.5-lite", dimensions: 256 });
    expect([voyage.model, voyage.dimensions]).toEqual(["voyage-3.5-lite", 256]);

    const [vector] = await voyage.embed(["what is the refund policy?"], "query");

    expect(received.map((r) => [r.body.model, r.body.input_type, r.body.output_dimension])).toEqual([["voyage-3.5-lite", "query", 256]]);
    expect(vector).toEqual(vectorFor("what is the refund policy?", 256));
  });

  it("returns [] for no texts without a request", async () => {
    expect(await provider().embed([], "document")).toEqual([]);
    expect(received).toHaveLength(0);
  });

  it("batches 300 texts as 128 + 128 + 44, in order, and orders each batch by index though data comes back reversed", async () => {
    reply = (request) => voyageAnswer(request, { reverse: true });
    const texts = Array.from({ length: 300 }, (_, i) => `passage ${i}`);

    const vectors = await provider().embed(texts, "document");

    expect(received.map((r) => r.body.input)).toEqual([texts.slice(0, 128), texts.slice(128, 256), texts.slice(256)]);
    expect(vectors).toEqual(texts.map((text) => vectorFor(text, 8)));
  });

  it("retries a 429 with retry-after: 0, then succeeds", async () => {
    reply = failingFirst(1, voyageError(429, "Rate limit exceeded.", { "retry-after": "0" }));

    const vectors = await provider().embed(["a"], "document");

    expect(received).toHaveLength(2);
    expect(received[1]!.body).toEqual(received[0]!.body);
    expect(vectors).toEqual([vectorFor("a", 8)]);
  });

  it("waits as long as retry-after says (1 s, beyond the first backoff's 500 ms ceiling)", async () => {
    reply = failingFirst(1, voyageError(429, "Rate limit exceeded.", { "retry-after": "1" }));

    const startedAt = performance.now();
    await provider().embed(["a"], "document");

    expect(received).toHaveLength(2);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(950);
  });

  it("retries a 503, then succeeds", async () => {
    reply = failingFirst(1, voyageError(503, "Service unavailable."));

    const vectors = await provider().embed(["a", "b"], "document");

    expect(received).toHaveLength(2);
    expect(vectors).toEqual([vectorFor("a", 8), vectorFor("b", 8)]);
  });

  it("retries a connection closed without a response, then succeeds", async () => {
    reply = failingFirst(1, "drop");

    const vectors = await provider().embed(["a"], "document");

    expect(received).toHaveLength(2);
    expect(vectors).toEqual([vectorFor("a", 8)]);
  });

  it("gives up after maxAttempts 5xx answers, naming the status and Voyage's detail", async () => {
    reply = () => voyageError(500, "Unexpected issue on our servers.");

    await expect(provider({ maxAttempts: 3 }).embed(["a"], "document")).rejects.toThrow("Voyage embeddings failed after 3 attempts: HTTP 500: Unexpected issue on our servers.");
    expect(received).toHaveLength(3);
  });

  it("tries a query at most twice, and not at all again when told to wait longer than a turn can", async () => {
    reply = () => voyageError(503, "Service unavailable.");
    await expect(provider({ maxAttempts: 4 }).embed(["q"], "query")).rejects.toThrow("after 2 attempts");
    expect(received).toHaveLength(2);

    received = [];
    reply = () => voyageError(429, "Rate limit exceeded.", { "retry-after": "5" });
    const startedAt = performance.now();
    await expect(provider({ maxAttempts: 4 }).embed(["q"], "query")).rejects.toThrow("HTTP 429");
    expect(received).toHaveLength(1);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });

  it("cuts a query with no answer after 3 s even when documents may wait longer", { timeout: 10_000 }, async () => {
    reply = () => "hang";
    const startedAt = performance.now();
    await expect(provider({ timeoutMs: 30_000, maxAttempts: 1 }).embed(["q"], "query")).rejects.toThrow();
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(elapsed).toBeLessThan(4_500);
  });

  it("fails a 401 at once with its status and detail, and never shows the key (even when the detail quotes it)", async () => {
    reply = () => voyageError(401, `Provided API key is invalid: ${KEY}`);

    const error = await provider().embed(["a"], "document").catch((e: unknown) => e);

    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(Error);
    const { message } = error as Error;
    expect(message).toBe("Voyage embeddings failed: HTTP 401: Provided API key is invalid: [redacted]");
    expect(message).not.toContain(KEY);
    expect(message).not.toContain(KEY.slice(0, 12));
  });

  it("fails a 400 at once with Voyage's detail", async () => {
    reply = () => voyageError(400, "Input cannot contain empty strings.");

    await expect(provider().embed([""], "document")).rejects.toThrow("Voyage embeddings failed: HTTP 400: Input cannot contain empty strings.");
    expect(received).toHaveLength(1);
  });

  it("rejects a vector of the wrong length, without retrying", async () => {
    reply = (request) => voyageAnswer(request, { dimensions: 7 });

    await expect(provider().embed(["a", "b"], "document")).rejects.toThrow(/unexpected response \(data\.0\.embedding: expected 8 numbers/);
    expect(received).toHaveLength(1);
  });

  it("rejects a response whose indices do not cover the batch", async () => {
    reply = (request) => {
      const answer = voyageAnswer(request) as { status: number; body: { data: { index: number }[] } };
      answer.body.data[1]!.index = 0;
      return answer;
    };

    await expect(provider().embed(["a", "b"], "document")).rejects.toThrow(/2 vectors for 2 texts, or indices not 0\.\.1/);
  });

  it("cuts a request with no answer after timeoutMs, retries it, then gives up", { timeout: 5_000 }, async () => {
    reply = () => "hang";

    await expect(provider({ timeoutMs: 150, maxAttempts: 2 }).embed(["a"], "document")).rejects.toThrow("Voyage embeddings failed after 2 attempts: no response within 150 ms");
    expect(received).toHaveLength(2);
    // The client closed both connections: the requests were aborted, not left running.
    await vi.waitFor(() => expect(closedBeforeAnswer).toBe(2));
  });

  it("succeeds when the attempt after a timeout is answered", { timeout: 5_000 }, async () => {
    reply = failingFirst(1, "hang");

    const vectors = await provider({ timeoutMs: 150 }).embed(["a"], "document");

    expect(received).toHaveLength(2);
    expect(vectors).toEqual([vectorFor("a", 8)]);
  });
});

describe("voyageProviderFromEnv", () => {
  async function fromEnv(vars: Record<string, string>) {
    for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
    vi.resetModules(); // lib/env.ts parses the environment once, at import
    const voyage = await import("@/lib/knowledge/voyage");
    return voyage.voyageProviderFromEnv();
  }

  it("is null without VOYAGE_API_KEY", async () => {
    expect(await fromEnv({ VOYAGE_API_KEY: "", VOYAGE_BASE_URL: baseUrl })).toBeNull();
  });

  it("uses VOYAGE_API_KEY, VOYAGE_BASE_URL and VOYAGE_MODEL", async () => {
    const voyage = await fromEnv({ VOYAGE_API_KEY: KEY, VOYAGE_BASE_URL: baseUrl, VOYAGE_MODEL: "voyage-3-large" });
    expect(voyage).not.toBeNull();
    expect([voyage!.model, voyage!.dimensions]).toEqual(["voyage-3-large", 1024]);

    await voyage!.embed(["a"], "query");

    expect(received.map((r) => [r.headers.authorization, r.body.model])).toEqual([[`Bearer ${KEY}`, "voyage-3-large"]]);
  });
});
