import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callClaude, sleepUnlessAborted, type AttemptLedger, type AttemptRecord, type CallClaudeParams, type Sleep } from "@/lib/llm/call-claude";
import { createClaudeClient } from "@/lib/llm/anthropic-client";
import { TIER_MODELS } from "@/lib/llm/models";
import { createScheduler } from "@/lib/llm/scheduler";
import { startSimulator, type ReceivedEntry, type RunningSimulator } from "@/lib/llm/simulator";
import { unique } from "@/tests/helpers/db";

/**
 * Retries against the real SDK and the simulator over HTTP. Attempt counts come from the
 * simulator's log of what it received, and every attempt's usage is checked against what the
 * simulator billed for that very request (matched by the upstream request id).
 */
let sim: RunningSimulator;
let client: Anthropic;
const tenantId = "00000000-0000-4000-8000-00000000000c";

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  client = createClaudeClient({ baseURL: sim.url });
});

afterAll(async () => {
  await sim.close();
});

/** A sleep that records what it was asked to wait, and waits for real (short in these tests). */
function recordingSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms, signal) => {
      waits.push(ms);
      return sleepUnlessAborted(ms, signal);
    },
  };
}

/** An in-memory ledger that records what the call asked of it. */
function recordingLedger(): AttemptLedger & { reserved: string[]; withdrawn: string[] } {
  const reserved: string[] = [];
  const withdrawn: string[] = [];
  return {
    reserved,
    withdrawn,
    reserveRetry: async (id) => void reserved.push(id),
    withdraw: async (id) => void withdrawn.push(id),
  };
}

function params(text: string, extra: Partial<CallClaudeParams> = {}): CallClaudeParams {
  return {
    ledger: recordingLedger(),
    tenantId,
    requestId: unique("req-"),
    requestType: "chat",
    priority: "interactive",
    model: TIER_MODELS.economy.id,
    maxTokens: 128,
    system: "You are a test assistant.",
    messages: [{ role: "user", content: text }],
    client,
    // A private scheduler per call: the process singleton is not under test here.
    scheduler: createScheduler(),
    ...extra,
  };
}

/** Everything the simulator received for this test's unique text, oldest first. */
function entriesFor(text: string): ReceivedEntry[] {
  return sim.received.filter((e) => e.endpoint === "messages" && e.messages.some((m) => m.text.includes(text)));
}

async function settledEntries(text: string): Promise<ReceivedEntry[]> {
  await expect.poll(() => entriesFor(text).every((e) => e.outcome !== "in_progress"), { timeout: 2_000, interval: 10 }).toBe(true);
  return entriesFor(text);
}

/** Each attempt's usage is exactly what the simulator billed for the request it answered. */
function expectUsageMatchesLog(attempts: AttemptRecord[], entries: ReceivedEntry[]): void {
  expect(attempts).toHaveLength(entries.length);
  attempts.forEach(({ result }, i) => {
    const entry = entries[i];
    expect(result.upstreamRequestId).toBe(entry?.requestId);
    const billed = entry?.usage ?? { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    expect(result.usage.inputTokens).toBe(billed.input_tokens);
    expect(result.usage.outputTokens).toBe(billed.output_tokens);
    expect(result.usage.cacheWriteTokens).toBe(billed.cache_creation_input_tokens);
    expect(result.usage.cacheReadTokens).toBe(billed.cache_read_input_tokens);
  });
}

describe("retried", () => {
  it("429x2:0.05 → three attempts, the first two rate-limited with no output, the third completes", async () => {
    const text = unique("rate limited twice [[sim:429x2:0.05]] ");
    const { sleep, waits } = recordingSleep();
    const deltas: string[] = [];
    const ledger = recordingLedger();
    const p = params(text, { sleep, ledger, onText: (d) => deltas.push(d) });
    const { final, attempts } = await callClaude(p);
    const entries = await settledEntries(text);

    expect(entries.map((e) => e.status)).toEqual([429, 429, 200]);
    expect(attempts.map((a) => a.result.status)).toEqual(["error", "error", "completed"]);
    expect(attempts.map((a) => a.requestId)).toEqual([p.requestId, `${p.requestId}-r1`, `${p.requestId}-r2`]);
    // Each retry reserved its own ledger row before it left; nothing was withdrawn.
    expect(ledger.reserved).toEqual([`${p.requestId}-r1`, `${p.requestId}-r2`]);
    expect(ledger.withdrawn).toEqual([]);
    for (const failed of attempts.slice(0, 2)) {
      expect(failed.result.errorType).toBe("rate_limit_error");
      expect(failed.result.usage.outputTokens).toBe(0);
      expect(failed.result.text).toBe("");
    }
    expectUsageMatchesLog(attempts, entries);
    expect(final).toBe(attempts[2]?.result);
    expect(final.usage.outputTokens).toBeGreaterThan(0);
    // The retry-after the simulator sent, honoured as given.
    expect(waits).toEqual([50, 50]);
    // Text went straight through, once: only the last attempt streamed any.
    expect(deltas.join("")).toBe(final.text);
  });

  it("529x1 → two attempts, backing off with jitter inside the first step", async () => {
    const text = unique("overloaded once [[sim:529x1]] ");
    const { sleep, waits } = recordingSleep();
    const { final, attempts } = await callClaude(params(text, { sleep, random: () => 0.999 }));
    const entries = await settledEntries(text);

    expect(entries.map((e) => e.status)).toEqual([529, 200]);
    expect(attempts.map((a) => a.result.errorType ?? a.result.status)).toEqual(["overloaded_error", "completed"]);
    expectUsageMatchesLog(attempts, entries);
    expect(final.status).toBe("completed");
    // No retry-after on this 529: full jitter below the 250 ms base step.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(200);
    expect(waits[0]).toBeLessThan(250);
  });

  it("always 529 with maxAttempts 3 → exactly three attempts, then the error", async () => {
    const text = unique("always overloaded [[sim:529]] ");
    const { sleep, waits } = recordingSleep();
    const { final, attempts } = await callClaude(params(text, { sleep, maxAttempts: 3, random: () => 0.5 }));
    const entries = await settledEntries(text);

    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.status === 529)).toBe(true);
    expectUsageMatchesLog(attempts, entries);
    expect(final.status).toBe("error");
    expect(final.errorType).toBe("overloaded_error");
    expect(final).toBe(attempts[2]?.result);
    // Exponential steps: half of 250, then half of 500; no wait after the last attempt.
    expect(waits).toEqual([125, 250]);
  });

  it("connection refused (no response at all) is retried: nothing reached the model", async () => {
    const gone = await startSimulator({ port: 0 });
    await gone.close();
    const { sleep, waits } = recordingSleep();
    const { final, attempts } = await callClaude(
      params(unique("nobody home "), { client: createClaudeClient({ baseURL: gone.url }), sleep, maxAttempts: 2, random: () => 0 }),
    );
    expect(attempts.map((a) => a.result.errorType)).toEqual(["connection_error", "connection_error"]);
    expect(waits).toEqual([0]);
    expect(final.status).toBe("error");
  });
});

describe("not retried", () => {
  it("always 429:30 → one attempt: retry-after beyond the wait budget is not waited for", async () => {
    const text = unique("hard limited [[sim:429:30]] ");
    const { sleep, waits } = recordingSleep();
    const { final, attempts } = await callClaude(params(text, { sleep }));
    const entries = await settledEntries(text);

    expect(entries).toHaveLength(1);
    expectUsageMatchesLog(attempts, entries);
    expect(final.status).toBe("error");
    expect(final.errorType).toBe("rate_limit_error");
    expect(final.retryAfterMs).toBe(30_000);
    expect(waits).toEqual([]);
  });

  it("the budget is for all waits together: a second retry-after that no longer fits ends the call", async () => {
    const text = unique("budget spent [[sim:429x2:0.05]] ");
    const { sleep, waits } = recordingSleep();
    const { final, attempts } = await callClaude(params(text, { sleep, maxRetryWaitMs: 80 }));
    const entries = await settledEntries(text);

    expect(entries.map((e) => e.status)).toEqual([429, 429]);
    expectUsageMatchesLog(attempts, entries);
    expect(waits).toEqual([50]); // 50 + 50 > 80
    expect(final.errorType).toBe("rate_limit_error");
  });

  it("a background call may wait that long: the same 429:30 is retried within its 60 s budget", async () => {
    // Proves the previous test gave up because of the budget, not because 429:30 is never retried.
    const text = unique("hard limited background [[sim:429:30]] ");
    const waits: number[] = [];
    const { attempts } = await callClaude(
      params(text, { priority: "background", maxAttempts: 2, sleep: async (ms) => void waits.push(ms) }), // no real 30 s wait
    );
    expect(entriesFor(text)).toHaveLength(2);
    expect(attempts).toHaveLength(2);
    expect(waits).toEqual([30_000]);
  });

  it("a mid-stream error after text → one attempt, never a second answer on screen", async () => {
    const text = unique("breaks midway [[sim:midstream]] ");
    const { sleep, waits } = recordingSleep();
    const deltas: string[] = [];
    const { final, attempts } = await callClaude(params(text, { sleep, onText: (d) => deltas.push(d) }));
    const entries = await settledEntries(text);

    expect(entries).toHaveLength(1);
    expect(entries[0]?.outcome).toBe("error");
    expect(attempts).toHaveLength(1);
    expect(final.status).toBe("error");
    expect(final.errorType).toBe("overloaded_error"); // retryable type, but text was already shown
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.join("")).toBe(final.text);
    expect(waits).toEqual([]);
  });

  it("a 500 api_error → one attempt", async () => {
    const text = unique("server error [[sim:500x1]] ");
    const { sleep, waits } = recordingSleep();
    const { final, attempts } = await callClaude(params(text, { sleep }));
    expect(entriesFor(text)).toHaveLength(1);
    expect(attempts).toHaveLength(1);
    expect(final.errorType).toBe("api_error");
    expect(waits).toEqual([]);
  });
});

describe("client abort", () => {
  it("during the back-off: stops waiting at once, makes no further attempt, ends aborted", async () => {
    const text = unique("abort while waiting [[sim:429x2:5]] ");
    const controller = new AbortController();
    const waits: number[] = [];
    const startedAt = performance.now();
    const { final, attempts } = await callClaude(
      params(text, {
        signal: controller.signal,
        sleep: (ms, signal) => {
          waits.push(ms);
          setTimeout(() => controller.abort(), 20);
          return sleepUnlessAborted(ms, signal);
        },
      }),
    );
    const elapsed = performance.now() - startedAt;
    await new Promise((r) => setTimeout(r, 50)); // any stray retry would reach the simulator by now

    expect(waits).toEqual([5_000]); // it was asked to wait the full retry-after…
    expect(elapsed).toBeLessThan(2_000); // …and the abort cut that wait short
    expect(entriesFor(text)).toHaveLength(1);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.result.errorType).toBe("rate_limit_error");
    expect(final.status).toBe("aborted");
    expect(final.usage.inputTokens + final.usage.outputTokens).toBe(0);
  });

  it("while queued: no attempt at all", async () => {
    const text = unique("abort while queued ");
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    let release = () => {};
    const blocker = scheduler.run("interactive", () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const ledger = recordingLedger();
    const p = params(text, { scheduler, ledger, signal: controller.signal });
    const call = callClaude(p);
    await new Promise((r) => setTimeout(r, 20));
    expect(scheduler.stats().interactive.queued).toBe(1);
    controller.abort();
    const { final, attempts } = await call;
    release();
    await blocker;

    expect(attempts).toEqual([]);
    // Its ledger row (written before queueing) is withdrawn: no event for a call never sent.
    expect(ledger.withdrawn).toEqual([p.requestId]);
    expect(final.status).toBe("aborted");
    expect(entriesFor(text)).toHaveLength(0);
  });
});

describe("scheduling", () => {
  it("holds a background call while account headroom is low and runs it when headroom recovers", async () => {
    const text = unique("background digest ");
    let headroom = 0.1;
    const scheduler = createScheduler({ pollMs: 10, headroom: async () => ({ headroom }) });
    const call = callClaude(params(text, { priority: "background", requestType: "background", scheduler }));

    await new Promise((r) => setTimeout(r, 100));
    expect(entriesFor(text)).toHaveLength(0);
    expect(scheduler.stats().background).toEqual({ running: 0, queued: 1 });

    // Interactive work is not held by low headroom, even on the same scheduler.
    const interactive = await callClaude(params(unique("meanwhile, a person asks "), { scheduler }));
    expect(interactive.final.status).toBe("completed");
    expect(entriesFor(text)).toHaveLength(0);

    headroom = 0.6;
    const { final, attempts } = await call;
    const entries = await settledEntries(text);
    expect(final.status).toBe("completed");
    expectUsageMatchesLog(attempts, entries);
    expect(entries).toHaveLength(1);
  });

  it("a retry the ledger refuses (quota exhausted) is not made: the call ends with the last attempt", async () => {
    const text = unique("retry refused [[sim:429x2:0.01]] ");
    const ledger = { ...recordingLedger(), reserveRetry: async () => Promise.reject(new Error("quota")) };
    const { final, attempts } = await callClaude(params(text, { ledger }));
    expect(attempts).toHaveLength(1);
    expect(final.errorType).toBe("rate_limit_error");
    expect(await settledEntries(text)).toHaveLength(1);
  });

  it("a retry re-enters the queue: it waits behind interactive work like a new task", async () => {
    const text = unique("background retry [[sim:529x1]] ");
    const scheduler = createScheduler({ interactiveConcurrency: 1, backgroundConcurrency: 1 });
    let release = () => {};
    let blocker: Promise<void> | undefined;
    const order: string[] = [];
    const { attempts } = await callClaude(
      params(text, {
        priority: "background",
        scheduler,
        // During the back-off, an interactive task takes its slot and another queues behind it.
        sleep: async () => {
          blocker = scheduler.run("interactive", () => new Promise<void>((r) => (release = r)));
          void scheduler.run("interactive", async () => void order.push("interactive"));
          setTimeout(() => {
            order.push("release");
            release();
          }, 50);
        },
        onText: () => {
          if (!order.includes("retry")) order.push("retry");
        },
      }),
    );
    await blocker;
    expect(attempts).toHaveLength(2);
    // The retry did not start until the queued interactive task had started.
    expect(order).toEqual(["release", "interactive", "retry"]);
  });
});
