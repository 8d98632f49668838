import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createReceivedLog,
  estimateInputTokens,
  estimateTextTokens,
  parseEcho,
  parseFaults,
  REPLY_FIRST_LINE,
  startSimulator,
  type ReceivedEntry,
  type RunningSimulator,
} from "@/lib/llm/simulator";
import { chunkText } from "@/lib/llm/simulator/reply";

const MODEL = "claude-haiku-4-5";

let sim: RunningSimulator;
let client: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, limits: { rpm: 1_000, tpm: 1_000_000 } });
  client = new Anthropic({ apiKey: "sim-test-key", baseURL: sim.url, maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

/** A request whose text no other test uses, so fault counters and the log stay separate. */
function ask(text: string, maxTokens = 400): Anthropic.MessageCreateParamsNonStreaming {
  return { model: MODEL, max_tokens: maxTokens, messages: [{ role: "user", content: text }] };
}

function entriesFor(text: string): ReceivedEntry[] {
  return sim.received.filter((e) => e.messages.some((m) => m.text === text));
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

function textOf(message: Anthropic.Message): string {
  const block = message.content[0];
  if (block?.type !== "text") throw new Error("expected a text block");
  return block.text;
}

describe("pure pieces", () => {
  it("estimates tokens as ceil(chars / 4) plus 3 per message and system prompt", () => {
    expect(estimateTextTokens("")).toBe(0);
    expect(estimateTextTokens("abcd")).toBe(1);
    expect(estimateTextTokens("abcde")).toBe(2);
    expect(estimateInputTokens({ system: "abcd", messages: [{ role: "user", content: "abcdefgh" }] })).toBe(4 + 5);
    expect(
      estimateInputTokens({ messages: [{ role: "user", content: [{ type: "text", text: "abcd" }, { type: "text", text: "ab" }] }] }),
    ).toBe(3 + 1 + 1);
  });

  it("chunks text into word-level pieces that concatenate back exactly", () => {
    const text = "  (simulated reply)\n\nOne two  three.\n- four\n```ts\nfive\n```  ";
    const chunks = chunkText(text);
    expect(chunks.join("")).toBe(text);
    expect(chunks.length).toBeGreaterThan(3);
  });

  it("parses fault directives from the header and from markers", () => {
    const parsed = parseFaults("429x2:0.5", "hello [[sim:slow:10,midstream]] [[sim:echo]]");
    expect(parsed).toEqual({
      ok: true,
      plan: {
        statusFault: { status: 429, attempts: 2, retryAfterSeconds: 0.5 },
        midstream: true,
        slowMs: 10,
        echo: true,
        stallMs: null,
        minimalUsage: false,
        raw: "429x2:0.5,slow:10,midstream,echo",
      },
    });
    expect(parseFaults(undefined, "[[sim:529-once]]")).toMatchObject({
      ok: true,
      plan: { statusFault: { status: 529, attempts: 1, retryAfterSeconds: null } },
    });
    expect(parseFaults(undefined, "[[sim:slow]]")).toMatchObject({ ok: true, plan: { slowMs: 50 } });
    expect(parseFaults(undefined, "[[sim:stall]]")).toMatchObject({ ok: true, plan: { stallMs: Number.POSITIVE_INFINITY } });
    expect(parseFaults("stall:250, usage-minimal", "")).toMatchObject({ ok: true, plan: { stallMs: 250, minimalUsage: true } });
    expect(parseFaults("nope", "")).toMatchObject({ ok: false });
    expect(parseFaults(undefined, "no markers here")).toMatchObject({ ok: true, plan: { raw: null } });
  });

  it("bounds the received log by entries and by characters", () => {
    const entry = (id: string, text: string): ReceivedEntry => ({
      requestId: id,
      at: new Date(0).toISOString(),
      endpoint: "messages",
      model: MODEL,
      system: "",
      messages: [{ role: "user", text }],
      maxTokens: 1,
      stream: false,
      fault: null,
      headers: {},
      status: 200,
      outcome: "completed",
      usage: null,
    });
    const byCount = createReceivedLog({ maxEntries: 3 });
    for (const id of ["a", "b", "c", "d", "e"]) byCount.add(entry(id, "x"));
    expect(byCount.all().map((e) => e.requestId)).toEqual(["c", "d", "e"]);
    expect(byCount.size).toBe(3);

    const byChars = createReceivedLog({ maxChars: 10 });
    for (const id of ["a", "b", "c"]) byChars.add(entry(id, "123456"));
    expect(byChars.all().map((e) => e.requestId)).toEqual(["c"]);
  });
});

describe("messages", () => {
  it("answers a non-streaming request like the API, with usage and rate-limit headers", async () => {
    const params = ask("How should I structure a small web service?");
    const first = await client.messages.create(params).withResponse();
    const second = await client.messages.create(params).withResponse();
    const message = first.data;
    const text = textOf(message);

    expect(message.id).toMatch(/^msg_sim_/);
    expect(message.role).toBe("assistant");
    expect(message.model).toBe(MODEL);
    expect(text.split("\n")[0]).toBe(REPLY_FIRST_LINE);
    expect(text).toContain("How should I structure a small web service?");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.stop_sequence).toBeNull();
    expect(message.usage).toEqual({
      input_tokens: estimateInputTokens(params),
      output_tokens: estimateTextTokens(text),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      service_tier: "standard",
    });

    const headers = first.response.headers;
    expect(headers.get("request-id")).toMatch(/^req_sim_/);
    expect(first.request_id).toBe(headers.get("request-id"));
    expect(headers.get("anthropic-ratelimit-requests-limit")).toBe("1000");
    expect(headers.get("anthropic-ratelimit-tokens-limit")).toBe("1000000");
    for (const kind of ["requests", "tokens", "input-tokens", "output-tokens"]) {
      expect(Number(headers.get(`anthropic-ratelimit-${kind}-remaining`))).toBeGreaterThan(0);
    }
    const reset = headers.get("anthropic-ratelimit-requests-reset") ?? "";
    expect(reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(reset) - Date.now()).toBeGreaterThan(0);
    expect(Date.parse(reset) - Date.now()).toBeLessThanOrEqual(61_000);

    // The window is spent as requests come in.
    const remaining = (h: Headers, kind: string) => Number(h.get(`anthropic-ratelimit-${kind}-remaining`));
    expect(remaining(second.response.headers, "requests")).toBe(remaining(headers, "requests") - 1);
    expect(remaining(headers, "tokens") - remaining(second.response.headers, "tokens")).toBe(
      message.usage.input_tokens + message.usage.output_tokens,
    );
  });

  it("is deterministic for the same request, across instances, and varies with the prompt", async () => {
    const params = ask("Explain caching in one paragraph.");
    const a = textOf(await client.messages.create(params));
    const b = textOf(await client.messages.create(params));
    const other = await startSimulator({ port: 0 });
    try {
      const otherClient = new Anthropic({ apiKey: "k", baseURL: other.url, maxRetries: 0 });
      expect(textOf(await otherClient.messages.create(params))).toBe(a);
    } finally {
      await other.close();
    }
    expect(b).toBe(a);
    const withSystem = textOf(await client.messages.create({ ...params, system: "You are terse." }));
    expect(withSystem).not.toBe(a);
  });

  it("cuts the reply at max_tokens and at stop sequences", async () => {
    const full = textOf(await client.messages.create(ask("Tell me about queues.", 4_000)));
    const short = await client.messages.create(ask("Tell me about queues.", 5));
    expect(short.stop_reason).toBe("max_tokens");
    expect(textOf(short)).toBe(full.slice(0, 20));
    expect(short.usage.output_tokens).toBe(5);

    const stopped = await client.messages.create({ ...ask("Tell me about queues."), stop_sequences: ["simulated"] });
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe("simulated");
    expect(textOf(stopped)).toBe("(");
  });

  it("streams word-level deltas through messages.stream() with the final usage", async () => {
    const params = ask("Give me a few tips for writing tests.");
    const stream = client.messages.stream(params);
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const final = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join("")).toBe(textOf(final));
    expect(textOf(final).startsWith(`${REPLY_FIRST_LINE}\n`)).toBe(true);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.input_tokens).toBe(estimateInputTokens(params));
    expect(final.usage.output_tokens).toBe(estimateTextTokens(textOf(final)));
    // Same request, same text, streamed or not.
    expect(textOf(await client.messages.create(params))).toBe(textOf(final));
    expect(entriesFor("Give me a few tips for writing tests.")[0]).toMatchObject({ stream: true, outcome: "completed" });
  });

  it("frames SSE exactly like the API: event names, order, ping", async () => {
    const response = await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...ask("Raw stream please.", 50), stream: true }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const raw = await response.text();
    const events = raw
      .split("\n\n")
      .filter((block) => block !== "")
      .map((block) => {
        const match = /^event: (\w+)\ndata: (.*)$/.exec(block);
        if (!match) throw new Error(`malformed SSE block: ${block}`);
        const data: unknown = JSON.parse(match[2] ?? "");
        return { name: match[1], data };
      });
    const names = events.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(names.slice(3, -3).every((n) => n === "content_block_delta")).toBe(true);
    expect(names.length - 6).toBeGreaterThan(2);
    for (const event of events) expect(event.data).toMatchObject({ type: event.name });
    expect(events[0]?.data).toMatchObject({ message: { content: [], usage: { output_tokens: 1 } } });
    expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason: "max_tokens", stop_sequence: null }, usage: { output_tokens: 50 } });
  });

  it("counts tokens the same way it bills them", async () => {
    const params = { model: MODEL, system: "Be brief.", messages: [{ role: "user" as const, content: "Count me, please." }] };
    const counted = await client.messages.countTokens(params);
    expect(counted.input_tokens).toBe(estimateInputTokens(params));
    const created = await client.messages.create({ ...params, max_tokens: 20 });
    expect(created.usage.input_tokens).toBe(counted.input_tokens);
  });

  it("bills prompt caching: creation on first sight of a prefix, reads after, by TTL", async () => {
    const system = "You are the support assistant for a hardware store. ".repeat(20);
    const cached = (question: string, ttl?: "1h"): Anthropic.MessageCreateParamsNonStreaming => ({
      model: MODEL,
      max_tokens: 50,
      system: [{ type: "text", text: system, cache_control: ttl ? { type: "ephemeral", ttl } : { type: "ephemeral" } }],
      messages: [{ role: "user", content: question }],
    });
    const prefixTokens = 3 + estimateTextTokens(system);

    const first = await client.messages.create(cached("Do you sell hammers?", "1h"));
    expect(first.usage).toMatchObject({
      cache_creation_input_tokens: prefixTokens,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: prefixTokens },
      input_tokens: estimateInputTokens(cached("Do you sell hammers?")) - prefixTokens,
    });

    const second = await client.messages.create(cached("And nails?", "1h"));
    expect(second.usage).toMatchObject({
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: prefixTokens,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    });
    const u = second.usage;
    expect(u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0)).toBe(
      estimateInputTokens(cached("And nails?")),
    );

    const other = await client.messages.create({ ...cached("Screws?"), system: [{ type: "text", text: `${system}!`, cache_control: { type: "ephemeral" } }] });
    expect(other.usage.cache_creation?.ephemeral_5m_input_tokens).toBeGreaterThan(0);
    expect(other.usage.cache_read_input_tokens).toBe(0);
  });
});

describe("errors", () => {
  it("rejects an invalid body with the API's error envelope", async () => {
    const response = await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(400);
    const body: unknown = await response.json();
    expect(body).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("max_tokens") },
      request_id: response.headers.get("request-id"),
    });

    const notJson = await fetch(`${sim.url}/v1/messages`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);

    const error = await rejection(client.messages.create({ ...ask("x"), messages: [{ role: "user", content: [{ type: "text", text: "" }] }] }));
    expect(error).toBeInstanceOf(BadRequestError);
  });

  it("answers 401 for the api key 'invalid' and 404 for unknown routes", async () => {
    const bad = new Anthropic({ apiKey: "invalid", baseURL: sim.url, maxRetries: 0 });
    const error = await rejection(bad.messages.create(ask("let me in")));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: "authentication_error" });

    const missing = await fetch(`${sim.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: "not_found_error" } });
  });

  it("injects 429 by header, with retry-after, as a RateLimitError", async () => {
    const error = await rejection(client.messages.create(ask("rate limit me"), { headers: { "x-sim-fault": "429:7" } }));
    expect(error).toBeInstanceOf(RateLimitError);
    if (!(error instanceof RateLimitError)) return;
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_error");
    expect(error.headers.get("retry-after")).toBe("7");
    expect(error.requestID).toBe(error.headers.get("request-id"));
    expect(entriesFor("rate limit me")).toMatchObject([{ status: 429, outcome: "error", fault: "429:7", usage: null }]);
  });

  it("injects 429 by marker in the last user message, retry-after 1 by default", async () => {
    const error = await rejection(client.messages.create(ask("please [[sim:429]] now")));
    expect(error).toBeInstanceOf(RateLimitError);
    if (error instanceof RateLimitError) expect(error.headers.get("retry-after")).toBe("1");
  });

  it("injects 529 overloaded and 500 api_error", async () => {
    const overloaded = await rejection(client.messages.create(ask("overload [[sim:529]]")));
    expect(overloaded).toBeInstanceOf(APIError);
    expect(overloaded).not.toBeInstanceOf(RateLimitError);
    expect(overloaded).toMatchObject({ status: 529, type: "overloaded_error" });
    if (overloaded instanceof APIError) expect(overloaded.headers?.get("retry-after")).toBeNull();

    const internal = await rejection(client.messages.create(ask("break [[sim:500]]")));
    expect(internal).toBeInstanceOf(InternalServerError);
    expect(internal).toMatchObject({ status: 500, type: "api_error" });
  });

  it("fails the first N attempts of the same request, so bounded retries succeed", async () => {
    const retrying = new Anthropic({ apiKey: "k", baseURL: sim.url, maxRetries: 2 });
    const text = "flaky [[sim:429x2:0.01]]";
    const message = await retrying.messages.create(ask(text));
    expect(textOf(message).startsWith(REPLY_FIRST_LINE)).toBe(true);
    expect(entriesFor(text).map((e) => e.status)).toEqual([429, 429, 200]);

    const fewer = new Anthropic({ apiKey: "k", baseURL: sim.url, maxRetries: 1 });
    const text2 = "flakier [[sim:429x2:0.01]]";
    expect(await rejection(fewer.messages.create(ask(text2)))).toBeInstanceOf(RateLimitError);
    expect(entriesFor(text2).map((e) => e.status)).toEqual([429, 429]);
    // The third attempt of that exact request now succeeds.
    expect((await fewer.messages.create(ask(text2))).stop_reason).toBe("end_turn");
  });

  it("keys '-once' faults by x-sim-fault-key when given", async () => {
    const headers = { "x-sim-fault": "529-once", "x-sim-fault-key": "once-key-1" };
    expect(await rejection(client.messages.create(ask("first body"), { headers }))).toMatchObject({ status: 529 });
    // A different body with the same key has used up its failure.
    expect((await client.messages.create(ask("second body"), { headers })).type).toBe("message");
  });

  it("rejects unknown fault directives", async () => {
    const error = await rejection(client.messages.create(ask("typo [[sim:bogus]]")));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ apiMessage: expect.stringContaining("bogus") });
  });
});

describe("streaming faults", () => {
  it("sends an error event mid-stream, and the stream rejects", async () => {
    const text = "stream then fail [[sim:midstream]]";
    const stream = client.messages.stream(ask(text));
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const error = await rejection(stream.finalMessage());
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ type: "overloaded_error" });
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThanOrEqual(3);
    expect(entriesFor(text)).toMatchObject([{ status: 200, outcome: "error" }]);
  });

  it("paces a slow stream and fills it to max_tokens", async () => {
    const delayMs = 30;
    const started = Date.now();
    const stream = client.messages.stream(ask("slow one [[sim:slow:30]]", 40));
    const arrivals: number[] = [];
    stream.on("text", () => arrivals.push(Date.now()));
    const final = await stream.finalMessage();
    const elapsed = Date.now() - started;

    expect(final.stop_reason).toBe("max_tokens");
    expect(final.usage.output_tokens).toBe(40);
    expect(arrivals.length).toBeGreaterThan(3);
    expect(elapsed).toBeGreaterThanOrEqual(arrivals.length * delayMs * 0.9);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual((arrivals.length - 1) * delayMs * 0.8);

    const fastStart = Date.now();
    await client.messages.stream(ask("fast one", 40)).finalMessage();
    expect(Date.now() - fastStart).toBeLessThan(elapsed / 2);
  });

  it("stops writing and logs 'aborted' when the client goes away", async () => {
    const text = "stop me [[sim:slow:20]]";
    const stream = client.messages.stream(ask(text, 4_000));
    let deltas = 0;
    stream.on("text", () => {
      deltas++;
      if (deltas === 2) stream.abort();
    });
    await stream.done().catch(() => undefined);
    await waitFor(() => entriesFor(text)[0]?.outcome === "aborted");
    const entry = entriesFor(text)[0];
    expect(entry?.usage?.output_tokens).toBeGreaterThan(0);
    expect(entry?.usage?.output_tokens).toBeLessThan(100);
  });
});

describe("echo and the received log", () => {
  it("echoes what it received, tenant header included", async () => {
    const message = await client.messages.create(
      { ...ask("What did you get?"), system: "Tenant A persona" },
      { headers: { "x-sim-fault": "echo", "x-bulkhead-tenant": "tenant_a" } },
    );
    expect(parseEcho(textOf(message))).toEqual({
      model: MODEL,
      system: "Tenant A persona",
      messages: [{ role: "user", text: "What did you get?" }],
      max_tokens: 400,
      metadata: null,
      tenant: "tenant_a",
    });
  });

  it("records each request in process and over HTTP, and clears on DELETE", async () => {
    await client.messages.create(
      { ...ask("log me"), system: [{ type: "text", text: "part one" }, { type: "text", text: "part two" }] },
      { headers: { "x-bulkhead-tenant": "tenant_b" } },
    );
    const entry = sim.received.last();
    expect(entry).toMatchObject({
      endpoint: "messages",
      model: MODEL,
      system: "part one\npart two",
      messages: [{ role: "user", text: "log me" }],
      maxTokens: 400,
      stream: false,
      fault: null,
      headers: { "x-bulkhead-tenant": "tenant_b" },
      status: 200,
      outcome: "completed",
    });
    expect(entry?.requestId).toMatch(/^req_sim_/);
    expect(entry?.usage?.output_tokens).toBeGreaterThan(0);
    expect(sim.received.find((e) => e.headers["x-bulkhead-tenant"] === "tenant_b")).toBe(entry);

    const overHttp: unknown = await (await fetch(`${sim.url}/_sim/received`)).json();
    expect(Array.isArray(overHttp)).toBe(true);
    expect(overHttp).toHaveLength(sim.received.size);
    expect(Array.isArray(overHttp) ? overHttp.at(-1) : null).toEqual(entry);

    const cleared = await fetch(`${sim.url}/_sim/received`, { method: "DELETE" });
    expect(cleared.status).toBe(200);
    expect(sim.received.size).toBe(0);
    expect(await (await fetch(`${sim.url}/_sim/received`)).json()).toEqual([]);
  });

  it("answers /health", async () => {
    const response = await fetch(`${sim.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe("account limits", () => {
  it("reports and, when asked to, enforces the requests-per-minute limit", async () => {
    const limited = await startSimulator({ port: 0, limits: { rpm: 2, enforce: true } });
    try {
      const limitedClient = new Anthropic({ apiKey: "k", baseURL: limited.url, maxRetries: 0 });
      await limitedClient.messages.create(ask("one"));
      const second = await limitedClient.messages.create(ask("two")).withResponse();
      expect(second.response.headers.get("anthropic-ratelimit-requests-limit")).toBe("2");
      expect(second.response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
      const error = await rejection(limitedClient.messages.create(ask("three")));
      expect(error).toBeInstanceOf(RateLimitError);
      if (error instanceof RateLimitError) {
        const retryAfter = Number(error.headers.get("retry-after"));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(61);
      }
    } finally {
      await limited.close();
    }
  });
});
