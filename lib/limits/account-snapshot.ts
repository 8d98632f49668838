import { z } from "zod";

/**
 * The Anthropic account's rate-limit state as read from one response's
 * `anthropic-ratelimit-*` headers, and the pure decisions made from it: headroom for the
 * scheduler and which alert levels to raise or clear. No I/O here (see account-headroom.ts).
 */
export const ACCOUNT_METRICS = ["requests", "tokens", "input_tokens", "output_tokens"] as const;
export type AccountMetric = (typeof ACCOUNT_METRICS)[number];

const HEADER_STEM: Record<AccountMetric, string> = {
  requests: "anthropic-ratelimit-requests",
  tokens: "anthropic-ratelimit-tokens",
  input_tokens: "anthropic-ratelimit-input-tokens",
  output_tokens: "anthropic-ratelimit-output-tokens",
};

export interface MetricSnapshot {
  limit: number;
  remaining: number;
  /** When the limit is fully replenished; null when the header is missing or not RFC 3339. */
  reset: Date | null;
  /** 1 - remaining / limit, clamped to 0..1. */
  utilisation: number;
}

export interface AccountSnapshot {
  observedAt: Date;
  /** Only the metrics whose limit and remaining headers were both present and valid. */
  metrics: Partial<Record<AccountMetric, MetricSnapshot>>;
}

/** Background work is held back below this headroom (1 - highest utilisation). */
export const BACKGROUND_MIN_HEADROOM = 0.2;

export const ALERT_LEVELS = [50, 70, 90] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** A raised level is cleared only once utilisation is this far below it (no flapping at the edge). */
export const DEFAULT_CLEAR_HYSTERESIS = 0.05;

// Utilisation is a ratio of integers: 7/10 must count as reaching 70 %.
const EPSILON = 1e-9;

const NON_NEGATIVE_INTEGER = /^\d{1,15}$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function readInteger(value: string | undefined): number | null {
  const text = value?.trim();
  return text !== undefined && NON_NEGATIVE_INTEGER.test(text) ? Number(text) : null;
}

function readRfc3339(value: string | undefined): Date | null {
  const text = value?.trim();
  if (text === undefined || !RFC_3339.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * One response's headers → snapshot, or null when no metric is readable (e.g. a connection
 * error, or a proxy that strips the headers). A limit of 0 gives no utilisation and is skipped.
 */
export function parseAccountHeaders(headers: Record<string, string>, now: Date = new Date()): AccountSnapshot | null {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;

  const metrics: AccountSnapshot["metrics"] = {};
  for (const metric of ACCOUNT_METRICS) {
    const stem = HEADER_STEM[metric];
    const limit = readInteger(lower[`${stem}-limit`]);
    const remaining = readInteger(lower[`${stem}-remaining`]);
    if (limit === null || remaining === null || limit === 0) continue;
    metrics[metric] = {
      limit,
      remaining,
      reset: readRfc3339(lower[`${stem}-reset`]),
      utilisation: Math.min(1, Math.max(0, (limit - remaining) / limit)),
    };
  }
  return Object.keys(metrics).length === 0 ? null : { observedAt: now, metrics };
}

/** A metric whose reset time has passed is fully replenished, however high it was when seen. */
export function effectiveUtilisation(metric: MetricSnapshot, now: Date = new Date()): number {
  return metric.reset !== null && metric.reset.getTime() <= now.getTime() ? 0 : metric.utilisation;
}

/** 1 - the highest utilisation of any metric (0 = a limit is spent, 1 = nothing used). */
export function headroomOf(snapshot: AccountSnapshot, now: Date = new Date()): number {
  let highest = 0;
  for (const metric of Object.values(snapshot.metrics)) highest = Math.max(highest, effectiveUtilisation(metric, now));
  return 1 - highest;
}

/**
 * For the scheduler: hold back background calls? An unknown state (no recent observation)
 * is not "low": background work then proceeds and meets the API's own 429s, which the
 * scheduler backs off from.
 */
export function isHeadroomLow(snapshot: AccountSnapshot | null, now: Date = new Date()): boolean {
  return snapshot !== null && headroomOf(snapshot, now) < BACKGROUND_MIN_HEADROOM - EPSILON;
}

export interface AlertChanges {
  raise: AlertLevel[];
  clear: AlertLevel[];
}

/**
 * Which levels to raise and which to clear for one metric, given the levels currently
 * raised and a new utilisation. Every level reached and not held is raised (a jump from
 * 40 % to 95 % raises 50, 70 and 90); a held level clears once utilisation falls more
 * than `hysteresis` below it, so it can be raised again later.
 */
export function decideAlertChanges(
  held: Iterable<AlertLevel>,
  utilisation: number,
  hysteresis: number = DEFAULT_CLEAR_HYSTERESIS,
): AlertChanges {
  const heldSet = new Set(held);
  const raise: AlertLevel[] = [];
  const clear: AlertLevel[] = [];
  for (const level of ALERT_LEVELS) {
    const threshold = level / 100;
    if (!heldSet.has(level) && utilisation >= threshold - EPSILON) raise.push(level);
    if (heldSet.has(level) && utilisation < threshold - hysteresis - EPSILON) clear.push(level);
  }
  return { raise, clear };
}

// ---------------------------------------------------------------------------------------
// Redis form: dates as epoch ms. Read back through zod, so a foreign or corrupt value is
// treated as "no snapshot" rather than trusted.
// ---------------------------------------------------------------------------------------

const storedMetricSchema = z.object({
  limit: z.number().int().positive(),
  remaining: z.number().int().nonnegative(),
  reset: z.number().int().nullable(),
  utilisation: z.number().min(0).max(1),
});

const storedSnapshotSchema = z.object({
  observedAt: z.number().int(),
  metrics: z.partialRecord(z.enum(ACCOUNT_METRICS), storedMetricSchema),
});

export type StoredSnapshot = z.infer<typeof storedSnapshotSchema>;

export function serialiseSnapshot(snapshot: AccountSnapshot): StoredSnapshot {
  const metrics: StoredSnapshot["metrics"] = {};
  for (const metric of ACCOUNT_METRICS) {
    const m = snapshot.metrics[metric];
    if (m) metrics[metric] = { limit: m.limit, remaining: m.remaining, reset: m.reset?.getTime() ?? null, utilisation: m.utilisation };
  }
  return { observedAt: snapshot.observedAt.getTime(), metrics };
}

export function deserialiseSnapshot(value: unknown): AccountSnapshot | null {
  const parsed = storedSnapshotSchema.safeParse(typeof value === "string" ? safeJson(value) : value);
  if (!parsed.success) return null;
  const metrics: AccountSnapshot["metrics"] = {};
  for (const metric of ACCOUNT_METRICS) {
    const m = parsed.data.metrics[metric];
    if (m) metrics[metric] = { ...m, reset: m.reset === null ? null : new Date(m.reset) };
  }
  return { observedAt: new Date(parsed.data.observedAt), metrics };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
