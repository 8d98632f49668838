import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import { createUser } from "@/lib/auth/users";
import type { Prisma, PrismaClient } from "@/lib/db/generated/client";
import { withAuth, withStaff, withTenant } from "@/lib/db/scope";
import { planPolicies } from "@/lib/limits/admission";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { getPlan } from "@/lib/tenancy/plans";
import { getUsageDashboard, quotaStatus, type UsageDashboard, type UsageDashboardContext } from "@/lib/usage/dashboard";
import { addDays, dayRange } from "@/lib/usage/dates";
import { EXPORT_COLUMNS, exportUsageCsv } from "@/lib/usage/export";
import { bucketRange, HIST_BOUNDS, histBucket, percentileFromHistogram } from "@/lib/usage/percentiles";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { foldAsOwner, insertEventsAsOwner } from "@/tests/helpers/usage-events";
import { awayFromWindowEdge, isolatedLimiter } from "@/tests/helpers/limits";

/*
 * The dashboard reads only the rollups, folding this tenant's queued changes first; every
 * number here is checked against an independent aggregate of the settled usage_events
 * (owner connection, AT TIME ZONE, status <> 'started'), for a tenant whose local midnight
 * is 18:30 UTC. The time is pinned years in the past so no other test file's events share
 * these tenants' days (they have their own tenants anyway). Some events are still in
 * flight ('started'): they must count nowhere.
 */
const TZ = "Asia/Kolkata";
const NOW = new Date("2021-06-15T12:00:00Z"); // 17:30 on June 15 in Kolkata
const TODAY = "2021-06-15";
const MODELS = ["claude-haiku-4-5", "claude-sonnet-4-6"] as const;

let prisma: PrismaClient;
let owner: SignUpResult;
let memberId: string;
let other: SignUpResult;
let limits: ReturnType<typeof isolatedLimiter>;
let adminCtx: UsageDashboardContext;
let memberCtx: UsageDashboardContext;

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type EventRow = Prisma.UsageEventCreateManyInput;

function event(tenantId: string, at: Date, userId: string | null, random: () => number, overrides: Partial<EventRow> = {}): EventRow {
  const roll = random();
  const status = roll < 0.1 ? "error" : roll < 0.2 ? "aborted" : roll < 0.25 ? "started" : "completed";
  const cacheWrite = random() < 0.3 ? Math.floor(random() * 900) : 0;
  return {
    tenantId,
    requestId: unique("ud"),
    userId,
    conversationId: null,
    requestType: userId === null ? "background" : random() < 0.2 ? "api" : "chat",
    model: MODELS[random() < 0.7 ? 0 : 1],
    inputTokens: Math.floor(50 + random() * 2000),
    outputTokens: status === "error" ? 0 : Math.floor(random() * 800),
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: Math.floor(cacheWrite / 3),
    cacheReadTokens: random() < 0.4 ? Math.floor(random() * 1500) : 0,
    // Log-uniform from 3 ms to ~60 s, so the histogram's tails are exercised.
    latencyMs: Math.floor(3 * Math.exp(random() * Math.log(20_000))),
    timeToFirstTokenMs: status === "error" ? null : Math.floor(50 + random() * 1500),
    costMicros: BigInt(Math.floor(random() * 50_000)),
    priceMissing: random() < 0.05,
    estimated: status === "aborted" || random() < 0.05,
    priceId: null,
    status,
    errorType: status === "error" ? "overloaded_error" : null,
    createdAt: at,
    startedAt: at,
    settledAt: status === "started" ? null : at,
    ...overrides,
  };
}

const H = 3_600_000;
/** Events straddling Kolkata midnights (18:30 UTC) and the range's edges. */
function boundaryTimes(): Date[] {
  return [
    "2021-06-08T18:29:59.999Z", // 23:59:59.999 June 8 local: outside a 7-day range ending June 15
    "2021-06-08T18:30:00.000Z", // 00:00 June 9 local: the range's first instant
    "2021-06-12T18:29:59.999Z", // last instant of June 12 local (June 12 in UTC too)
    "2021-06-12T18:30:00.000Z", // first instant of June 13 local, still June 12 in UTC
    "2021-06-12T23:59:00.000Z", // June 13 local, June 12 in UTC
    "2021-06-15T18:29:59.999Z", // last instant of June 15 local (after NOW, still "today")
    "2021-06-15T18:30:00.000Z", // June 16 local: after the range
  ].map((s) => new Date(s));
}

async function insertMany(tenantId: string, userId: string, rows: EventRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 50) {
    await withTenant({ tenantId, userId }, (tx) => tx.usageEvent.createMany({ data: rows.slice(i, i + 50), skipDuplicates: true }));
  }
}

interface RawDay {
  day: string;
  requests: number;
  errors: number;
  aborted: number;
  input: number;
  output: number;
  cache_write: number;
  cache_write_1h: number;
  cache_read: number;
  cost: number;
  estimated: number;
  price_missing: number;
}

/** Independent per-day sums straight from the settled usage_events, grouped by local day in `tz`. */
async function rawByDay(tenantId: string, tz: string, from: string, to: string, userId?: string): Promise<Map<string, RawDay>> {
  const rows = await ownerQuery<Record<string, string>>(
    `SELECT (created_at AT TIME ZONE $2)::date::text AS day, count(*) AS requests,
            count(*) FILTER (WHERE status = 'error') AS errors, count(*) FILTER (WHERE status = 'aborted') AS aborted,
            sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_write_tokens) AS cache_write,
            sum(cache_write_1h_tokens) AS cache_write_1h, sum(cache_read_tokens) AS cache_read, sum(cost_micros) AS cost,
            count(*) FILTER (WHERE estimated) AS estimated, count(*) FILTER (WHERE price_missing) AS price_missing
       FROM usage_events
      WHERE tenant_id = $1 AND status <> 'started' AND (created_at AT TIME ZONE $2)::date BETWEEN $3::date AND $4::date
        AND ($5::uuid IS NULL OR user_id = $5::uuid)
      GROUP BY 1`,
    [tenantId, tz, from, to, userId ?? null],
  );
  return new Map(
    rows.map((r) => [
      r.day!,
      {
        day: r.day!,
        requests: Number(r.requests),
        errors: Number(r.errors),
        aborted: Number(r.aborted),
        input: Number(r.input),
        output: Number(r.output),
        cache_write: Number(r.cache_write),
        cache_write_1h: Number(r.cache_write_1h),
        cache_read: Number(r.cache_read),
        cost: Number(r.cost),
        estimated: Number(r.estimated),
        price_missing: Number(r.price_missing),
      },
    ]),
  );
}

function expectDailyMatchesRaw(dashboard: UsageDashboard, raw: Map<string, RawDay>): void {
  expect(dashboard.daily.map((d) => d.day)).toEqual(dayRange(dashboard.from, dashboard.to));
  for (const d of dashboard.daily) {
    const r = raw.get(d.day);
    expect({
      day: d.day,
      requests: d.requests,
      errors: d.errors,
      aborted: d.aborted,
      input: d.inputTokens,
      output: d.outputTokens,
      cache_write: d.cacheWriteTokens,
      cache_write_1h: d.cacheWrite1hTokens,
      cache_read: d.cacheReadTokens,
      cost: d.costMicros,
      estimated: d.estimated,
      price_missing: d.priceMissing,
    }).toEqual(r ?? { day: d.day, requests: 0, errors: 0, aborted: 0, input: 0, output: 0, cache_write: 0, cache_write_1h: 0, cache_read: 0, cost: 0, estimated: 0, price_missing: 0 });
  }
  // Nothing in the raw range is missing from the dashboard's days.
  for (const day of raw.keys()) expect(dashboard.daily.some((d) => d.day === day)).toBe(true);
}

const rollupRows = (tenantId: string) =>
  ownerQuery<Record<string, unknown>>(
    `SELECT day::text, model, request_type::text, user_id::text, requests::text, errors::text, aborted::text,
            input_tokens::text, output_tokens::text, cache_write_tokens::text, cache_write_1h_tokens::text, cache_read_tokens::text,
            cost_micros::text, latency_ms_sum::text, ttft_ms_sum::text, ttft_count::text, latency_hist::text, ttft_hist::text,
            estimated::text, price_missing::text
       FROM usage_daily WHERE tenant_id = $1 ORDER BY day, model, request_type, user_id`,
    [tenantId],
  );

/** A limiter that reports fixed remaining numbers (the real one is tested below). */
const fixedLimiter = (remaining: number): RateLimiter => ({
  checkLimit: () => Promise.reject(new Error("not used")),
  limitTokens: () => Promise.reject(new Error("not used")),
  refundTokens: () => Promise.resolve(),
  remaining: () => Promise.resolve({ remaining, resetAt: NOW.getTime() + 60_000, degraded: false }),
});

const dashboard = (ctx: UsageDashboardContext, days: 7 | 30 | 90, scope: "tenant" | "self", limiter: RateLimiter = fixedLimiter(1)) =>
  getUsageDashboard(ctx, { days, scope, now: NOW, limiter });

beforeAll(async () => {
  prisma = useAppDatabase();
  limits = isolatedLimiter();
  owner = await signUp({ name: "Indira Owner", email: `${unique("indira")}@ud.test`, password: "correct-horse-9", workspaceName: "Kolkata Co" }, { planId: "starter" });
  other = await signUp({ name: "Otto Other", email: `${unique("otto")}@ud.test`, password: "correct-horse-9", workspaceName: "Other Co" });
  memberId = (await withAuth((tx) => createUser(tx, { email: `${unique("mira")}@ud.test`, name: "Mira Member", passwordHash: "x" }))).id;
  await withTenant(owner, async (tx) => {
    await tx.membership.create({ data: { tenantId: owner.tenantId, userId: memberId, role: "member" } });
    await tx.tenant.update({ where: { id: owner.tenantId }, data: { timeZone: TZ } });
  });
  adminCtx = { tenantId: owner.tenantId, userId: owner.userId, role: "owner", planId: "starter" };
  memberCtx = { tenantId: owner.tenantId, userId: memberId, role: "member", planId: "starter" };

  const random = prng(42);
  const users = [owner.userId, memberId, null];
  const spread: EventRow[] = [];
  // ~40 days of events before NOW (beyond a 30-day range) plus a few after it.
  for (let i = 0; i < 400; i++) {
    const at = new Date(NOW.getTime() - Math.floor(random() * 40 * 24 * H) + 10 * H);
    spread.push(event(owner.tenantId, at, users[Math.floor(random() * 3)]!, random));
  }
  // Settled, so that each boundary counts (an in-flight one would count nowhere).
  boundaryTimes().forEach((at, i) => spread.push(event(owner.tenantId, at, i % 2 === 0 ? owner.userId : memberId, random, { status: "completed", errorType: null, settledAt: at })));
  // Multi-row statements in the tenant's scope (one queue append per batch) ...
  await insertMany(owner.tenantId, owner.userId, spread);
  // ... and single events written by the owner, one statement each.
  for (let i = 0; i < 12; i++) {
    const at = new Date(NOW.getTime() - i * 11 * H);
    const row = event(owner.tenantId, at, i % 3 === 0 ? memberId : owner.userId, random, i === 0 ? { status: "error", errorType: 'overloaded, "quoted"\r\nline two' } : {});
    await withTenant(owner, (tx) => tx.usageEvent.createMany({ data: [row] }));
  }
  // Tenant B: large, distinctive numbers on the same days.
  await insertMany(
    other.tenantId,
    other.userId,
    Array.from({ length: 60 }, (_, i) => event(other.tenantId, new Date(NOW.getTime() - i * 3 * H), other.userId, random, { inputTokens: 1_000_000, costMicros: 9_999_999n })),
  );
});

afterAll(async () => {
  await limits.close();
  await prisma.$disconnect();
});

describe("rollups", () => {
  it("bucket bounds in TypeScript mirror the SQL function, bucket for bucket", async () => {
    const [row] = await ownerQuery<{ bounds: number[] }>("SELECT usage_hist_bounds() AS bounds");
    expect(row!.bounds).toEqual([...HIST_BOUNDS]);
    const probes = [0, 1, 9, 10, 11, 13, 14, 452, 453, 454, 9_999, 10_240, 327_679, 327_680, 5_000_000];
    const sql = await ownerQuery<{ v: number; b: number }>("SELECT v, usage_hist_bucket(v) AS b FROM unnest($1::int[]) AS v", [probes]);
    expect(sql.map((r) => r.b - 1)).toEqual(probes.map(histBucket));
  });


  it("a read folds the tenant's queued events first, so the dashboard equals the events at once", async () => {
    await insertEventsAsOwner([{ tenantId: owner.tenantId, userId: owner.userId, at: "2021-06-15T06:00:00Z", input: 123_456, cost: 1 }]);
    const queued = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_rollup_queue WHERE tenant_id = $1", [owner.tenantId]);
    expect(Number(queued[0]!.n)).toBeGreaterThan(0);
    const d = await dashboard(adminCtx, 7, "tenant");
    expectDailyMatchesRaw(d, await rawByDay(owner.tenantId, TZ, d.from, d.to));
    expect(d.daily.find((x) => x.day === TODAY)!.inputTokens).toBeGreaterThanOrEqual(123_456);
  });

  it("app tenants cannot rebuild or write rollups, and read only their own", async () => {
    await expect(withTenant(owner, (tx) => tx.$queryRaw`SELECT rebuild_usage_daily(${other.tenantId}::uuid)`)).rejects.toThrow(/permission denied/);
    await expect(withTenant(owner, (tx) => tx.$executeRaw`DELETE FROM usage_daily`)).rejects.toThrow(/permission denied/);
    const seen = await withTenant(owner, (tx) => tx.$queryRaw<Array<{ tenant_id: string }>>`SELECT DISTINCT tenant_id::text FROM usage_daily`);
    expect(seen).toEqual([{ tenant_id: owner.tenantId }]);
    await foldAsOwner();
    const otherRows = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_daily WHERE tenant_id = $1", [other.tenantId]);
    expect(Number(otherRows[0]!.n)).toBeGreaterThan(0);
  });

  it("a time zone PostgreSQL cannot resolve is refused (it would break every insert's trigger)", async () => {
    await expect(withTenant(owner, (tx) => tx.tenant.update({ where: { id: owner.tenantId }, data: { timeZone: "Mars/Olympus_Mons" } }))).rejects.toThrow(
      /tenants_time_zone_valid/,
    );
  });
});

describe("getUsageDashboard", () => {
  it("admin: every local day of 7 and 30 days equals the raw events of that Kolkata day, zeros included", async () => {
    for (const days of [7, 30] as const) {
      const d = await dashboard(adminCtx, days, "tenant");
      expect(d.to).toBe(TODAY);
      expect(d.from).toBe(addDays(TODAY, -(days - 1)));
      expect(d.timeZone).toBe(TZ);
      expectDailyMatchesRaw(d, await rawByDay(owner.tenantId, TZ, d.from, d.to));
      const raw = [...(await rawByDay(owner.tenantId, TZ, d.from, d.to)).values()];
      expect(d.totals.requests).toBe(raw.reduce((n, r) => n + r.requests, 0));
      expect(d.totals.costMicros).toBe(raw.reduce((n, r) => n + r.cost, 0));
      expect(d.totals.tokens).toBe(raw.reduce((n, r) => n + r.input + r.output + r.cache_write + r.cache_read, 0));
    }
  });

  it("local days differ from UTC days at midnight, and the dashboard follows the local ones", async () => {
    const d = await dashboard(adminCtx, 7, "tenant");
    const utc = await rawByDay(owner.tenantId, "UTC", d.from, d.to);
    const local = await rawByDay(owner.tenantId, TZ, d.from, d.to);
    // The boundary events make the two groupings differ (which days, by how much, depends on the random rest).
    const requestsPerDay = (m: Map<string, RawDay>) => new Map([...m].map(([day, r]) => [day, r.requests]));
    expect(requestsPerDay(utc)).not.toEqual(requestsPerDay(local));
    expect(d.daily.find((x) => x.day === "2021-06-13")!.requests).toBe(local.get("2021-06-13")!.requests);
  });

  it("splits by model, request type and user agree with the raw events", async () => {
    const d = await dashboard(adminCtx, 30, "tenant");
    const rows = await ownerQuery<{ model: string; type: string; user_id: string | null; day: string; tokens: string; requests: string }>(
      `SELECT model, request_type::text AS type, user_id::text, (created_at AT TIME ZONE $2)::date::text AS day,
              (input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::text AS tokens, '1' AS requests
         FROM usage_events WHERE tenant_id = $1 AND status <> 'started' AND (created_at AT TIME ZONE $2)::date BETWEEN $3::date AND $4::date`,
      [owner.tenantId, TZ, d.from, d.to],
    );
    const sumBy = (key: (r: (typeof rows)[number]) => string) => {
      const m = new Map<string, number>();
      for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + Number(r.tokens));
      return m;
    };
    expect(new Map(d.models.map((m) => [m.key, m.tokens]))).toEqual(sumBy((r) => r.model));
    expect(new Map(d.requestTypes.map((t) => [t.key, t.tokens]))).toEqual(sumBy((r) => r.type));
    expect(new Map(d.users!.map((u) => [u.userId ?? "none", u.tokens]))).toEqual(sumBy((r) => r.user_id ?? "none"));
    const perDayModel = sumBy((r) => `${r.day}|${r.model}`);
    for (const day of d.daily) for (const [model, tokens] of Object.entries(day.tokensByModel)) expect(tokens).toBe(perDayModel.get(`${day.day}|${model}`));
    expect(d.users!.find((u) => u.userId === memberId)?.name).toBe("Mira Member");
    expect(d.users!.find((u) => u.userId === null)?.name).toBeNull();
  });

  it("member: only their own usage, no per-user split, and never the workspace's", async () => {
    const d = await dashboard(memberCtx, 30, "self");
    expect(d.users).toBeNull();
    expectDailyMatchesRaw(d, await rawByDay(owner.tenantId, TZ, d.from, d.to, memberId));
    const all = await dashboard(adminCtx, 30, "tenant");
    expect(d.totals.requests).toBeGreaterThan(0);
    expect(d.totals.requests).toBeLessThan(all.totals.requests);
    await expect(dashboard(memberCtx, 30, "tenant")).rejects.toMatchObject({ code: "forbidden" });
  });

  it("tenant B's events never appear in A's dashboard, nor A's in B's", async () => {
    const a = await dashboard(adminCtx, 90, "tenant");
    const rawA = await rawByDay(owner.tenantId, TZ, a.from, a.to);
    expect(a.totals.inputTokens).toBe([...rawA.values()].reduce((n, r) => n + r.input, 0));
    expect(a.models.every((m) => m.inputTokens < 1_000_000)).toBe(true);
    const b = await dashboard({ tenantId: other.tenantId, userId: other.userId, role: "owner", planId: "free" }, 7, "tenant");
    expect(b.totals.inputTokens).toBeGreaterThanOrEqual(1_000_000);
    // And B's own dashboard holds only B's events (A's are a few thousand tokens each).
    const rawB = await rawByDay(other.tenantId, "UTC", b.from, b.to);
    expect(b.totals.requests).toBe([...rawB.values()].reduce((n, r) => n + r.requests, 0));
  });

  it("P50/P95 of latency and TTFT are within one bucket of the exact percentiles", async () => {
    const d = await dashboard(adminCtx, 30, "tenant");
    const rows = await ownerQuery<{ latency_ms: number; ttft_ms: number | null }>(
      `SELECT latency_ms, ttft_ms FROM usage_events WHERE tenant_id = $1 AND status <> 'started' AND (created_at AT TIME ZONE $2)::date BETWEEN $3::date AND $4::date`,
      [owner.tenantId, TZ, d.from, d.to],
    );
    const exact = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    };
    const check = (approx: number | null, values: number[], p: number) => {
      const truth = exact(values, p);
      const { lower, upper } = bucketRange(histBucket(truth));
      expect(approx).not.toBeNull();
      expect(Math.abs(approx! - truth)).toBeLessThanOrEqual(upper - lower);
    };
    const latencies = rows.map((r) => r.latency_ms);
    const ttfts = rows.flatMap((r) => (r.ttft_ms === null ? [] : [r.ttft_ms]));
    expect(d.latency.count).toBe(latencies.length);
    expect(d.timeToFirstToken.count).toBe(ttfts.length);
    check(d.latency.p50, latencies, 50);
    check(d.latency.p95, latencies, 95);
    check(d.timeToFirstToken.p50, ttfts, 50);
    check(d.timeToFirstToken.p95, ttfts, 95);
  });

  it("percentile estimates stay inside the exact value's bucket on a known histogram", () => {
    const hist = new Array<number>(HIST_BOUNDS.length).fill(0);
    hist[histBucket(100)] = 50; // [80, 113)
    hist[histBucket(1000)] = 45; // [905, 1280)
    hist[histBucket(5000)] = 5; // [3620, 5120)
    const p50 = percentileFromHistogram(hist, 50)!;
    const p95 = percentileFromHistogram(hist, 95)!;
    expect(p50).toBeGreaterThanOrEqual(80);
    expect(p50).toBeLessThan(113);
    expect(p95).toBeGreaterThanOrEqual(905);
    expect(p95).toBeLessThan(1280);
    expect(percentileFromHistogram(new Array<number>(HIST_BOUNDS.length).fill(0), 50)).toBeNull();
  });

  it("quota: this month's used tokens against the plan, a linear projection, and the notices", async () => {
    const plan = await getPlan("starter");
    await ownerQuery("INSERT INTO quota_usage (tenant_id, period, used_tokens, reserved_tokens) VALUES ($1, '2021-06-01', 14500000, 1234)", [owner.tenantId]);
    await ownerQuery("INSERT INTO tenant_notices (tenant_id, kind, period, message) VALUES ($1, 'quota_80', '2021-06-01', 'Used 80%.'), ($1, 'quota_80', '2021-05-01', 'Last month.')", [owner.tenantId]);
    await ownerQuery("INSERT INTO anomalies (tenant_id, hour_start, tokens, baseline_tokens_per_hour, ratio) VALUES ($1, '2021-06-14T09:00:00Z', 90000, 1000, 90)", [owner.tenantId]);
    const d = await dashboard(adminCtx, 7, "tenant");
    expect(d.quota).toMatchObject({ period: "2021-06-01", periodEnd: "2021-07-01", quotaTokens: plan.monthlyTokenQuota, usedTokens: 14_500_000, reservedTokens: 1234 });
    // The month began at Kolkata's midnight (18:30 UTC on 31 May): 14.729 of 30 days elapsed
    // at 14.5M, about 29.53M by month end, past the 20M quota after 20.31 of its days.
    const startMs = Date.parse("2021-05-31T18:30:00Z");
    const rate = 14_500_000 / (NOW.getTime() - startMs);
    expect(d.quota.projectedTokens).toBe(Math.round(rate * 30 * 24 * H));
    expect(d.quota.projectedExhaustionAt).toBe(new Date(Math.round(NOW.getTime() + (20_000_000 - 14_500_000) / rate)).toISOString());
    expect(d.notices).toEqual([
      { kind: "quota", level: "quota_80", message: "Used 80%.", createdAt: expect.any(String) },
      { kind: "anomaly", hourStart: "2021-06-14T09:00:00.000Z", tokens: 90000, baselineTokensPerHour: 1000, ratio: 90 },
    ]);
    // Members see the quota notice but not the workspace's anomaly flags.
    expect((await dashboard(memberCtx, 7, "self")).notices.map((n) => n.kind)).toEqual(["quota"]);
    const june = { period: "2021-06-01", periodEnd: "2021-07-01", startsAt: new Date("2021-06-01T00:00:00Z"), endsAt: new Date("2021-07-01T00:00:00Z") };
    expect(quotaStatus(new Date("2021-06-01T00:30:00Z"), june, 100, 5, 0).projectedTokens).toBeNull();
  });

  it("quota: the month is the tenant's local one (1 July in Kolkata while it is still 30 June in UTC)", async () => {
    await ownerQuery("INSERT INTO quota_usage (tenant_id, period, used_tokens, reserved_tokens) VALUES ($1, '2021-07-01', 777, 0)", [owner.tenantId]);
    const d = await getUsageDashboard(adminCtx, { days: 7, scope: "tenant", now: new Date("2021-06-30T19:00:00Z"), limiter: fixedLimiter(1) });
    expect(d.quota).toMatchObject({ period: "2021-07-01", periodEnd: "2021-08-01", usedTokens: 777 });
    expect(d.to).toBe("2021-07-01");
  });

  it("rate-limit headroom comes from the limiter's remaining() for the tenant", async () => {
    const plan = await getPlan("starter");
    const policies = planPolicies(plan);
    await awayFromWindowEdge();
    await limits.limiter.limitTokens(policies.tenantTokens, owner.tenantId, 4_000);
    await limits.limiter.checkLimit(policies.tenantRequests, owner.tenantId);
    const d = await dashboard(adminCtx, 7, "tenant", limits.limiter);
    expect(d.headroom.tokensPerMinute).toMatchObject({ limit: plan.tokensPerMinute, remaining: plan.tokensPerMinute - 4_000 });
    expect(d.headroom.requestsPerMinute).toMatchObject({ limit: plan.requestsPerMinute, remaining: plan.requestsPerMinute - 1 });
    expect(d.headroom.degraded).toBe(false);
  });

});

/** A small RFC 4180 reader for the checks below (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") record.push(field), (field = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field), records.push(record), (record = []), (field = ""), i++;
    } else field += c;
  }
  expect(field).toBe("");
  expect(record).toEqual([]);
  return records;
}

/** The export's computed columns, as the owner computes them independently ($2 is the time zone). */
const RAW_EXPORT_COLUMN: Partial<Record<(typeof EXPORT_COLUMNS)[number], string>> = {
  created_at: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`,
  local_date: `(created_at AT TIME ZONE $2)::date::text AS local_date`,
  time_zone: `$2::text AS time_zone`,
};

describe("exportUsageCsv", () => {
  const rawRows = async (from: string, to: string, userId?: string) =>
    (
      await ownerQuery<Record<string, string | null>>(
        `SELECT ${EXPORT_COLUMNS.map((c) => RAW_EXPORT_COLUMN[c] ?? `${c}::text AS ${c}`).join(", ")}
           FROM usage_events
          WHERE tenant_id = $1 AND status <> 'started' AND (created_at AT TIME ZONE $2)::date BETWEEN $3::date AND $4::date AND ($5::uuid IS NULL OR user_id = $5::uuid)
          ORDER BY created_at, request_id`,
        [owner.tenantId, TZ, from, to, userId ?? null],
      )
    ).map((r) => EXPORT_COLUMNS.map((c) => r[c] ?? ""));

  it("admin: a header row, then exactly the raw rows of those local days, escaped per RFC 4180", async () => {
    const text = await new Response(await exportUsageCsv(adminCtx, { from: "2021-06-09", to: "2021-06-15", scope: "tenant" })).text();
    expect(text.endsWith("\r\n")).toBe(true);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...EXPORT_COLUMNS]);
    const raw = await rawRows("2021-06-09", "2021-06-15");
    expect(raw.length).toBeGreaterThan(50);
    expect(rows).toEqual(raw);
    expect(text).toContain('"overloaded, ""quoted""\r\nline two"');
    // The range is local days: the first instant of June 9 in Kolkata is in (on local June 9), the one before is out.
    expect(rows.find((r) => r[0] === "2021-06-08T18:30:00.000Z")?.slice(1, 3)).toEqual(["2021-06-09", TZ]);
    expect(rows.some((r) => r[0] === "2021-06-08T18:29:59.999Z")).toBe(false);
    // Calls in flight are left out; estimated ones are marked.
    const col = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
    const inFlight = await ownerQuery("SELECT 1 FROM usage_events WHERE tenant_id = $1 AND status = 'started' AND created_at BETWEEN '2021-06-08T18:30:00Z' AND '2021-06-15T18:30:00Z'", [
      owner.tenantId,
    ]);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(rows.some((r) => r[col("status")] === "started")).toBe(false);
    expect(rows.some((r) => r[col("estimated")] === "true")).toBe(true);
  });

  it("member: only their own rows; bad ranges are refused before anything streams", async () => {
    const [, ...rows] = parseCsv(await new Response(await exportUsageCsv(memberCtx, { from: "2021-05-01", to: "2021-06-30", scope: "self" })).text());
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[EXPORT_COLUMNS.indexOf("user_id")] === memberId)).toBe(true);
    expect(rows).toEqual(await rawRows("2021-05-01", "2021-06-30", memberId));
    await expect(exportUsageCsv(memberCtx, { from: "2021-05-01", to: "2021-06-30", scope: "tenant" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(exportUsageCsv(adminCtx, { from: "2021-06-10", to: "2021-06-09", scope: "tenant" })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(exportUsageCsv(adminCtx, { from: "2020-06-01", to: "2021-06-02", scope: "tenant" })).rejects.toMatchObject({ code: "validation_failed" });
    // 366 days is the most one export covers.
    await expect(exportUsageCsv(adminCtx, { from: "2020-06-02", to: "2021-06-02", scope: "tenant" })).resolves.toBeInstanceOf(ReadableStream);
    await expect(exportUsageCsv(adminCtx, { from: "2021-02-30", to: "2021-03-02", scope: "tenant" })).rejects.toMatchObject({ code: "validation_failed" });
  });
});

// Last: both rewrite the rollups, and every check above must read what the folds kept.
describe("rebuild", () => {
  it("the folds kept exactly what rebuild_usage_daily recomputes from the settled events", async () => {
    await foldAsOwner();
    const kept = await rollupRows(owner.tenantId);
    expect(kept.length).toBeGreaterThan(20);
    const written = await withStaff(owner.userId, (tx) => tx.$queryRaw<Array<{ n: bigint }>>`SELECT rebuild_usage_daily(${owner.tenantId}::uuid) AS n`);
    expect(Number(written[0]!.n)).toBe(kept.length);
    expect(await rollupRows(owner.tenantId)).toEqual(kept);
  });

  it("a time-zone change moves the tenant's days (rebuilt by the trigger on tenants)", async () => {
    await withTenant(owner, (tx) => tx.tenant.update({ where: { id: owner.tenantId }, data: { timeZone: "UTC" } }));
    try {
      const d = await dashboard(adminCtx, 30, "tenant");
      expect(d.timeZone).toBe("UTC");
      expectDailyMatchesRaw(d, await rawByDay(owner.tenantId, "UTC", d.from, d.to));
    } finally {
      await withTenant(owner, (tx) => tx.tenant.update({ where: { id: owner.tenantId }, data: { timeZone: TZ } }));
    }
    expectDailyMatchesRaw(await dashboard(adminCtx, 30, "tenant"), await rawByDay(owner.tenantId, TZ, addDays(TODAY, -29), TODAY));
  });
});
