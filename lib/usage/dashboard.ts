import { AppError } from "@/lib/api/errors";
import { Prisma } from "@/lib/db/generated/client";
import type { Role } from "@/lib/db/generated/enums";
import { withTenant, type Tx } from "@/lib/db/scope";
import { planPolicies } from "@/lib/limits/admission";
import { defaultRateLimiter, type RateLimiter } from "@/lib/limits/rate-limit";
import { modelDisplayName } from "@/lib/llm/models";
import { hasRole } from "@/lib/tenancy/workspace";
import { getPlan } from "@/lib/tenancy/plans";
import { foldUsageRollups } from "@/lib/usage/fold";
import { HIST_BUCKETS, summarizeHistogram, type PercentileSummary } from "@/lib/usage/percentiles";
import { addDays, dayRange, type IsoDate } from "@/lib/usage/dates";
import { readRoutingOutcomes, type RoutingOutcomeTotals } from "@/lib/usage/routing";

/**
 * The tenant usage dashboard, read from the daily rollups (usage_daily, folded from the
 * usage_events queue: the read folds this tenant's queued changes first, so it equals the
 * settled events) plus quota_usage, tenant_notices and anomalies: four statements in one
 * tenant-scoped transaction, aggregated in the database, however many raw events the range
 * holds. Days and the quota month are the tenant's local ones (tenants.time_zone); calls
 * still in flight (ledger status 'started') are not counted until they settle.
 *
 * Scope "self" (every member) counts only the caller's own usage; "tenant" (admins and
 * owners) counts everyone's and adds the per-user breakdown.
 */
export const DASHBOARD_RANGES = [7, 30, 90] as const;
export type DashboardDays = (typeof DASHBOARD_RANGES)[number];
export type UsageScope = "tenant" | "self";

export interface UsageDashboardContext {
  tenantId: string;
  userId: string;
  role: Role;
  planId: string;
}

export interface UsageDashboardOptions {
  days: DashboardDays;
  scope: UsageScope;
  /** Defaults to now (tests pin it). */
  now?: Date;
  /** Defaults to the process's limiter. */
  limiter?: RateLimiter;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  aborted: number;
  inputTokens: number;
  outputTokens: number;
  /** All cache writes; cacheWrite1hTokens is the 1-hour share of them. */
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** input + output + cache writes + cache reads (what the quota counts). */
  tokens: number;
  costMicros: number;
  /** Calls whose figures are estimates (no usage from the upstream: cut, aborted, swept). */
  estimated: number;
  /** Calls with no price for their model at the time: costed at the price book's highest rates (a ceiling). */
  priceMissing: number;
}

export interface DailyUsage extends UsageTotals {
  day: IsoDate;
  /** Tokens per model id that day (only models with usage that day). */
  tokensByModel: Record<string, number>;
}

export interface UsageBreakdown extends UsageTotals {
  key: string;
  label: string;
}

export interface UserUsage extends UsageTotals {
  /** Null for calls made without a user (background work). */
  userId: string | null;
  /** Null when the user no longer belongs to the workspace (their name is not readable). */
  name: string | null;
  email: string | null;
}

export interface QuotaStatus {
  /** First day of the quota month and the first day of the next one (tenant-local dates). */
  period: IsoDate;
  periodEnd: IsoDate;
  quotaTokens: number;
  usedTokens: number;
  /** Reserved by calls still in flight. */
  reservedTokens: number;
  /** usedTokens at the current rate by the end of the month; null in the month's first hour. */
  projectedTokens: number | null;
  /** When the projection crosses the quota before the month ends (ISO instant), else null. */
  projectedExhaustionAt: string | null;
}

export interface HeadroomMeter {
  limit: number;
  remaining: number;
  /** Epoch ms at which the current window ends. */
  resetAt: number;
}

export interface RateHeadroom {
  requestsPerMinute: HeadroomMeter;
  tokensPerMinute: HeadroomMeter;
  /** The limiter's store did not answer: the numbers are this process's fallback. */
  degraded: boolean;
}

export type UsageNotice =
  | { kind: "quota"; level: string; message: string; createdAt: string }
  | { kind: "anomaly"; hourStart: string; tokens: number; baselineTokensPerHour: number; ratio: number | null };

export interface UsageDashboard {
  scope: UsageScope;
  days: DashboardDays;
  timeZone: string;
  from: IsoDate;
  to: IsoDate;
  totals: UsageTotals;
  /** Every day of the range, oldest first; days without usage are zeros. */
  daily: DailyUsage[];
  /** Most tokens first. */
  models: UsageBreakdown[];
  requestTypes: UsageBreakdown[];
  /** Scope "tenant" only; most tokens first. */
  users: UserUsage[] | null;
  latency: PercentileSummary;
  timeToFirstToken: PercentileSummary;
  quota: QuotaStatus;
  headroom: RateHeadroom;
  notices: UsageNotice[];
  /** Scope "tenant" only: requests and tokens by routing outcome (issue 14). */
  routing: RoutingOutcomeTotals[] | null;
}

export function isDashboardDays(value: number): value is DashboardDays {
  return (DASHBOARD_RANGES as readonly number[]).includes(value);
}

/** Members may only look at their own usage. */
export function assertScopeAllowed(role: Role, scope: UsageScope): void {
  if (scope === "tenant" && !hasRole(role, "admin")) {
    throw new AppError("forbidden", "Only admins and owners can see the whole workspace's usage.");
  }
}

const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const ANOMALIES_SHOWN = 5;
const HOUR_MS = 3_600_000;

interface MetaRow {
  time_zone: string;
  today: string;
  period: string;
  period_end: string;
  period_start_at: Date;
  period_end_at: Date;
  used_tokens: bigint | null;
  reserved_tokens: bigint | null;
  notices: Array<{ kind: string; message: string; created_at: string }>;
  anomalies: Array<{ hour_start: string; tokens: number; baseline: number; ratio: number | null }>;
}

interface SumColumns {
  requests: bigint;
  errors: bigint;
  aborted: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cache_write_tokens: bigint;
  cache_write_1h_tokens: bigint;
  cache_read_tokens: bigint;
  cost_micros: bigint;
  estimated: bigint;
  price_missing: bigint;
}

interface BreakdownRow extends SumColumns {
  kind: "day_model" | "type" | "user";
  day: string | null;
  model: string | null;
  request_type: string | null;
  user_id: string | null;
  name: string | null;
  email: string | null;
}

interface HistogramRow {
  latency_hist: number[] | null;
  ttft_hist: number[] | null;
}

export async function getUsageDashboard(ctx: UsageDashboardContext, options: UsageDashboardOptions): Promise<UsageDashboard> {
  if (!isDashboardDays(options.days)) throw new AppError("validation_failed", "The range must be 7, 30 or 90 days.");
  assertScopeAllowed(ctx.role, options.scope);
  const now = options.now ?? new Date();
  const limiter = options.limiter ?? defaultRateLimiter();
  const plan = await getPlan(ctx.planId);
  const policies = planPolicies(plan);
  const onlyUser = options.scope === "self" ? ctx.userId : null;

  const [data, requestsLeft, tokensLeft] = await Promise.all([
    withTenant(ctx, async (tx) => {
      await foldUsageRollups(tx, ctx.tenantId);
      const meta = await readMeta(tx, ctx.tenantId, now, options.days, options.scope === "tenant");
      const from = addDays(meta.today, -(options.days - 1));
      const rows = await readBreakdowns(tx, ctx.tenantId, from, meta.today, onlyUser);
      const hist = await readHistograms(tx, ctx.tenantId, from, meta.today, onlyUser);
      const routing = options.scope === "tenant" ? await readRoutingOutcomes(tx, ctx.tenantId, from, meta.today) : null;
      return { meta, from, rows, hist, routing };
    }),
    limiter.remaining(policies.tenantRequests, ctx.tenantId),
    limiter.remaining(policies.tenantTokens, ctx.tenantId),
  ]);

  const { meta, from, rows, hist, routing } = data;
  const dayModel = rows.filter((r) => r.kind === "day_model");
  const byDay = new Map<string, DailyUsage>();
  const byModel = new Map<string, UsageBreakdown>();
  const totals = emptyTotals();
  for (const r of dayModel) {
    const day = r.day!;
    const model = r.model!;
    const sums = toTotals(r);
    const entry = byDay.get(day) ?? { day, ...emptyTotals(), tokensByModel: {} };
    addInto(entry, sums);
    entry.tokensByModel[model] = (entry.tokensByModel[model] ?? 0) + sums.tokens;
    byDay.set(day, entry);
    const m = byModel.get(model) ?? { key: model, label: modelDisplayName(model), ...emptyTotals() };
    addInto(m, sums);
    byModel.set(model, m);
    addInto(totals, sums);
  }

  const daily = dayRange(from, meta.today).map((day) => byDay.get(day) ?? { day, ...emptyTotals(), tokensByModel: {} });
  const requestTypes = rows
    .filter((r) => r.kind === "type")
    .map((r) => ({ key: r.request_type!, label: REQUEST_TYPE_LABELS[r.request_type!] ?? r.request_type!, ...toTotals(r) }));
  const users =
    options.scope === "tenant"
      ? rows
          .filter((r) => r.kind === "user")
          .map((r) => ({ userId: r.user_id === NIL_UUID ? null : r.user_id, name: r.name, email: r.email, ...toTotals(r) }))
          .sort((a, b) => b.tokens - a.tokens)
      : null;

  const latencyHist = hist?.latency_hist ?? new Array<number>(HIST_BUCKETS).fill(0);
  const ttftHist = hist?.ttft_hist ?? new Array<number>(HIST_BUCKETS).fill(0);

  return {
    scope: options.scope,
    days: options.days,
    timeZone: meta.time_zone,
    from,
    to: meta.today,
    totals,
    daily,
    models: [...byModel.values()].sort((a, b) => b.tokens - a.tokens),
    requestTypes: requestTypes.sort((a, b) => b.tokens - a.tokens),
    users,
    latency: summarizeHistogram(latencyHist),
    timeToFirstToken: summarizeHistogram(ttftHist),
    quota: quotaStatus(
      now,
      { period: meta.period, periodEnd: meta.period_end, startsAt: meta.period_start_at, endsAt: meta.period_end_at },
      plan.monthlyTokenQuota,
      Number(meta.used_tokens ?? 0n),
      Number(meta.reserved_tokens ?? 0n),
    ),
    headroom: {
      requestsPerMinute: { limit: policies.tenantRequests.limit, remaining: clamp(requestsLeft.remaining, policies.tenantRequests.limit), resetAt: requestsLeft.resetAt },
      tokensPerMinute: { limit: policies.tenantTokens.limit, remaining: clamp(tokensLeft.remaining, policies.tenantTokens.limit), resetAt: tokensLeft.resetAt },
      degraded: requestsLeft.degraded || tokensLeft.degraded,
    },
    routing,
    notices: [
      ...meta.notices.map((n): UsageNotice => ({ kind: "quota", level: n.kind, message: n.message, createdAt: new Date(n.created_at).toISOString() })),
      ...meta.anomalies.map(
        (a): UsageNotice => ({ kind: "anomaly", hourStart: new Date(a.hour_start).toISOString(), tokens: Number(a.tokens), baselineTokensPerHour: a.baseline, ratio: a.ratio }),
      ),
    ],
  };
}

const REQUEST_TYPE_LABELS: Record<string, string> = { chat: "Chat", background: "Background", api: "API" };

/**
 * The tenant's today, its quota month (tenant_quota_period: the tenant-local month, as the
 * quota counts it) with its quota row, its notices and (admins) recent anomalies.
 */
async function readMeta(tx: Tx, tenantId: string, now: Date, days: number, withAnomalies: boolean): Promise<MetaRow> {
  const [meta] = await tx.$queryRaw<MetaRow[]>`
    SELECT t.time_zone,
           ((${now}::timestamptz AT TIME ZONE t.time_zone)::date)::text AS today,
           p.period::text AS period, (p.period + interval '1 month')::date::text AS period_end,
           (p.period::timestamp AT TIME ZONE t.time_zone) AS period_start_at,
           ((p.period + interval '1 month')::timestamp AT TIME ZONE t.time_zone) AS period_end_at,
           q.used_tokens, q.reserved_tokens,
           coalesce((SELECT json_agg(json_build_object('kind', n.kind, 'message', n.message, 'created_at', n.created_at) ORDER BY n.created_at DESC)
                       FROM tenant_notices n
                      WHERE n.tenant_id = t.id AND n.period = p.period), '[]'::json) AS notices,
           coalesce((SELECT json_agg(json_build_object('hour_start', a.hour_start, 'tokens', a.tokens, 'baseline', a.baseline_tokens_per_hour, 'ratio', a.ratio)
                                     ORDER BY a.hour_start DESC)
                       FROM (SELECT * FROM anomalies a
                              WHERE ${withAnomalies} AND a.tenant_id = t.id
                                AND a.hour_start >= ${now}::timestamptz - make_interval(days => ${days}::int)
                              ORDER BY a.hour_start DESC LIMIT ${ANOMALIES_SHOWN}) a), '[]'::json) AS anomalies
      FROM tenants t
     CROSS JOIN LATERAL (SELECT tenant_quota_period(t.id, ${now}::timestamptz) AS period) p
      LEFT JOIN quota_usage q ON q.tenant_id = t.id AND q.period = p.period
     WHERE t.id = ${tenantId}::uuid`;
  if (!meta) throw new AppError("not_found", "Workspace not found.");
  return meta;
}

const SUMS = Prisma.sql`
  sum(r.requests)::bigint AS requests, sum(r.errors)::bigint AS errors, sum(r.aborted)::bigint AS aborted,
  sum(r.input_tokens)::bigint AS input_tokens, sum(r.output_tokens)::bigint AS output_tokens,
  sum(r.cache_write_tokens)::bigint AS cache_write_tokens, sum(r.cache_write_1h_tokens)::bigint AS cache_write_1h_tokens,
  sum(r.cache_read_tokens)::bigint AS cache_read_tokens, sum(r.cost_micros)::bigint AS cost_micros,
  sum(r.estimated)::bigint AS estimated, sum(r.price_missing)::bigint AS price_missing`;

/** Day × model, request type and user sums in one pass (GROUPING SETS), users' names joined. */
function readBreakdowns(tx: Tx, tenantId: string, from: IsoDate, to: IsoDate, onlyUser: string | null): Promise<BreakdownRow[]> {
  return tx.$queryRaw<BreakdownRow[]>`
    SELECT g.*, u.name, u.email
      FROM (SELECT CASE WHEN GROUPING(r.day) = 0 THEN 'day_model' WHEN GROUPING(r.request_type) = 0 THEN 'type' ELSE 'user' END AS kind,
                   r.day::text AS day, r.model, r.request_type::text AS request_type, r.user_id::text AS user_id,
                   ${SUMS}
              FROM usage_daily r
             WHERE r.tenant_id = ${tenantId}::uuid
               AND r.day BETWEEN ${from}::date AND ${to}::date
               ${onlyUser ? Prisma.sql`AND r.user_id = ${onlyUser}::uuid` : Prisma.empty}
             GROUP BY GROUPING SETS ((r.day, r.model), (r.request_type), (r.user_id))) g
      LEFT JOIN users u ON u.id = g.user_id::uuid`;
}

/**
 * Latency and time-to-first-token histograms merged over the range. Summing each bucket
 * with a plain sum() is several times faster than an element-wise array aggregate; the
 * list is generated from the bucket count, never from input.
 */
const HIST_SUMS = (column: "latency_hist" | "ttft_hist") =>
  Prisma.raw(`ARRAY[${Array.from({ length: HIST_BUCKETS }, (_, i) => `coalesce(sum(r.${column}[${i + 1}]), 0)::int`).join(", ")}] AS ${column}`);

async function readHistograms(tx: Tx, tenantId: string, from: IsoDate, to: IsoDate, onlyUser: string | null): Promise<HistogramRow | undefined> {
  const [row] = await tx.$queryRaw<HistogramRow[]>`
    SELECT ${HIST_SUMS("latency_hist")}, ${HIST_SUMS("ttft_hist")}
      FROM usage_daily r
     WHERE r.tenant_id = ${tenantId}::uuid
       AND r.day BETWEEN ${from}::date AND ${to}::date
       ${onlyUser ? Prisma.sql`AND r.user_id = ${onlyUser}::uuid` : Prisma.empty}`;
  return row;
}

/** The quota month: its tenant-local first days, and the instants they begin. */
export interface QuotaMonth {
  period: IsoDate;
  periodEnd: IsoDate;
  startsAt: Date;
  endsAt: Date;
}

/** A straight line through the month so far: used / elapsed × month length. */
export function quotaStatus(now: Date, month: QuotaMonth, quotaTokens: number, usedTokens: number, reservedTokens: number): QuotaStatus {
  const start = month.startsAt;
  const end = month.endsAt;
  const elapsed = now.getTime() - start.getTime();
  const length = end.getTime() - start.getTime();
  const rate = elapsed >= HOUR_MS ? usedTokens / elapsed : null;
  const projectedTokens = rate === null ? null : Math.round(rate * length);
  let projectedExhaustionAt: string | null = null;
  if (rate !== null && rate > 0 && usedTokens < quotaTokens) {
    const at = Math.round(now.getTime() + (quotaTokens - usedTokens) / rate);
    if (at < end.getTime()) projectedExhaustionAt = new Date(at).toISOString();
  }
  return {
    period: month.period,
    periodEnd: month.periodEnd,
    quotaTokens,
    usedTokens,
    reservedTokens,
    projectedTokens,
    projectedExhaustionAt,
  };
}

function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    errors: 0,
    aborted: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    tokens: 0,
    costMicros: 0,
    estimated: 0,
    priceMissing: 0,
  };
}

function toTotals(r: SumColumns): UsageTotals {
  const inputTokens = Number(r.input_tokens);
  const outputTokens = Number(r.output_tokens);
  const cacheWriteTokens = Number(r.cache_write_tokens);
  const cacheReadTokens = Number(r.cache_read_tokens);
  return {
    requests: Number(r.requests),
    errors: Number(r.errors),
    aborted: Number(r.aborted),
    inputTokens,
    outputTokens,
    cacheWriteTokens,
    cacheWrite1hTokens: Number(r.cache_write_1h_tokens),
    cacheReadTokens,
    tokens: inputTokens + outputTokens + cacheWriteTokens + cacheReadTokens,
    costMicros: Number(r.cost_micros),
    estimated: Number(r.estimated),
    priceMissing: Number(r.price_missing),
  };
}

function addInto(target: UsageTotals, add: UsageTotals): void {
  target.requests += add.requests;
  target.errors += add.errors;
  target.aborted += add.aborted;
  target.inputTokens += add.inputTokens;
  target.outputTokens += add.outputTokens;
  target.cacheWriteTokens += add.cacheWriteTokens;
  target.cacheWrite1hTokens += add.cacheWrite1hTokens;
  target.cacheReadTokens += add.cacheReadTokens;
  target.tokens += add.tokens;
  target.costMicros += add.costMicros;
  target.estimated += add.estimated;
  target.priceMissing += add.priceMissing;
}

function clamp(value: number, limit: number): number {
  return Math.min(Math.max(0, value), limit);
}
