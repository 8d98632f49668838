import { z } from "zod";
import { fromZodError } from "@/lib/api/errors";
import { withStaff } from "@/lib/db/scope";
import { assertStaffActor } from "@/lib/staff/actor";
import { assignmentOnDay, coveredDays, dailyRevenue, monthBounds, revenueByTenant, type AssignmentSpan } from "@/lib/staff/revenue";
import { addDays, isoDayOfUtcMs, toUtcMs, type IsoDate } from "@/lib/usage/dates";
import { foldUsageRollups } from "@/lib/usage/fold";

/**
 * Margin per tenant for the staff console, in UTC months and days (the provider's invoice
 * month): plan revenue from effective-dated plan assignments, prorated by day
 * (lib/staff/revenue.ts), against API cost from the staff rollups (usage_monthly_tenant and
 * usage_daily_tenant, UTC). The read folds every tenant's queued usage first, in the same
 * staff transaction, so the cost equals the settled events; then four reads, the largest a
 * range scan of the chart's days, however many events there are.
 *
 * The current month is month to date: revenue for the days so far (today included) and the
 * cost so far, with a projection to the month's end (revenue as assigned, cost at the
 * month-to-date run rate). A deleted tenant keeps its rows under a pseudonym (only its id
 * remains: the billing ledger outlives it).
 *
 * Money is integer micro-USD carried as `number`: exact up to 2^53 µ$ (about $9 billion),
 * far above any one month of this business, and what the page and charts need.
 */
export const THIN_MARGIN_PCT = 20;
export const SERIES_DAYS = 90;
/** A projection from less than this much of the month says nothing. */
const MIN_ELAPSED_FOR_PROJECTION_MS = 3_600_000;

export type MarginFlag = "negative" | "thin";

export interface TenantMargin {
  tenantId: string;
  /** The workspace's name, or a pseudonym once it is deleted ("Deleted workspace 1a2b3c"). */
  name: string;
  /** Null once deleted. */
  slug: string | null;
  deleted: boolean;
  /** The plan billed on the month's last day so far; null when no plan covered the month (usage only). */
  planId: string | null;
  planName: string | null;
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
  /** null when the revenue is 0 (free plan): a percentage of nothing means nothing. */
  marginPct: number | null;
  tokens: number;
  requests: number;
  /** Calls whose figures are estimates, and calls with no price for their model (costed at the ceiling rates). */
  estimated: number;
  priceMissing: number;
  /** negative: margin < 0 (a free plan with any cost is a loss); thin: 0 ≤ margin % < THIN_MARGIN_PCT. */
  flag: MarginFlag | null;
}

export interface MarginProjection {
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
  marginPct: number | null;
}

export interface MarginTotals {
  tenants: number;
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
  marginPct: number | null;
  tokens: number;
  requests: number;
  estimated: number;
  priceMissing: number;
  negative: number;
  thin: number;
  /**
   * Current month only (null otherwise, and in the month's first hour): revenue for the
   * whole month as assigned now, cost at the month-to-date rate (cost so far / time elapsed
   * × the month's length). A projection, not a figure.
   */
  projection: MarginProjection | null;
}

export interface ModelCost {
  model: string;
  costMicros: number;
  tokens: number;
  /** Share of the month's cost, 0..1 (0 when there was no cost). */
  share: number;
}

export interface MarginPoint {
  /** YYYY-MM-DD (UTC) */
  day: string;
  revenueMicros: number;
  costMicros: number;
  marginMicros: number;
}

export interface MarginOverview {
  /** YYYY-MM (UTC) */
  month: string;
  /** First day of the month and first day of the next (UTC dates). */
  monthStart: string;
  monthEnd: string;
  isCurrentMonth: boolean;
  /** The last day counted (today in the current month, else the month's last day). */
  throughDay: string;
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
  /** For tests: what "now" is. */
  now?: Date;
}

export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "Use a month as YYYY-MM.");
const optionsSchema = z.object({ month: monthSchema.optional(), tenantId: z.uuid().optional() });

export function currentMonth(now: Date = new Date()): string {
  return now.toISOString().slice(0, 7);
}

/** A valid YYYY-MM or null; for pages reading untrusted search params. */
export function parseMonth(value: unknown): string | null {
  const parsed = monthSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** What a deleted tenant is called: only its id remains. */
export function deletedTenantLabel(tenantId: string): string {
  return `Deleted workspace ${tenantId.replaceAll("-", "").slice(0, 6)}`;
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
  estimated: number;
  priceMissing: number;
}

interface UsageRow {
  by_model: boolean;
  key: string;
  cost: bigint;
  tokens: bigint;
  requests: bigint;
  estimated: bigint;
  price_missing: bigint;
}

interface AssignmentRow {
  tenant_id: string;
  plan_id: string;
  plan_name: string;
  price: bigint;
  effective_from: Date;
  effective_to: Date | null;
}

interface TenantRow {
  tenant_id: string;
  name: string;
  slug: string;
  plan_id: string;
  plan_name: string;
}

interface Assignment extends AssignmentSpan {
  planName: string;
}

export async function getMarginOverview(staffUserId: string, options: MarginOptions = {}): Promise<MarginOverview> {
  const parsed = optionsSchema.safeParse({ month: options.month, tenantId: options.tenantId });
  if (!parsed.success) throw fromZodError(parsed.error);
  const now = options.now ?? new Date();
  const month = parsed.data.month ?? currentMonth(now);
  const focusId = parsed.data.tenantId ?? null;

  const bounds = monthBounds(month);
  const today = isoDayOfUtcMs(now.getTime());
  const isCurrentMonth = month === currentMonth(now);
  const lastDay = addDays(bounds.end, -1);
  // The month so far: through today in the current month (and in a future one, nothing yet).
  const throughDay = today < lastDay ? (today < bounds.start ? addDays(bounds.start, -1) : today) : lastDay;
  const seriesEnd = throughDay < bounds.start ? bounds.start : throughDay;
  const seriesStart = addDays(seriesEnd, -(SERIES_DAYS - 1));

  const rows = await withStaff(staffUserId, async (tx) => {
    await assertStaffActor(tx, staffUserId);
    await foldUsageRollups(tx, null);
    // Every assignment that may bill a day of the chart or the month, with its plan's name.
    const assignments = await tx.$queryRaw<AssignmentRow[]>`
      SELECT a.tenant_id::text AS tenant_id, a.plan_id, p.name AS plan_name, a.monthly_price_micros AS price,
             a.effective_from, a.effective_to
      FROM plan_assignments a
      JOIN plans p ON p.id = a.plan_id
      WHERE a.effective_from < ${new Date(toUtcMs(bounds.end))}::timestamptz
        AND (a.effective_to IS NULL OR a.effective_to >= ${new Date(toUtcMs(seriesStart))}::timestamptz)
      ORDER BY a.tenant_id, a.effective_from`;
    // The month, per tenant and per model: one row per tenant and model.
    const monthUsage = await tx.$queryRaw<UsageRow[]>`
      SELECT (GROUPING(tenant_id) = 1) AS by_model, COALESCE(tenant_id::text, model) AS key,
             sum(cost_micros)::bigint AS cost, sum(tokens)::bigint AS tokens, sum(requests)::bigint AS requests,
             sum(estimated)::bigint AS estimated, sum(price_missing)::bigint AS price_missing
      FROM usage_monthly_tenant
      WHERE month = ${bounds.start}::date
      GROUP BY GROUPING SETS ((tenant_id), (model))`;
    // Names of the live tenants among them (a deleted tenant has none).
    const ids = [...new Set([...assignments.map((a) => a.tenant_id), ...monthUsage.filter((u) => !u.by_model).map((u) => u.key)])];
    const tenants = await tx.$queryRaw<TenantRow[]>`
      SELECT t.id::text AS tenant_id, t.name, t.slug, t.plan_id, p.name AS plan_name
      FROM tenants t JOIN plans p ON p.id = t.plan_id
      WHERE t.id = ANY (${ids}::uuid[])`;
    // Cost per day of the series, for everyone or for the tenant asked for (an unknown one
    // draws everyone's): a day-led range scan, or one tenant's days.
    const seriesTenant = focusId !== null && ids.includes(focusId) ? focusId : null;
    const series = await tx.$queryRaw<Array<{ day: string; cost: bigint }>>`
      SELECT day::text AS day, sum(cost_micros)::bigint AS cost
      FROM usage_daily_tenant
      WHERE day >= ${seriesStart}::date AND day <= ${seriesEnd}::date
        AND (${seriesTenant}::uuid IS NULL OR tenant_id = ${seriesTenant}::uuid)
      GROUP BY day`;
    return { assignments, monthUsage, tenants, series, seriesTenant };
  });

  const assignments: Assignment[] = rows.assignments.map((a) => ({
    tenantId: a.tenant_id,
    planId: a.plan_id,
    planName: a.plan_name,
    monthlyPriceMicros: Number(a.price),
    effectiveFrom: a.effective_from,
    effectiveTo: a.effective_to,
  }));
  const costByTenant = new Map<string, Usage>();
  const costByModelMap = new Map<string, Usage>();
  for (const r of rows.monthUsage) {
    (r.by_model ? costByModelMap : costByTenant).set(r.key, {
      cost: Number(r.cost),
      tokens: Number(r.tokens),
      requests: Number(r.requests),
      estimated: Number(r.estimated),
      priceMissing: Number(r.price_missing),
    });
  }

  const counted = revenueByTenant(assignments, month, addDays(throughDay, 1));
  const wholeMonth = revenueByTenant(assignments, month);
  const live = new Map(rows.tenants.map((t) => [t.tenant_id, t]));
  const listed = [...new Set([...wholeMonth.keys(), ...costByTenant.keys()])];

  const tenants: TenantMargin[] = listed.map((tenantId) => {
    const usage = costByTenant.get(tenantId) ?? { cost: 0, tokens: 0, requests: 0, estimated: 0, priceMissing: 0 };
    const own = assignments.filter((a) => a.tenantId === tenantId);
    // The plan billed on the last day counted, else the last one billed in the month (a tenant deleted before it).
    const plan = assignmentOnDay(own, throughDay) ?? own.filter((a) => coveredDays(a, bounds.start, bounds.end) > 0).at(-1) ?? null;
    const tenant = live.get(tenantId);
    const revenueMicros = counted.get(tenantId)?.revenueMicros ?? 0;
    const marginMicros = revenueMicros - usage.cost;
    return {
      tenantId,
      name: tenant?.name ?? deletedTenantLabel(tenantId),
      slug: tenant?.slug ?? null,
      deleted: tenant === undefined,
      planId: plan?.planId ?? tenant?.plan_id ?? null,
      planName: plan?.planName ?? tenant?.plan_name ?? null,
      revenueMicros,
      costMicros: usage.cost,
      marginMicros,
      marginPct: pctOf(marginMicros, revenueMicros),
      tokens: usage.tokens,
      requests: usage.requests,
      estimated: usage.estimated,
      priceMissing: usage.priceMissing,
      flag: marginFlag(revenueMicros, marginMicros),
    };
  });
  tenants.sort((a, b) => Number(a.deleted) - Number(b.deleted) || a.name.localeCompare(b.name) || a.tenantId.localeCompare(b.tenantId));

  const totals = tenants.reduce<MarginTotals>(
    (acc, t) => {
      acc.tenants += 1;
      acc.revenueMicros += t.revenueMicros;
      acc.costMicros += t.costMicros;
      acc.tokens += t.tokens;
      acc.requests += t.requests;
      acc.estimated += t.estimated;
      acc.priceMissing += t.priceMissing;
      if (t.flag === "negative") acc.negative += 1;
      if (t.flag === "thin") acc.thin += 1;
      return acc;
    },
    { tenants: 0, revenueMicros: 0, costMicros: 0, marginMicros: 0, marginPct: null, tokens: 0, requests: 0, estimated: 0, priceMissing: 0, negative: 0, thin: 0, projection: null },
  );
  totals.marginMicros = totals.revenueMicros - totals.costMicros;
  totals.marginPct = pctOf(totals.marginMicros, totals.revenueMicros);
  totals.projection = isCurrentMonth ? projectMonth(now, bounds, totals.costMicros, [...wholeMonth.values()].reduce((s, r) => s + r.revenueMicros, 0)) : null;

  const mixTotal = [...costByModelMap.values()].reduce((sum, m) => sum + m.cost, 0);
  const costByModel: ModelCost[] = [...costByModelMap]
    .map(([model, m]) => ({ model, costMicros: m.cost, tokens: m.tokens, share: mixTotal > 0 ? m.cost / mixTotal : 0 }))
    .sort((a, b) => b.costMicros - a.costMicros || a.model.localeCompare(b.model));

  const focus = rows.seriesTenant;
  const revenuePerDay = dailyRevenue(focus === null ? assignments : assignments.filter((a) => a.tenantId === focus), seriesStart, seriesEnd);
  const costPerDay = new Map(rows.series.map((r) => [r.day, Number(r.cost)]));
  const points: MarginPoint[] = [...revenuePerDay].map(([day, revenueMicros]) => {
    const costMicros = costPerDay.get(day) ?? 0;
    return { day, revenueMicros, costMicros, marginMicros: revenueMicros - costMicros };
  });

  return {
    month,
    monthStart: bounds.start,
    monthEnd: bounds.end,
    isCurrentMonth,
    throughDay,
    tenants,
    totals,
    costByModel,
    series: { tenantId: focus, from: seriesStart, to: seriesEnd, points },
  };
}

/** Revenue as assigned for the whole month; cost so far / elapsed × the month's length. */
export function projectMonth(now: Date, bounds: { start: IsoDate; end: IsoDate }, costSoFarMicros: number, monthRevenueMicros: number): MarginProjection | null {
  const startMs = toUtcMs(bounds.start);
  const lengthMs = toUtcMs(bounds.end) - startMs;
  const elapsedMs = Math.min(now.getTime() - startMs, lengthMs);
  if (elapsedMs < MIN_ELAPSED_FOR_PROJECTION_MS) return null;
  const costMicros = Math.round((costSoFarMicros * lengthMs) / elapsedMs);
  const marginMicros = monthRevenueMicros - costMicros;
  return { revenueMicros: monthRevenueMicros, costMicros, marginMicros, marginPct: pctOf(marginMicros, monthRevenueMicros) };
}
