/**
 * Latency summaries. Percentiles use the nearest-rank method on the sorted samples (no
 * interpolation), so P99 of 300 samples is the 297th value: a real observed latency.
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, x) => total + x, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Completed requests per second over a wall-clock span. */
export function throughput(requests: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (requests * 1000) / elapsedMs : 0;
}

/** Milliseconds with two decimals: enough for sub-millisecond differences, short in JSON. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
