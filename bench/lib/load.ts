import { performance } from "node:perf_hooks";
import { interrupted } from "./cleanup";
import { round2, summarize, throughput, type LatencySummary } from "./stats";

/**
 * A bounded closed loop: `requests` calls with at most `concurrency` in flight. Each call is
 * timed from just before it is sent until its body has been read to the end and checked;
 * a call that fails its check (or throws) is counted as an error, never silently dropped.
 */
export interface CallOutcome {
  /** Null when the response passed its check; else why not (kept as a sample). */
  error: string | null;
  /** Milliseconds from send to response headers, when the caller measured it. */
  headersMs?: number;
  bytes?: number;
}

export type Call = (index: number) => Promise<CallOutcome>;

export interface LoadResult {
  requests: number;
  concurrency: number;
  ok: number;
  errors: number;
  /** Up to five distinct error messages with their counts. */
  errorSamples: Record<string, number>;
  /** Latency of successful calls only: a fast failure must not flatter the numbers. */
  latency: LatencySummary;
  /** The successful calls' latencies (ms) in completion order, for scenarios that pool rounds. */
  samples: number[];
  headersLatency: LatencySummary | null;
  rps: number;
  elapsedMs: number;
  meanBytes: number;
}

const MAX_ERROR_KINDS = 5;

export async function runLoad(call: Call, requests: number, concurrency: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const headers: number[] = [];
  const errorSamples: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  let next = 0;

  const worker = async () => {
    while (next < requests && !interrupted.aborted) {
      const index = next++;
      const sentAt = performance.now();
      let outcome: CallOutcome;
      try {
        outcome = await call(index);
      } catch (error) {
        outcome = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
      const elapsed = performance.now() - sentAt;
      if (outcome.error === null) {
        latencies.push(elapsed);
        if (outcome.headersMs !== undefined) headers.push(outcome.headersMs);
        bytes += outcome.bytes ?? 0;
      } else {
        errors++;
        const key = outcome.error.slice(0, 200);
        if (key in errorSamples || Object.keys(errorSamples).length < MAX_ERROR_KINDS) errorSamples[key] = (errorSamples[key] ?? 0) + 1;
      }
    }
  };

  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  const elapsedMs = performance.now() - startedAt;
  interrupted.throwIfAborted();

  return {
    requests,
    concurrency,
    ok: latencies.length,
    errors,
    errorSamples,
    latency: summarize(latencies),
    samples: latencies,
    headersLatency: headers.length ? summarize(headers) : null,
    rps: round2(throughput(latencies.length, elapsedMs)),
    elapsedMs: round2(elapsedMs),
    meanBytes: latencies.length ? Math.round(bytes / latencies.length) : 0,
  };
}
