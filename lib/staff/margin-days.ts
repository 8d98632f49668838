import { withStaff, type Tx } from "@/lib/db/scope";

/**
 * Per-day usage totals for the staff console, by tenant and by model, read from
 * usage_daily_tenant (0007_staff_rollup: one row per day, tenant and model, kept by triggers
 * on usage_daily; a day-led primary key, so a range of days is one index range scan).
 *
 * Days are split in two:
 *
 * - Open days (from yesterday, UTC, on): still receiving events in some time zone. Read on
 *   every call.
 * - Closed days (older): their events are in (usage is recorded when a call ends), so
 *   their totals are cached in this process for CLOSED_TTL_MS and then refreshed in the
 *   background while the old copy keeps serving. A closed day can still change through an
 *   outbox replay of old events or a tenant's time-zone change (its history is rebuilt):
 *   the console shows that within CLOSED_TTL_MS.
 */
export interface Usage {
  cost: number;
  tokens: number;
  requests: number;
}

export interface DayTotals {
  /** Cost of every tenant on the day. */
  cost: number;
  tenants: Map<string, Usage>;
  models: Map<string, Usage>;
}

export const CLOSED_TTL_MS = 15 * 60_000;
/** About a year of days; each holds at most one entry per tenant and model. */
const MAX_CACHED_DAYS = 400;
const DAY_MS = 86_400_000;

interface CachedDay extends DayTotals {
  loadedAt: number;
}

interface Cache {
  days: Map<string, CachedDay>;
  inflight: Map<string, Promise<void>>;
}

const holder = globalThis as typeof globalThis & { __bulkheadMarginDays?: Cache };
function cache(): Cache {
  holder.__bulkheadMarginDays ??= { days: new Map(), inflight: new Map() };
  return holder.__bulkheadMarginDays;
}

/** Tests, and after a bulk rebuild of rollups in this process. */
export function invalidateMarginDays(): void {
  cache().days.clear();
}

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** The first day that is still open: yesterday in UTC (a tenant's local date is at most one day off). */
export function firstOpenDay(now: Date): string {
  return isoDay(dayMs(isoDay(now.getTime())) - DAY_MS);
}

interface Row {
  day: string;
  key: string;
  cost: bigint;
  tokens: bigint;
  requests: bigint;
}

function emptyDay(): DayTotals {
  return { cost: 0, tenants: new Map(), models: new Map() };
}

function add(days: Map<string, DayTotals>, kind: "tenants" | "models", row: Row): void {
  let day = days.get(row.day);
  if (!day) days.set(row.day, (day = emptyDay()));
  const usage = { cost: Number(row.cost), tokens: Number(row.tokens), requests: Number(row.requests) };
  day[kind].set(row.key, usage);
  if (kind === "tenants") day.cost += usage.cost;
}

/** Totals of the days from..toExclusive, by tenant and by model, in one range scan. */
export async function readDays(tx: Tx, from: string, toExclusive: string): Promise<Map<string, DayTotals>> {
  const rows = await tx.$queryRaw<Array<Row & { by_model: boolean }>>`
    SELECT day::text AS day, (GROUPING(tenant_id) = 1) AS by_model,
           COALESCE(tenant_id::text, model) AS key,
           sum(cost_micros)::bigint AS cost, sum(tokens)::bigint AS tokens, sum(requests)::bigint AS requests
    FROM usage_daily_tenant
    WHERE day >= ${from}::date AND day < ${toExclusive}::date
    GROUP BY GROUPING SETS ((day, tenant_id), (day, model))`;
  const days = new Map<string, DayTotals>();
  for (const row of rows) add(days, row.by_model ? "models" : "tenants", row);
  return days;
}

async function loadClosedDays(staffUserId: string, from: string, to: string): Promise<void> {
  const read = await withStaff(staffUserId, (tx) => readDays(tx, from, isoDay(dayMs(to) + DAY_MS)), { timeoutMs: 60_000 });
  const loaded = new Map<string, DayTotals>();
  for (let ms = dayMs(from); ms <= dayMs(to); ms += DAY_MS) {
    const day = isoDay(ms);
    loaded.set(day, read.get(day) ?? emptyDay());
  }

  const { days } = cache();
  const loadedAt = Date.now();
  for (const [day, totals] of loaded) {
    days.delete(day); // re-insert: Map order is load order, oldest first, for eviction
    days.set(day, { ...totals, loadedAt });
  }
  for (const day of days.keys()) {
    if (days.size <= MAX_CACHED_DAYS) break;
    days.delete(day);
  }
}

function load(staffUserId: string, from: string, to: string): Promise<void> {
  const { inflight } = cache();
  const key = `${from}/${to}`;
  let pending = inflight.get(key);
  if (!pending) {
    pending = loadClosedDays(staffUserId, from, to).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

/**
 * Totals of the closed days from..to (inclusive). Missing days are loaded before returning;
 * stale ones are returned as they are and refreshed in the background.
 */
export async function getClosedDays(staffUserId: string, from: string, to: string, now = Date.now()): Promise<Map<string, DayTotals>> {
  if (from > to) return new Map();
  const { days } = cache();
  let missingFrom: string | null = null;
  let missingTo: string | null = null;
  let staleFrom: string | null = null;
  let staleTo: string | null = null;
  for (let ms = dayMs(from); ms <= dayMs(to); ms += DAY_MS) {
    const day = isoDay(ms);
    const entry = days.get(day);
    if (!entry) {
      missingFrom ??= day;
      missingTo = day;
    } else if (now - entry.loadedAt > CLOSED_TTL_MS) {
      staleFrom ??= day;
      staleTo = day;
    }
  }
  if (missingFrom && missingTo) await load(staffUserId, missingFrom, missingTo);
  if (staleFrom && staleTo) {
    load(staffUserId, staleFrom, staleTo).catch((error: unknown) => {
      console.error(`[staff] refreshing margin days ${staleFrom}..${staleTo} failed; serving the older copy`, error);
    });
  }
  const result = new Map<string, DayTotals>();
  for (let ms = dayMs(from); ms <= dayMs(to); ms += DAY_MS) {
    const day = isoDay(ms);
    result.set(day, days.get(day) ?? emptyDay());
  }
  return result;
}
