/**
 * Approximate latency percentiles from the fixed histograms kept in usage_daily.
 *
 * HIST_BOUNDS mirrors usage_hist_bounds() in prisma/migrations/0005_usage_rollups (a test
 * compares the two): bucket i (0-based here, 1-based in SQL) counts values v with
 * HIST_BOUNDS[i] <= v < HIST_BOUNDS[i + 1]; the last bucket is open-ended. The bounds are
 * round(10 · 2^(k/2)) ms, so a bucket is about 41 % wider than its lower bound and an
 * estimate is never further from the exact percentile than the width of its bucket.
 */
export const HIST_BOUNDS: readonly number[] = [
  0, 10, 14, 20, 28, 40, 57, 80, 113, 160, 226, 320, 453, 640, 905, 1280, 1810, 2560, 3620, 5120, 7241, 10240, 14482, 20480, 28963,
  40960, 57926, 81920, 115852, 163840, 231705, 327680,
];

export const HIST_BUCKETS = HIST_BOUNDS.length;

/** 0-based bucket index of a value in ms (negative values land in the first bucket). */
export function histBucket(ms: number): number {
  let lo = 0;
  let hi = HIST_BUCKETS - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (HIST_BOUNDS[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** [lower, upper) of a bucket; the last bucket's upper bound is its lower bound (no width known). */
export function bucketRange(index: number): { lower: number; upper: number } {
  const lower = HIST_BOUNDS[index]!;
  return { lower, upper: HIST_BOUNDS[index + 1] ?? lower };
}

function histogramCount(hist: ReadonlyArray<number>): number {
  return hist.reduce((total, n) => total + n, 0);
}

/**
 * The p-th percentile (0 < p ≤ 100) by nearest rank, located in its bucket and placed
 * linearly inside it by rank (as if the bucket's values were spread evenly). Null when the
 * histogram is empty. In the open-ended last bucket the estimate is its lower bound.
 */
export function percentileFromHistogram(hist: ReadonlyArray<number>, p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const total = histogramCount(hist);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let before = 0;
  for (let i = 0; i < Math.min(hist.length, HIST_BUCKETS); i++) {
    const count = hist[i]!;
    if (count > 0 && before + count >= rank) {
      const { lower, upper } = bucketRange(i);
      const fraction = (rank - before - 0.5) / count;
      return lower + (upper - lower) * fraction;
    }
    before += count;
  }
  return null;
}

export interface PercentileSummary {
  /** Calls the histogram counted. */
  count: number;
  p50: number | null;
  p95: number | null;
}

export function summarizeHistogram(hist: ReadonlyArray<number>): PercentileSummary {
  return { count: histogramCount(hist), p50: percentileFromHistogram(hist, 50), p95: percentileFromHistogram(hist, 95) };
}
