import { getScheduler, isAbortError, type Priority, type Scheduler } from "@/lib/llm/scheduler";
import { trackedStream, type TrackedResult, type TrackedStreamParams } from "@/lib/llm/tracked-call";

/**
 * A Claude call with bounded retries, each attempt queued through the scheduler by priority.
 *
 * What is retried, and only while nothing has been streamed to the caller (a retry after text
 * would show the user a second, different answer glued to the first):
 *   - rate_limit_error (429) and overloaded_error (529): capacity signals, meant to be retried
 *     after a pause. Also when one arrives as a mid-stream error before any text.
 *   - connection_error when no response arrived at all (no headers, no request id, no
 *     message_start): the request never reached the model, so a retry cannot double-bill.
 * Not retried: api_error (500: not a capacity signal; blind retries add load to a sick
 * upstream), timeout_error (the request ran upstream for the whole timeout; a retry doubles
 * the cost and the wait), a stream that broke after its response started, 4xx, any client
 * abort, and anything after text reached the caller.
 *
 * Waits: `retry-after` when the upstream sent one, else exponential backoff with full jitter
 * (base 250 ms, cap 4 s). `maxRetryWaitMs` bounds the total time spent waiting between
 * attempts: a retry-after that does not fit is not waited for — the call gives up at once and
 * returns the error, so the caller can answer 429 instead of holding the request open.
 * The wait ends early when the caller's signal aborts. Each retry re-enters the scheduler's
 * queue, so a retry waits behind interactive work like any other task; waiting holds no slot.
 *
 * Text is never buffered: onText goes straight to each attempt, and since only attempts that
 * streamed no text are retried, the first attempt that emits text is the last one.
 */
/**
 * The ledger side of attempts (lib/ledger): the pipeline writes the first attempt's ledger
 * row with its reservation before calling; each retry reserves its own before it leaves
 * (throwing, e.g. quota exhausted, ends the retries), and an attempt that never left the
 * scheduler's queue is withdrawn, so it writes no event.
 */
export interface AttemptLedger {
  reserveRetry(requestId: string): Promise<void>;
  withdraw(requestId: string): Promise<void>;
}

export interface AttemptRecord {
  /** params.requestId for the first attempt, `${requestId}-r${n}` for the n-th retry. */
  requestId: string;
  result: TrackedResult;
}

export interface CallClaudeResult {
  /**
   * The last attempt's result; or, when the caller aborted while the call was waiting
   * (queued or backing off), a synthetic "aborted" result with zero usage that is not in
   * `attempts`. Bill from `attempts`, never from `final`.
   */
  final: TrackedResult;
  /** One per upstream attempt, in order: write one usage event for each. */
  attempts: AttemptRecord[];
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export type CallClaudeParams = TrackedStreamParams & {
  priority: Priority;
  ledger: AttemptLedger;
  /** Attempts in all, including the first. Default 3. */
  maxAttempts?: number;
  /** Total wait budget between attempts. Default 8 s interactive, 60 s background. */
  maxRetryWaitMs?: number;
  scheduler?: Scheduler;
  sleep?: Sleep;
  /** For the jitter; tests pin it. */
  random?: () => number;
};

export const RETRY_POLICY = {
  maxAttempts: 3,
  maxRetryWaitMs: { interactive: 8_000, background: 60_000 } satisfies Record<Priority, number>,
  backoffBaseMs: 250,
  backoffCapMs: 4_000,
  retryableErrors: ["rate_limit_error", "overloaded_error"],
} as const;

export async function callClaude(params: CallClaudeParams): Promise<CallClaudeResult> {
  const {
    priority,
    maxAttempts = RETRY_POLICY.maxAttempts,
    maxRetryWaitMs = RETRY_POLICY.maxRetryWaitMs[priority],
    scheduler = getScheduler(),
    sleep = sleepUnlessAborted,
    random = Math.random,
    ledger,
    ...call
  } = params;
  const startedAt = performance.now();
  const attempts: AttemptRecord[] = [];
  let waitedMs = 0;

  for (let n = 0; ; n++) {
    const requestId = n === 0 ? call.requestId : `${call.requestId}-r${n}`;
    if (n > 0) {
      try {
        await ledger.reserveRetry(requestId);
      } catch (error) {
        console.warn(`[bulkhead] retry ${requestId} not reserved; giving up`, error instanceof Error ? error.message : error);
        return { final: attempts.at(-1)!.result, attempts };
      }
    }
    let result: TrackedResult;
    try {
      result = await scheduler.run(priority, () => trackedStream({ ...call, requestId }), { signal: call.signal, tenantId: call.tenantId });
    } catch (error) {
      await ledger.withdraw(requestId);
      if (isAbortError(error)) return { final: abortedWhileWaiting(startedAt), attempts };
      throw error;
    }
    // Aborted before the request was sent (the scheduler started it as the caller hung up).
    if (!result.sent) {
      await ledger.withdraw(requestId);
      return { final: result, attempts };
    }
    attempts.push({ requestId, result });

    if (n + 1 >= maxAttempts || call.signal?.aborted) return { final: result, attempts };
    const delayMs = retryDelayMs(result, { attempt: n + 1, remainingWaitMs: maxRetryWaitMs - waitedMs, random });
    if (delayMs === null) return { final: result, attempts };

    await sleep(delayMs, call.signal);
    waitedMs += delayMs;
    if (call.signal?.aborted) return { final: abortedWhileWaiting(startedAt), attempts };
  }
}

/** True when a retry could not duplicate text on screen and the error is worth retrying. */
export function isRetryable(result: TrackedResult): boolean {
  if (result.status !== "error") return false;
  if (result.text !== "" || result.ttftMs !== null || result.delivered) return false;
  if ((RETRY_POLICY.retryableErrors as readonly string[]).includes(result.errorType ?? "")) return true;
  return result.errorType === "connection_error" && !gotResponse(result);
}

/**
 * How long to wait before the next attempt, or null to stop. `attempt` counts attempts made
 * so far (1 after the first); `remainingWaitMs` is what is left of the wait budget.
 */
export function retryDelayMs(result: TrackedResult, { attempt, remainingWaitMs, random }: { attempt: number; remainingWaitMs: number; random: () => number }): number | null {
  if (!isRetryable(result)) return null;
  // The upstream said when: earlier is pointless, later than the budget allows is giving up.
  if (result.retryAfterMs !== undefined) return result.retryAfterMs <= remainingWaitMs ? result.retryAfterMs : null;
  if (remainingWaitMs <= 0) return null;
  const ceiling = Math.min(RETRY_POLICY.backoffCapMs, RETRY_POLICY.backoffBaseMs * 2 ** (attempt - 1));
  return Math.min(Math.floor(random() * ceiling), remainingWaitMs);
}

function gotResponse(result: TrackedResult): boolean {
  return result.upstreamRequestId !== undefined || Object.keys(result.rateLimitHeaders).length > 0 || result.usage.inputTokens > 0;
}

function abortedWhileWaiting(startedAt: number): TrackedResult {
  return {
    status: "aborted",
    text: "",
    usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    latencyMs: Math.round(performance.now() - startedAt),
    ttftMs: null,
    stopReason: null,
    rateLimitHeaders: {},
    estimated: false,
    sent: false,
  };
}

export const sleepUnlessAborted: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
