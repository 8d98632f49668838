import { z } from "zod";
import { fromZodError } from "@/lib/api/errors";
import { withStaff } from "@/lib/db/scope";
import { assertStaffActor } from "@/lib/staff/actor";
import { isoDayOfUtcMs, toUtcMs } from "@/lib/usage/dates";

/**
 * Margin per tenant for the staff console: plan revenue against API cost, read from the
 * staff rollups (migration 0007, kept by triggers as events arrive: per month, tenant and
 * model, and per day, tenant and model), never from raw usage events. A call is four reads
 * in one transaction, the largest a range scan of the chart's days, however many events
 * there are; always current, no cache.
 *
 * Money is integer micro-USD carried as `number`: exact up to 2^53 µ$ (about $9 billion),
 * far above any one month of this business, and what the page and charts need.
 *
 * Revenue is the tenant's *current* plan's monthly price, counted in full for the month
 * (nothing is prorated: a tenant that joined or changed plan mid-month counts its whole
 * current price). There is no plan history, so past months are priced with today's plans.
 * The daily chart spreads that price evenly over the days of each month.
 */
export const THIN_MARGIN_PCT = 20;
export const SERIES_DAYS = 90;

export type MarginFlag = "negative" | "thin";

export interface TenantMargin {
  tenantId: string;
  name: string;
  slug: string;
  planId: string;
  planName: string;
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
  /** null when the plan is free (revenue 0): a percentage of nothing means nothing. */
  marginPct: number | null;
  tokens: number;
  requests: number;
  /** negative: margin < 0 (a free plan with any cost is a loss); thin: 0 ≤ margin % < THIN_MARGIN_PCT. */
  flag: MarginFlag | null;
}

export interface MarginTotals {
  tenants: number;
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
  marginPct: number | null;
  tokens: number;
  requests: number;
  negative: number;
  thin: number;
}

export interface ModelCost {
  model: string;
  costMicros: number;
  tokens: number;
  /** Share of the month's cost, 0..1 (0 when there was no cost). */
  share: number;
}

export interface MarginPoint {
  /** YYYY-MM-DD */
  day: string;
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
}

export interface MarginOverview {
  /** YYYY-MM */
  month: string;
  /** First day of the month and first day of the next (tenant-local dates, as usage_daily.day). */
  monthStart: string;
  monthEnd: string;
  isCurrentMonth: boolean;
  tenants: TenantMargin[];
  totals: MarginTotals;
  costByModel: ModelCost[];
  series: {
    /** The tenant the series is for; null for all tenants (also when the asked-for id is unknown). */
    tenantId: string | null;
    from: string;
    to: string;
    points: MarginPoint[];
  };
}

export interface MarginOptions {
  /** YYYY-MM; defaults to the current UTC month. */
  month?: string;
  /** Draw the margin-over-time series for this tenant instead of all tenants. */
  tenantId?: string;
  /** For tests: what "today" is. */
  now?: Date;
}

export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "Use a month as YYYY-MM.");
const optionsSchema = z.object({ month: monthSchema.optional(), tenantId: z.uuid().optional() });

const DAY_MS = 86_400_000;

const daysInMonthOf = (ms: number) => {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
};

export function currentMonth(now: Date = new Date()): string {
  return now.toISOString().slice(0, 7);
}

/** A valid YYYY-MM or null; for pages reading untrusted search params. */
export function parseMonth(value: unknown): string | null {
  const parsed = monthSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function marginFlag(revenueMicros: number, marginMicros: number): MarginFlag | null {
  if (marginMicros < 0) return "negative";
  // Integer comparison: exactly 20 % is not thin, whatever floating point makes of the ratio.
  if (revenueMicros > 0 && marginMicros * 100 < THIN_MARGIN_PCT * revenueMicros) return "thin";
  return null;
}

const pctOf = (margin: number, revenue: number) => (revenue > 0 ? (margin / revenue) * 100 : null);

interface Usage {
  cost: number;
  tokens: number;
  requests: number;
}

interface UsageRow {
  by_model: boolean;
  key: string;
  cost: bigint;
  tokens: bigint;
  requests: bigint;
}

interface TenantRow {
  tenant_id: string;
  name: string;
  slug: string;
  plan_id: string;
  plan_name: string;
  price: bigint;
  since: string;
}

export async function getMarginOverview(staffUserId: string, options: MarginOptions = {}): Promise<MarginOverview> {
  const parsed = optionsSchema.safeParse({ month: options.month, tenantId: options.tenantId });
  if (!parsed.success) throw fromZodError(parsed.error);
  const now = options.now ?? new Date();
  const month = parsed.data.month ?? currentMonth(now);
  const focusId = parsed.data.tenantId ?? null;

  const [year, mon] = month.split("-").map(Number) as [number, number];
  const monthStartMs = Date.UTC(year, mon - 1, 1);
  const monthEndMs = Date.UTC(year, mon, 1);
  const todayMs = toUtcMs(isoDayOfUtcMs(now.getTime()));
  const isCurrentMonth = month === currentMonth(now);
  // The series ends today in the current month (and in a future one), else on the month's last day.
  const seriesEndMs = Math.min(monthEndMs - DAY_MS, Math.max(todayMs, monthStartMs));
  const seriesStartMs = seriesEndMs - (SERIES_DAYS - 1) * DAY_MS;
  const monthStart = isoDayOfUtcMs(monthStartMs);
  const monthEnd = isoDayOfUtcMs(monthEndMs);
  const seriesStart = isoDayOfUtcMs(seriesStartMs);
  const seriesEnd = isoDayOfUtcMs(seriesEndMs);

  const rows = await withStaff(staffUserId, async (tx) => {
    await assertStaffActor(tx, staffUserId);
    // Tenants that existed by the end of the month, with the day (tenant-local) they began.
    const tenants = await tx.$queryRaw<TenantRow[]>`
      SELECT t.id::text AS tenant_id, t.name, t.slug, t.plan_id, p.name AS plan_name,
             p.monthly_price_micros AS price,
             (t.created_at AT TIME ZONE t.time_zone)::date::text AS since
      FROM tenants t
      JOIN plans p ON p.id = t.plan_id
      WHERE (t.created_at AT TIME ZONE t.time_zone)::date < ${monthEnd}::date
      ORDER BY t.name, t.id`;
    // The month, per tenant and per model: one row per tenant and model.
    const month = await tx.$queryRaw<UsageRow[]>`
      SELECT (GROUPING(tenant_id) = 1) AS by_model, COALESCE(tenant_id::text, model) AS key,
             sum(cost_micros)::bigint AS cost, sum(tokens)::bigint AS tokens, sum(requests)::bigint AS requests
      FROM usage_monthly_tenant
      WHERE month = ${monthStart}::date
      GROUP BY GROUPING SETS ((tenant_id), (model))`;
    // Cost per day of the series, for everyone or for the tenant asked for (an unknown one
    // draws everyone's): a day-led range scan, or one tenant's days.
    const seriesTenant = focusId !== null && tenants.some((t) => t.tenant_id === focusId) ? focusId : null;
    const series = await tx.$queryRaw<Array<{ day: string; cost: bigint }>>`
      SELECT day::text AS day, sum(cost_micros)::bigint AS cost
      FROM usage_daily_tenant
      WHERE day >= ${seriesStart}::date AND day <= ${seriesEnd}::date
        AND (${seriesTenant}::uuid IS NULL OR tenant_id = ${seriesTenant}::uuid)
      GROUP BY day`;
    // Usage from before a tenant's first day (history imported or replayed from before the
    // tenant row existed): the tenant counts from that usage on.
    const early = await tx.$queryRaw<Array<{ tenant_id: string; day: string }>>`
      SELECT t.id::text AS tenant_id, min(u.day)::text AS day
      FROM tenants t
      JOIN usage_daily_tenant u ON u.tenant_id = t.id
      WHERE (t.created_at AT TIME ZONE t.time_zone)::date > ${seriesStart}::date
        AND u.day >= ${seriesStart}::date AND u.day <= ${seriesEnd}::date
        AND u.day < (t.created_at AT TIME ZONE t.time_zone)::date
      GROUP BY t.id`;
    return { tenants, month, series, early };
  });
  const tenantRows = rows.tenants;

  const costByTenant = new Map<string, Usage>();
  const costByModelMap = new Map<string, Usage>();
  for (const r of rows.month) {
    (r.by_model ? costByModelMap : costByTenant).set(r.key, { cost: Number(r.cost), tokens: Number(r.tokens), requests: Number(r.requests) });
  }

  const tenants: TenantMargin[] = tenantRows.map((t) => {
    const usage = costByTenant.get(t.tenant_id) ?? { cost: 0, tokens: 0, requests: 0 };
    const revenueMicros = Number(t.price);
    const marginMicros = revenueMicros - usage.cost;
    return {
      tenantId: t.tenant_id,
      name: t.name,
      slug: t.slug,
      planId: t.plan_id,
      planName: t.plan_name,
      revenueMicros,
      costMicros: usage.cost,
      marginMicros,
      marginPct: pctOf(marginMicros, revenueMicros),
      tokens: usage.tokens,
      requests: usage.requests,
      flag: marginFlag(revenueMicros, marginMicros),
    };
  });

  const totals = tenants.reduce<MarginTotals>(
    (acc, t) => {
      acc.tenants += 1;
      acc.revenueMicros += t.revenueMicros;
      acc.costMicros += t.costMicros;
      acc.tokens += t.tokens;
      acc.requests += t.requests;
      if (t.flag === "negative") acc.negative += 1;
      if (t.flag === "thin") acc.thin += 1;
      return acc;
    },
    { tenants: 0, revenueMicros: 0, costMicros: 0, marginMicros: 0, marginPct: null, tokens: 0, requests: 0, negative: 0, thin: 0 },
  );
  totals.marginMicros = totals.revenueMicros - totals.costMicros;
  totals.marginPct = pctOf(totals.marginMicros, totals.revenueMicros);

  const mixTotal = [...costByModelMap.values()].reduce((sum, m) => sum + m.cost, 0);
  const costByModel: ModelCost[] = [...costByModelMap]
    .map(([model, m]) => ({ model, costMicros: m.cost, tokens: m.tokens, share: mixTotal > 0 ? m.cost / mixTotal : 0 }))
    .sort((a, b) => b.costMicros - a.costMicros || a.model.localeCompare(b.model));

  const focus = focusId !== null ? (tenantRows.find((t) => t.tenant_id === focusId) ?? null) : null;
  const firstUsage = new Map(rows.early.map((r) => [r.tenant_id, toUtcMs(r.day)]));
  const costPerDay = new Map(rows.series.map((r) => [r.day, Number(r.cost)]));
  const points = dailySeries({
    startMs: seriesStartMs,
    endMs: seriesEndMs,
    tenants: (focus ? [focus] : tenantRows).map((t) => ({ price: Number(t.price), fromMs: Math.min(toUtcMs(t.since), firstUsage.get(t.tenant_id) ?? Infinity) })),
    costOf: (day) => costPerDay.get(day) ?? 0,
  });

  return {
    month,
    monthStart,
    monthEnd,
    isCurrentMonth,
    tenants,
    totals,
    costByModel,
    series: { tenantId: focus?.tenant_id ?? null, from: seriesStart, to: seriesEnd, points },
  };
}

/**
 * Daily revenue is each live tenant's monthly price divided by the number of days in that
 * month, from the tenant's first day on; summed, then rounded once per day.
 */
function dailySeries(input: {
  startMs: number;
  endMs: number;
  tenants: ReadonlyArray<{ price: number; fromMs: number }>;
  costOf: (day: string) => number;
}): MarginPoint[] {
  const starts = input.tenants.map((t) => ({ ms: t.fromMs, price: t.price })).sort((a, b) => a.ms - b.ms);
  let next = 0;
  let liveMonthly = 0;
  const points: MarginPoint[] = [];
  for (let ms = input.startMs; ms <= input.endMs; ms += DAY_MS) {
    while (next < starts.length && starts[next]!.ms <= ms) liveMonthly += starts[next++]!.price;
    const day = isoDayOfUtcMs(ms);
    const revenueMicros = Math.round(liveMonthly / daysInMonthOf(ms));
    const costMicros = input.costOf(day);
    points.push({ day, revenueMicros, costMicros, marginMicros: revenueMicros - costMicros });
  }
  return points;
}
