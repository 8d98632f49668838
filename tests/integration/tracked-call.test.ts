import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemPrompt, wrapUserMessage } from "@/lib/context/system-prompt";
import { createClaudeClient, describeClaudeBackend, getEmbeddedSimulator, setClaudeClient, stopEmbeddedSimulator } from "@/lib/llm/anthropic-client";
import { DEFAULT_LIMITS, REPLY_FIRST_LINE, startSimulator, type ReceivedEntry, type RunningSimulator } from "@/lib/llm/simulator";
import { TIER_MODELS } from "@/lib/llm/models";
import { estimateInputTokens, estimateTextTokens } from "@/lib/llm/tokens";
import { TENANT_HEADER, trackedStream, type TrackedStreamParams } from "@/lib/llm/tracked-call";
import { defaultTenantConfig } from "@/lib/tenancy/defaults";
import { unique } from "@/tests/helpers/db";

/**
 * The tracked wrapper against the real SDK and the simulator over HTTP. Every expected number
 * comes from the simulator's own log of what it billed, never from constants here.
 */
let sim: RunningSimulator;
let client: Anthropic;
const tenantId = "00000000-0000-4000-8000-00000000000a";
const system = buildSystemPrompt(defaultTenantConfig("Tracked Co"));
const ZERO_USAGE = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };

function params(text: string, extra: Partial<TrackedStreamParams> = {}): TrackedStreamParams {
  return {
    tenantId,
    requestId: unique("req"),
    requestType: "chat",
    model: TIER_MODELS.economy.id, // the 4.5 Sonnet/Opus ids make the SDK print a deprecation warning per call
    maxTokens: 256,
    system,
    messages: [{ role: "user", content: wrapUserMessage(text) }],
    client,
    ...extra,
  };
}

/** The simulator's log entry for the request whose last message contains `text`. */
function entryFor(text: string): ReceivedEntry {
  const entry = sim.received.find((e) => e.messages.some((m) => m.text.includes(text)));
  if (!entry) throw new Error(`simulator never received ${text}`);
  return entry;
}

async function settled(text: string): Promise<ReceivedEntry> {
  for (let i = 0; i < 200; i++) {
    const entry = entryFor(text);
    if (entry.outcome !== "in_progress") return entry;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("simulator entry never settled");
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  client = createClaudeClient({ baseURL: sim.url });
});

afterAll(async () => {
  await sim.close();
});

describe("completed stream", () => {
  it("reports exactly the usage the simulator billed, streams the text, and times it", async () => {
    const text = unique("What is a bulkhead? ");
    const deltas: string[] = [];
    // Room for any natural reply: with the default 256 some random texts end at max_tokens.
    const result = await trackedStream(params(text, { onText: (d) => deltas.push(d), maxTokens: 4096 }));
    const entry = entryFor(text);

    expect(result.status).toBe("completed");
    expect(entry.outcome).toBe("completed");
    expect(entry.usage).not.toBeNull();
    expect(result.usage.inputTokens).toBe(entry.usage?.input_tokens);
    expect(result.usage.outputTokens).toBe(entry.usage?.output_tokens);
    expect(result.usage.cacheWriteTokens).toBe(entry.usage?.cache_creation_input_tokens);
    expect(result.usage.cacheReadTokens).toBe(entry.usage?.cache_read_input_tokens);
    // The whole prompt is accounted for, split between uncached, written and read.
    const request = { system, messages: params(text).messages };
    expect(result.usage.inputTokens + result.usage.cacheWriteTokens + result.usage.cacheReadTokens).toBe(estimateInputTokens(request));

    expect(result.text.startsWith(REPLY_FIRST_LINE)).toBe(true);
    expect(deltas.join("")).toBe(result.text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(result.stopReason).toBe("end_turn");
    expect(result.ttftMs).not.toBeNull();
    expect(result.ttftMs ?? Infinity).toBeLessThanOrEqual(result.latencyMs);
    expect(result.upstreamRequestId).toBe(entry.requestId);
    expect(entry.headers[TENANT_HEADER]).toBe(tenantId);
    expect(result.rateLimitHeaders["anthropic-ratelimit-requests-limit"]).toBe(String(DEFAULT_LIMITS.rpm));
    expect(Object.keys(result.rateLimitHeaders).every((k) => k.startsWith("anthropic-ratelimit-"))).toBe(true);
    expect(Object.keys(result.rateLimitHeaders)).toHaveLength(12);
    expect(result.errorType).toBeUndefined();
  });

  it("hits the prompt cache on the second call with the same tenant system prompt", async () => {
    const first = unique("cache one ");
    const second = unique("cache two ");
    const a = await trackedStream(params(first));
    const b = await trackedStream(params(second));
    const entryB = entryFor(second);
    expect(a.status).toBe("completed");
    expect(b.status).toBe("completed");
    expect(b.usage.cacheReadTokens).toBe(entryB.usage?.cache_read_input_tokens);
    expect(b.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(b.usage.cacheWriteTokens).toBe(0);
    // What the first call wrote (or read, if an earlier test warmed it) is what the second reads.
    expect(b.usage.cacheReadTokens).toBe(a.usage.cacheWriteTokens + a.usage.cacheReadTokens);
  });

  it("reads the 1-hour share of cache writes", async () => {
    const text = unique("one hour cache ");
    const longSystem = [{ type: "text" as const, text: unique("A one-hour cached prefix. ").repeat(20), cache_control: { type: "ephemeral" as const, ttl: "1h" as const } }];
    const result = await trackedStream(params(text, { system: longSystem }));
    const entry = entryFor(text);
    expect(result.status).toBe("completed");
    expect(result.usage.cacheWriteTokens).toBe(entry.usage?.cache_creation_input_tokens);
    expect(result.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(result.usage.cacheWrite1hTokens).toBe(result.usage.cacheWriteTokens);
  });
});

describe("upstream errors", () => {
  it.each([
    ["429:3", 429, "rate_limit_error", 3_000],
    ["529", 529, "overloaded_error", undefined],
    ["500", 500, "api_error", undefined],
  ])("[[sim:%s]] → error %s, no tokens, never throws", async (fault, status, errorType, retryAfterMs) => {
    const text = unique(`fault ${fault} [[sim:${fault}]] `);
    const result = await trackedStream(params(text));
    const entry = entryFor(text);
    expect(entry.status).toBe(status);
    expect(entry.outcome).toBe("error");
    expect(result.status).toBe("error");
    expect(result.errorType).toBe(errorType);
    expect(result.errorMessage).toMatch(/simulated/);
    expect(result.usage).toEqual(ZERO_USAGE);
    expect(result.text).toBe("");
    expect(result.ttftMs).toBeNull();
    expect(result.retryAfterMs).toBe(retryAfterMs);
    expect(result.upstreamRequestId).toBe(entry.requestId);
    // Error responses carry the account headers too: the headroom monitor sees them.
    expect(result.rateLimitHeaders["anthropic-ratelimit-requests-limit"]).toBe(String(DEFAULT_LIMITS.rpm));
  });

  it("mid-stream error after text → input from message_start, output estimated from the text received, flagged", async () => {
    const text = unique("midstream [[sim:midstream]] ");
    const deltas: string[] = [];
    // Room for any natural reply: with the default 256 some random texts end at max_tokens.
    const result = await trackedStream(params(text, { onText: (d) => deltas.push(d), maxTokens: 4096 }));
    const entry = entryFor(text);
    expect(entry.outcome).toBe("error");
    expect(result.status).toBe("error");
    expect(result.errorType).toBe("overloaded_error");
    expect(result.usage.inputTokens).toBe(entry.usage?.input_tokens);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.cacheReadTokens).toBe(entry.usage?.cache_read_input_tokens);
    expect(deltas.length).toBeGreaterThan(0); // some text did arrive before the error
    // The simulator bills what it sent by the same estimator: the estimate is exact here.
    expect(result.usage.outputTokens).toBe(entry.usage?.output_tokens);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.estimated).toBe(true);
  });

  it("connection refused → connection_error with zero usage", async () => {
    const gone = await startSimulator({ port: 0 });
    await gone.close();
    const result = await trackedStream(params("nobody home", { client: createClaudeClient({ baseURL: gone.url }) }));
    expect(result.status).toBe("error");
    expect(result.errorType).toBe("connection_error");
    expect(result.usage).toEqual(ZERO_USAGE);
  });
});

describe("client abort", () => {
  it("aborts the upstream and bills output so far: > 0 and ≤ what the full reply costs", async () => {
    const text = unique("Tell me a long story about bulkheads ");
    const controller = new AbortController();
    let received = 0;
    const aborted = await trackedStream(
      params(text, {
        maxTokens: 200,
        signal: controller.signal,
        headers: { "x-sim-fault": "slow:15" },
        onText: () => {
          if (++received === 5) controller.abort();
        },
      }),
    );
    const entry = await settled(text);
    expect(aborted.status).toBe("aborted");
    expect(entry.outcome).toBe("aborted"); // the simulator saw the client leave
    expect(aborted.usage.inputTokens).toBe(entry.usage?.input_tokens);
    // Documented choice: output so far is estimated from the text received (no message_delta yet).
    expect(aborted.usage.outputTokens).toBe(estimateTextTokens(aborted.text));
    expect(aborted.usage.outputTokens).toBeGreaterThan(1);
    // The simulator bills an interrupted stream by the characters it sent: we received no more.
    expect(aborted.usage.outputTokens).toBeLessThanOrEqual(entry.usage?.output_tokens ?? -1);

    // The same prompt (faults by header keep it identical) run to the end: same text, full bill.
    const full = await trackedStream(params(text, { maxTokens: 200, headers: { "x-sim-fault": "slow:1" } }));
    const fullEntry = sim.received.last();
    expect(full.status).toBe("completed");
    expect(full.usage.outputTokens).toBe(fullEntry?.usage?.output_tokens);
    expect(full.text.startsWith(aborted.text)).toBe(true);
    expect(aborted.text.length).toBeLessThan(full.text.length);
    expect(aborted.usage.outputTokens).toBeLessThan(full.usage.outputTokens);
  });

  it("does not call upstream when the signal is already aborted", async () => {
    const before = sim.received.size;
    const controller = new AbortController();
    controller.abort();
    const result = await trackedStream(params(unique("never sent "), { signal: controller.signal }));
    expect(result.status).toBe("aborted");
    expect(result.usage).toEqual(ZERO_USAGE);
    expect(sim.received.size).toBe(before);
  });

  it("treats a failing onText consumer as an abort", async () => {
    const text = unique("consumer dies ");
    const result = await trackedStream(
      params(text, {
        headers: { "x-sim-fault": "slow:15" },
        onText: () => {
          throw new Error("browser stream closed");
        },
      }),
    );
    const entry = await settled(text);
    expect(result.status).toBe("aborted");
    expect(entry.outcome).toBe("aborted");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(entry.usage?.output_tokens ?? -1);
  });
});

describe("process client", () => {
  it.skipIf(describeClaudeBackend() !== "simulator")("starts one in-process simulator lazily and uses it by default", async () => {
    setClaudeClient(undefined);
    const text = unique("default client ");
    const result = await trackedStream({ ...params(text), client: undefined });
    const embedded = await getEmbeddedSimulator();
    try {
      expect(embedded.url).not.toBe(sim.url);
      expect(await getEmbeddedSimulator()).toBe(embedded);
      const entry = embedded.received.find((e) => e.messages.some((m) => m.text.includes(text)));
      expect(result.status).toBe("completed");
      expect(result.usage.outputTokens).toBe(entry?.usage?.output_tokens);
    } finally {
      await stopEmbeddedSimulator();
    }
    // Stopped and forgotten: the next use starts a fresh one.
    const restarted = await getEmbeddedSimulator();
    expect(restarted).not.toBe(embedded);
    await stopEmbeddedSimulator();
  });
});
