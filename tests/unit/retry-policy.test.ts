import { describe, expect, it } from "vitest";
import { isRetryable, retryDelayMs, RETRY_POLICY } from "@/lib/llm/call-claude";
import type { TrackedResult } from "@/lib/llm/tracked-call";

/** The retry decision on its own, for the cases the simulator cannot produce on demand. */
function result(extra: Partial<TrackedResult>): TrackedResult {
  return {
    status: "error",
    text: "",
    usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    latencyMs: 5,
    ttftMs: null,
    stopReason: null,
    rateLimitHeaders: {},
    estimated: false,
    sent: true,
    ...extra,
  };
}

const delay = (r: TrackedResult, attempt = 1, remainingWaitMs = 8_000, random = () => 0.5) => retryDelayMs(r, { attempt, remainingWaitMs, random });

describe("isRetryable", () => {
  it.each([
    ["429 before any text", result({ errorType: "rate_limit_error", upstreamRequestId: "req_1" }), true],
    ["529 before any text", result({ errorType: "overloaded_error", upstreamRequestId: "req_1" }), true],
    ["529 mid-stream before any text (message_start billed input)", result({ errorType: "overloaded_error", upstreamRequestId: "req_1", usage: { ...result({}).usage, inputTokens: 40 } }), true],
    ["529 mid-stream after text", result({ errorType: "overloaded_error", upstreamRequestId: "req_1", text: "Hello", ttftMs: 30 }), false],
    ["an empty first delta still counts as streamed", result({ errorType: "overloaded_error", ttftMs: 30 }), false],
    ["connection refused: no response at all", result({ errorType: "connection_error" }), true],
    ["stream cut after its response started", result({ errorType: "connection_error", upstreamRequestId: "req_1" }), false],
    ["connection error after rate-limit headers arrived", result({ errorType: "connection_error", rateLimitHeaders: { "anthropic-ratelimit-requests-limit": "50" } }), false],
    ["connection error after message_start", result({ errorType: "connection_error", usage: { ...result({}).usage, inputTokens: 12 } }), false],
    ["timeout", result({ errorType: "timeout_error" }), false],
    ["500 api_error", result({ errorType: "api_error", upstreamRequestId: "req_1" }), false],
    ["400 invalid_request_error", result({ errorType: "invalid_request_error", upstreamRequestId: "req_1" }), false],
    ["client abort", result({ status: "aborted", errorType: "rate_limit_error" }), false],
    ["completed", result({ status: "completed", text: "done" }), false],
  ])("%s → %s", (_name, r, expected) => {
    expect(isRetryable(r)).toBe(expected);
  });
});

describe("retryDelayMs", () => {
  const overloaded = result({ errorType: "overloaded_error", upstreamRequestId: "req_1" });

  it("honours retry-after exactly when it fits the remaining budget, gives up when it does not", () => {
    const limited = result({ errorType: "rate_limit_error", retryAfterMs: 3_000 });
    expect(delay(limited, 1, 3_000)).toBe(3_000);
    expect(delay(limited, 1, 2_999)).toBeNull();
    expect(delay(result({ errorType: "rate_limit_error", retryAfterMs: 0 }), 1, 0)).toBe(0);
  });

  it("without retry-after: full jitter under base × 2^(attempt-1), capped at 4 s", () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => delay(overloaded, attempt, 60_000, top))).toEqual([249, 499, 999, 1_999, 3_999, 3_999, 3_999]);
    expect(delay(overloaded, 3, 60_000, () => 0)).toBe(0);
    expect(RETRY_POLICY.backoffCapMs).toBe(4_000);
  });

  it("clamps jitter to what is left of the budget, and stops when nothing is left", () => {
    expect(delay(overloaded, 5, 100, () => 0.9)).toBe(100);
    expect(delay(overloaded, 1, 0)).toBeNull();
  });

  it("never retries what is not retryable, whatever retry-after says", () => {
    expect(delay(result({ errorType: "api_error", retryAfterMs: 10 }))).toBeNull();
  });
});
