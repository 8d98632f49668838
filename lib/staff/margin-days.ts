import { withStaff, type Tx } from "@/lib/db/scope";

/**
 * Per-day usage totals for the staff console, by tenant and by model, read from usage_daily.
 *
 * usage_daily is keyed (tenant, day, model, request type, user): at 1,000 tenants it holds
 * millions of rows per quarter, and summing 90 days of them is a full scan (there is no
 * index leading with day). So days are split in two:
 *
 * - Open days (from yesterday, UTC, on): still receiving events in some time zone. Read on
 *   every call, one primary-key range scan per tenant (tenant_id, day ≥ …): only the rows
 *   of those days are touched.
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

/** Open days: one index range scan per tenant (OFFSET 0 keeps the planner from flattening it into a full scan). */
export async function readOpenDays(tx: Tx, from: string, toExclusive: string): Promise<Map<string, DayTotals>> {
  // The nested loop's estimate passes jit_above_cost; compiling it costs more than it runs.
  await tx.$executeRaw`SET LOCAL jit = off`;
  const rows = await tx.$queryRaw<Array<Row & { by_model: boolean }>>`
    SELECT u.day::text AS day, (GROUPING(u.tenant_id) = 1) AS by_model,
           COALESCE(u.tenant_id::text, u.model) AS key,
           sum(u.cost_micros)::bigint AS cost, sum(u.tokens)::bigint AS tokens, sum(u.requests)::bigint AS requests
    FROM tenants t
    CROSS JOIN LATERAL (
      SELECT d.tenant_id, d.day, d.model, d.cost_micros, d.requests,
             d.input_tokens + d.output_tokens + d.cache_write_tokens + d.cache_read_tokens AS tokens
      FROM usage_daily d
      WHERE d.tenant_id = t.id AND d.day >= ${from}::date AND d.day < ${toExclusive}::date
      OFFSET 0
    ) u
    GROUP BY GROUPING SETS ((u.day, u.tenant_id), (u.day, u.model))`;
  const days = new Map<string, DayTotals>();
  for (const row of rows) add(days, row.by_model ? "models" : "tenants", row);
  return days;
}

/** Closed days: two parallel scans of the range (grouping sets would not run in parallel). */
async function loadClosedDays(staffUserId: string, from: string, to: string): Promise<void> {
  const { byTenant, byModel } = await withStaff(
    staffUserId,
    async (tx) => {
      await tx.$executeRaw`SET LOCAL jit = off`;
      const byTenant = await tx.$queryRaw<Row[]>`
        SELECT day::text AS day, tenant_id::text AS key, sum(cost_micros)::bigint AS cost,
               sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::bigint AS tokens,
               sum(requests)::bigint AS requests
        FROM usage_daily WHERE day >= ${from}::date AND day <= ${to}::date
        GROUP BY day, tenant_id`;
      const byModel = await tx.$queryRaw<Row[]>`
        SELECT day::text AS day, model AS key, sum(cost_micros)::bigint AS cost,
               sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::bigint AS tokens,
               sum(requests)::bigint AS requests
        FROM usage_daily WHERE day >= ${from}::date AND day <= ${to}::date
        GROUP BY day, model`;
      return { byTenant, byModel };
    },
    { timeoutMs: 60_000 },
  );
  const loaded = new Map<string, DayTotals>();
  for (let ms = dayMs(from); ms <= dayMs(to); ms += DAY_MS) loaded.set(isoDay(ms), emptyDay());
  for (const row of byTenant) add(loaded, "tenants", row);
  for (const row of byModel) add(loaded, "models", row);

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
