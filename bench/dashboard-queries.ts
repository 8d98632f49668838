import { existsSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";
import { createRateLimiter, type RateLimiter } from "@/lib/limits/rate-limit";
import { closeRedis, createRedis } from "@/lib/redis/client";
import { getUsageDashboard, type DashboardDays } from "@/lib/usage/dashboard";
import { createDatabase, databaseUrl, dropDatabase, TEST_SERVER_URL } from "@/tests/helpers/local-database";
import { ROOT } from "./lib/app-server";
import { LOCAL_REDIS_URL, redisAnswers } from "./lib/redis-probe";
import { machineInfo, writeResults } from "./lib/results";
import { onCleanup, runCleanups } from "./lib/cleanup";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { percentile, round2 } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Issue 5: the usage page's and the staff margin page's queries against a realistic volume.
 * A throwaway database on the local PostgreSQL, 1,000 tenants (2–12 members each, eight time
 * zones, all four plans), usage events spread over 90 days with INSERT … SELECT FROM
 * generate_series (rollup queue trigger disabled during the load, usage_daily then rebuilt per
 * tenant by rebuild_usage_daily and the UTC staff rollups by one INSERT … SELECT), measured at 1M and again at 10M events:
 *
 *   usage page   getUsageDashboard (30 and 90 days, as the tenant's owner) for 50 tenants
 *   staff page   getMarginOverview from lib/staff/margins.ts, if that module exists:
 *                cold (the first calls after the load) and warm (the calls after those);
 *                the module keeps no cache of its own, so the difference is PostgreSQL's
 *
 * Server time = the lib call in this process, through the app's own login (bh_app) and pool,
 * the rate limiter on the local Redis when it answers. Register it in bench/scenarios.ts to
 * run it through scripts/bench.ts, or run it alone:
 * `npx tsx bench/dashboard-queries.ts [--quick] [--keep-db]`.
 */
const TARGET_USAGE_MS = 100;
const TARGET_STAFF_MS = 300;
const SAMPLE_TENANTS = 50;
const LOAD_WORKERS = 2;
const TENANTS_PER_BATCH = 25;
const TIME_ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles", "Europe/Berlin"];

interface Sizes {
  tenants: number;
  /** Events per tenant after each phase (cumulative). */
  phases: number[];
  staffCold: number;
  staffWarm: number;
}

const FULL: Sizes = { tenants: 1_000, phases: [1_000, 10_000], staffCold: 5, staffWarm: 10 };
const QUICK: Sizes = { tenants: 100, phases: [1_000, 3_000], staffCold: 3, staffWarm: 5 };

export const dashboardQueries: Scenario = {
  name: "dashboard-queries",
  description: "Usage page (getUsageDashboard 30/90 d) and staff margins at 1M and 10M usage events, 1,000 tenants",
  run: (options) => run(options, { keepDatabase: false }),
};

interface PhaseResult {
  events: number;
  loadSeconds: number;
  rollupSeconds: number;
  rollupRows: number;
  usageEventsSize: string;
  usageDailySize: string;
  usagePage: Record<`days${DashboardDays}`, Timing & { targetMs: number; meetsTarget: boolean }>;
  staffPage: { status: "measured"; cold: Timing; warm: Timing; targetMs: number; meetsTarget: boolean } | { status: "missing" | "failed"; detail: string };
}

/** Milliseconds; percentiles by nearest rank (bench/lib/stats.ts). */
interface Timing {
  count: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: round2(percentile(sorted, 50)), p95: round2(percentile(sorted, 95)), max: round2(sorted.at(-1) ?? Number.NaN), mean: round2(mean) };
}

async function run(options: ScenarioOptions, extra: { keepDatabase: boolean }): Promise<ScenarioResult> {
  const sizes = options.quick ? QUICK : FULL;
  const machine = machineInfo();
  const databaseName = `bulkhead_bench_dash_${process.pid}_${Date.now().toString(36)}`;
  await createDatabase(TEST_SERVER_URL, databaseName);
  const dropOnInterrupt = onCleanup(() => dropDatabase(TEST_SERVER_URL, databaseName));
  const ownerUrl = databaseUrl(TEST_SERVER_URL, databaseName);
  const appUrl = new URL(ownerUrl);
  appUrl.username = APP_DB_ROLE;
  const redisUp = await redisAnswers(LOCAL_REDIS_URL);
  const redis = createRedis(redisUp ? { kind: "redis-tcp", url: LOCAL_REDIS_URL } : { kind: "memory" });
  const limiter = createRateLimiter({ redis, prefix: `bh-bench-dash:${process.pid}` });
  const prisma = createPrismaClient(appUrl.toString(), 4);
  setPrismaClient(prisma);
  const phases: PhaseResult[] = [];

  try {
    const setupStart = performance.now();
    await withOwner(ownerUrl, async (db) => {
      await migrate(pgRunner(db), await readMigrations(path.join(ROOT, "prisma", "migrations")));
      await seedTenants(db, sizes.tenants);
    });
    console.error(`[bench] migrated and seeded ${sizes.tenants} tenants in ${((performance.now() - setupStart) / 1000).toFixed(1)} s (redis: ${redisUp ? LOCAL_REDIS_URL : "in-memory"})`);

    let loaded = 0;
    for (const perTenant of sizes.phases) {
      const events = perTenant * sizes.tenants;
      console.error(`[bench] loading to ${events.toLocaleString("en-US")} events …`);
      const load = await loadEvents(ownerUrl, loaded, perTenant);
      loaded = perTenant;
      const sample = await sampleTenants(ownerUrl);
      const usagePage = await measureUsagePage(sample, limiter);
      const staffPage = await measureStaffPage(sample.staffId, sizes);
      phases.push({ events, ...load, usagePage, staffPage });
      printPhase(phases.at(-1)!);
    }
  } finally {
    setPrismaClient(undefined);
    await prisma.$disconnect();
    await closeRedis(redis);
    dropOnInterrupt();
    if (extra.keepDatabase) console.error(`[bench] kept database ${databaseName}`);
    else await dropDatabase(TEST_SERVER_URL, databaseName);
  }

  // Wrong answers throw above; missing the latency targets is a finding, not a failure.
  const data = {
    machine,
    quick: options.quick,
    tenants: sizes.tenants,
    sampleTenants: SAMPLE_TENANTS,
    targets: { usagePageMs: TARGET_USAGE_MS, staffPageMs: TARGET_STAFF_MS, at: "10M events" },
    phases,
  };
  return { data, failures: 0 };
}

async function withOwner<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Tenants, their members (first an owner, then an admin, then members) and one staff user, as the owner. */
async function seedTenants(db: pg.Client, tenants: number): Promise<void> {
  await db.query(
    `INSERT INTO tenants (slug, name, plan_id, time_zone, created_at)
     SELECT 'bench-' || lpad(i::text, 4, '0'), 'Bench tenant ' || i,
            (ARRAY['free', 'starter', 'professional', 'enterprise'])[1 + i % 4],
            ($2::text[])[1 + i % cardinality($2::text[])],
            now() - interval '200 days'
       FROM generate_series(1, $1::int) i`,
    [tenants, TIME_ZONES],
  );
  await db.query(`
    INSERT INTO users (id, email, name, password_hash)
    SELECT md5(t.id::text || k)::uuid, t.slug || '-' || k || '@bench.test', 'Member ' || k || ' of ' || t.slug, 'x'
      FROM tenants t CROSS JOIN LATERAL generate_series(1, 2 + abs(hashtext(t.slug)) % 11) k`);
  await db.query(`
    INSERT INTO memberships (tenant_id, user_id, role)
    SELECT t.id, md5(t.id::text || k)::uuid, (CASE k WHEN 1 THEN 'owner' WHEN 2 THEN 'admin' ELSE 'member' END)::"Role"
      FROM tenants t CROSS JOIN LATERAL generate_series(1, 2 + abs(hashtext(t.slug)) % 11) k`);
  await db.query(`INSERT INTO users (email, name, password_hash, is_staff) VALUES ('staff@bench.test', 'Bench Staff', 'x', true)`);
}

/**
 * Raises every tenant from `from` to `to` events, spread evenly over the last 90 days
 * (with jitter), oldest first within a tenant so the (tenant_id, created_at) index grows at
 * its end. Mix: 12 % background (no user), 13 % API, the rest chat; three models; 3 %
 * errors, 4 % aborted. Then rebuilds every tenant's rollups from the raw events.
 */
const EVENTS_SQL = `
  INSERT INTO usage_events (tenant_id, request_id, user_id, request_type, model, input_tokens, output_tokens,
                            cache_write_tokens, cache_read_tokens, latency_ms, ttft_ms, cost_micros, status, created_at)
  SELECT tenant_id, request_id, user_id, request_type, model, input_tokens, output_tokens, cache_write_tokens,
         cache_read_tokens, latency_ms, CASE WHEN status = 'error' THEN NULL ELSE ttft_ms END,
         (input_tokens * m_in + output_tokens * m_out + cache_read_tokens * m_in / 10 + cache_write_tokens * m_in * 5 / 4)::bigint,
         status, created_at
    FROM (
      SELECT t.id AS tenant_id,
             'bench-' || g AS request_id,
             CASE WHEN x.r1 < 0.12 THEN NULL ELSE t.users[1 + floor(x.r2 * cardinality(t.users))::int] END AS user_id,
             (CASE WHEN x.r1 < 0.12 THEN 'background' WHEN x.r1 < 0.25 THEN 'api' ELSE 'chat' END)::"RequestType" AS request_type,
             (ARRAY['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-8'])[1 + floor(x.r3 * x.r3 * 3)::int] AS model,
             (ARRAY[1, 3, 5])[1 + floor(x.r3 * x.r3 * 3)::int] AS m_in,
             (ARRAY[5, 15, 25])[1 + floor(x.r3 * x.r3 * 3)::int] AS m_out,
             150 + floor(x.r4 * 1800)::int AS input_tokens,
             CASE WHEN x.r5 < 0.03 THEN 0 ELSE 20 + floor(x.r2 * 800)::int END AS output_tokens,
             CASE WHEN x.r4 < 0.2 THEN floor(x.r5 * 1400)::int ELSE 0 END AS cache_write_tokens,
             CASE WHEN x.r4 > 0.5 THEN floor(x.r1 * 1600)::int ELSE 0 END AS cache_read_tokens,
             floor(250 * exp(x.r5 * 4))::int AS latency_ms,
             120 + floor(x.r2 * 1400)::int AS ttft_ms,
             (CASE WHEN x.r5 < 0.03 THEN 'error' WHEN x.r5 < 0.07 THEN 'aborted' ELSE 'completed' END)::"UsageStatus" AS status,
             now() - interval '90 days' + (g - $2::int - 1 + x.r1) * (interval '90 days' / ($3::int - $2::int)) AS created_at
        FROM (SELECT tt.id, (SELECT array_agg(m.user_id ORDER BY m.user_id) FROM memberships m WHERE m.tenant_id = tt.id) AS users
                FROM tenants tt WHERE tt.id = ANY($1::uuid[]) ORDER BY tt.id) t
        CROSS JOIN LATERAL (
          SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
            FROM generate_series($2::int + 1, $3::int) g
           WHERE t.id IS NOT NULL) x
    ) e`;

async function loadEvents(ownerUrl: string, from: number, to: number): Promise<{ loadSeconds: number; rollupSeconds: number; rollupRows: number; usageEventsSize: string; usageDailySize: string }> {
  const ids = await withOwner(ownerUrl, async (db) => {
    await db.query("ALTER TABLE usage_events DISABLE TRIGGER usage_events_rollup_on_insert");
    return (await db.query<{ id: string }>("SELECT id::text FROM tenants ORDER BY id")).rows.map((r) => r.id);
  });
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += TENANTS_PER_BATCH) batches.push(ids.slice(i, i + TENANTS_PER_BATCH));

  const loadStart = performance.now();
  await inParallel(ownerUrl, batches, (db, batch) => db.query(EVENTS_SQL, [batch, from, to]));
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const rollupStart = performance.now();
  await withOwner(ownerUrl, (db) => db.query("ALTER TABLE usage_events ENABLE TRIGGER usage_events_rollup_on_insert"));
  await inParallel(ownerUrl, batches, (db, batch) => db.query("SELECT rebuild_usage_daily(id) FROM unnest($1::uuid[]) AS id", [batch]));
  // The staff rollups (UTC days and months) from the same events, as 0009_ledger backfills them.
  await withOwner(ownerUrl, async (db) => {
    await db.query("TRUNCATE usage_daily_tenant, usage_monthly_tenant");
    await db.query(`INSERT INTO usage_daily_tenant (day, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing)
      SELECT (created_at AT TIME ZONE 'UTC')::date, tenant_id, model, count(*),
             sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), sum(cost_micros),
             count(*) FILTER (WHERE estimated), count(*) FILTER (WHERE price_missing)
        FROM usage_events WHERE status <> 'started' GROUP BY 1, 2, 3`);
    await db.query(`INSERT INTO usage_monthly_tenant (month, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing)
      SELECT date_trunc('month', day)::date, tenant_id, model, sum(requests), sum(tokens), sum(cost_micros), sum(estimated), sum(price_missing)
        FROM usage_daily_tenant GROUP BY 1, 2, 3`);
  });
  const sizes = await withOwner(ownerUrl, async (db) => {
    await db.query("VACUUM (ANALYZE) usage_daily");
    // What autovacuum would do after a bulk load; without statistics the planner takes the
    // staff rollups for a few rows.
    for (const table of ["usage_daily_tenant", "usage_monthly_tenant"]) await db.query(`VACUUM (ANALYZE) ${table}`);
    await db.query("ANALYZE usage_events");
    return (
      await db.query<{ rows: string; events: string; daily: string }>(
        `SELECT (SELECT count(*) FROM usage_daily)::text AS rows,
                pg_size_pretty(pg_total_relation_size('usage_events')) AS events,
                pg_size_pretty(pg_total_relation_size('usage_daily')) AS daily`,
      )
    ).rows[0]!;
  });
  const rollupSeconds = (performance.now() - rollupStart) / 1000;
  console.error(`[bench]   events loaded in ${loadSeconds.toFixed(1)} s, rollups rebuilt in ${rollupSeconds.toFixed(1)} s (${Number(sizes.rows).toLocaleString("en-US")} rows)`);
  return { loadSeconds: round2(loadSeconds), rollupSeconds: round2(rollupSeconds), rollupRows: Number(sizes.rows), usageEventsSize: sizes.events, usageDailySize: sizes.daily };
}

/** Runs `work` over the batches on LOAD_WORKERS owner connections (asynchronous commit: a bench load). */
async function inParallel<T>(url: string, batches: T[], work: (db: pg.Client, batch: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: LOAD_WORKERS }, () =>
      withOwner(url, async (db) => {
        await db.query("SET synchronous_commit = off");
        for (let i = next++; i < batches.length; i = next++) await work(db, batches[i]!);
      }),
    ),
  );
}

interface Sample {
  staffId: string;
  tenants: Array<{ tenantId: string; ownerId: string; planId: string }>;
}

/** Every (n / 50)-th tenant by slug, acting as its owner. */
async function sampleTenants(ownerUrl: string): Promise<Sample> {
  return withOwner(ownerUrl, async (db) => {
    const tenants = (
      await db.query<{ tenant_id: string; owner_id: string; plan_id: string }>(
        `SELECT t.id::text AS tenant_id, m.user_id::text AS owner_id, t.plan_id
           FROM (SELECT *, row_number() OVER (ORDER BY slug) AS n, count(*) OVER () AS total FROM tenants) t
           JOIN memberships m ON m.tenant_id = t.id AND m.role = 'owner'
          WHERE (t.n - 1) % greatest(1, t.total / $1) = 0
          ORDER BY t.slug LIMIT $1`,
        [SAMPLE_TENANTS],
      )
    ).rows;
    const staff = (await db.query<{ id: string }>("SELECT id::text FROM users WHERE is_staff LIMIT 1")).rows[0]!;
    return { staffId: staff.id, tenants: tenants.map((t) => ({ tenantId: t.tenant_id, ownerId: t.owner_id, planId: t.plan_id })) };
  });
}

async function measureUsagePage(sample: Sample, limiter: RateLimiter): Promise<PhaseResult["usagePage"]> {
  const call = (t: Sample["tenants"][number], days: DashboardDays) =>
    getUsageDashboard({ tenantId: t.tenantId, userId: t.ownerId, role: "owner", planId: t.planId }, { days, scope: "tenant", limiter });
  // Warm-up: connections, plan cache, the server's buffer cache for this phase's rows.
  for (const t of sample.tenants) await call(t, 90);
  const result = {} as PhaseResult["usagePage"];
  for (const days of [30, 90] as const) {
    const samples: number[] = [];
    for (const t of sample.tenants) {
      const start = performance.now();
      const d = await call(t, days);
      samples.push(performance.now() - start);
      if (d.daily.length !== days || d.totals.requests === 0) throw new Error(`unexpected dashboard for ${t.tenantId}: ${d.daily.length} days, ${d.totals.requests} requests`);
    }
    const summary = timing(samples);
    result[`days${days}`] = { ...summary, targetMs: TARGET_USAGE_MS, meetsTarget: summary.p95 < TARGET_USAGE_MS };
  }
  return result;
}

/** The staff margin page's data call, if another change has built it (lib/staff/margins.ts). */
async function measureStaffPage(staffId: string, sizes: Sizes): Promise<PhaseResult["staffPage"]> {
  const file = path.join(ROOT, "lib", "staff", "margins.ts");
  if (!existsSync(file)) return { status: "missing", detail: "lib/staff/margins.ts does not exist" };
  try {
    const margins = (await import(pathToFileURL(file).href)) as { getMarginOverview?: (staffUserId: string) => Promise<unknown> };
    if (typeof margins.getMarginOverview !== "function") return { status: "missing", detail: "lib/staff/margins.ts has no getMarginOverview" };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < sizes.staffCold; i++) {
      const start = performance.now();
      await margins.getMarginOverview(staffId);
      cold.push(performance.now() - start);
    }
    for (let i = 0; i < sizes.staffWarm; i++) {
      const start = performance.now();
      await margins.getMarginOverview(staffId);
      warm.push(performance.now() - start);
    }
    const coldSummary = timing(cold);
    const warmSummary = timing(warm);
    return { status: "measured", cold: coldSummary, warm: warmSummary, targetMs: TARGET_STAFF_MS, meetsTarget: coldSummary.p95 < TARGET_STAFF_MS && warmSummary.p95 < TARGET_STAFF_MS };
  } catch (error) {
    return { status: "failed", detail: error instanceof Error ? error.message : String(error) };
  }
}

function printPhase(p: PhaseResult): void {
  const rows: string[][] = [
    ["usage page, 30 days", ...cells(p.usagePage.days30), String(TARGET_USAGE_MS)],
    ["usage page, 90 days", ...cells(p.usagePage.days90), String(TARGET_USAGE_MS)],
  ];
  if (p.staffPage.status === "measured") {
    rows.push(["staff margins, cold", ...cells(p.staffPage.cold), String(TARGET_STAFF_MS)], ["staff margins, warm", ...cells(p.staffPage.warm), String(TARGET_STAFF_MS)]);
  } else {
    rows.push([`staff margins: ${p.staffPage.status}`, "–", "–", "–", "–", "–"]);
  }
  console.log(`\n${p.events.toLocaleString("en-US")} events (${p.rollupRows.toLocaleString("en-US")} rollup rows; usage_events ${p.usageEventsSize}, usage_daily ${p.usageDailySize})`);
  console.log(formatTable(["query", "n", "P50 ms", "P95 ms", "max ms", "target ms"], rows));
}

function cells(s: Timing): string[] {
  return [String(s.count), ms(s.p50), ms(s.p95), ms(s.max)];
}

// Run directly: `npx tsx bench/dashboard-queries.ts [--quick] [--keep-db]`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = new Set(process.argv.slice(2));
  const startedAt = new Date();
  process.once("SIGINT", () => void runCleanups().finally(() => process.exit(130)));
  run({ quick: args.has("--quick"), profile: false, verbose: args.has("--verbose") }, { keepDatabase: args.has("--keep-db") })
    .then(async ({ data }) => {
      const files = await writeResults(dashboardQueries.name, startedAt, { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ...data });
      console.log(`\nresults: ${files.join(", ")}`);
    })
    .catch((error: unknown) => {
      console.error("[bench] failed:", error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    });
}
