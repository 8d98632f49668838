import { spawn } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { signUp } from "@/lib/auth/sign-up";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";
import { drainOutbox, enqueueTurnWrite, pendingTurnWrites } from "@/lib/ledger/outbox";
import { reserveRequest } from "@/lib/ledger/reserve";
import { reconcileLedger } from "@/lib/ledger/reconcile";
import { sweepStaleRequests } from "@/lib/ledger/sweeper";
import { buildUsageEvent } from "@/lib/ledger/usage-event";
import { applyTurnWriteNow, writeTurn, type TurnWrite, type TurnWriteResult } from "@/lib/ledger/write-turn";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { TIER_MODELS } from "@/lib/llm/models";
import { startSimulator } from "@/lib/llm/simulator";
import { startChatTurn } from "@/lib/pipeline/chat-turn";
import { allTurnWritesSettled } from "@/lib/chat/turn-writes";
import { createDatabase, databaseUrl, dropDatabase, TEST_SERVER_URL } from "@/tests/helpers/local-database";
import { ROOT } from "./lib/app-server";
import { onCleanup } from "./lib/cleanup";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { percentile, round2 } from "./lib/stats";
import { formatTable } from "./lib/table";

/**
 * Issue 9: reconciliation of the ledger against what the upstream received, under faults.
 *
 * A throwaway database; 20 tenants; chat turns through the real pipeline (startChatTurn)
 * against the in-process simulator, with 10 % client aborts at random points, 5 % upstream
 * faults (429 then success, 529 then success, a mid-stream error), a PostgreSQL outage in
 * the middle (every app connection terminated every 100 ms), a duplicate delivery of every
 * outbox entry, and a child process running turns on the same database that is SIGKILLed
 * mid-stream, then the sweeper. Then, with the simulator's log as the truth:
 *
 *   one ledger row per request that reached the simulator (request id sent as a header),
 *   every row not estimated equal to what the simulator billed, quota used = Σ settled rows
 *   per tenant-month, reserved 0, rollups = events, no duplicates.
 *
 * A second phase measures the ledger's write path for ONE tenant (reserve + settle, 32 at a
 * time, through writeTurn, which settles a tenant's concurrent turns in one transaction; and
 * with one transaction per settlement for comparison): settled calls per second, and the
 * share of 10 ms samples in which some backend was waiting on a lock, with the lock-wait
 * time that implies.
 */
const FULL = { turns: 10_000, outageMs: 10_000, childTurns: 40, writeSeconds: 10, boundTenants: 40 };
const QUICK = { turns: 600, outageMs: 3_000, childTurns: 10, writeSeconds: 3, boundTenants: 8 };
/** Quota left to each tenant of the bound-price phase. */
const BOUND_HEADROOM = 40_000;
const TENANTS = 20;
const CONCURRENCY = 16;
const MODEL = TIER_MODELS.economy.id;

const unlimited: RateLimiter = {
  checkLimit: async (policy) => ({ ok: true, limit: 1e9, remaining: 1e9, resetAt: Date.now() + 60_000, retryAfterSeconds: 0, policy: typeof policy === "string" ? policy : policy.name, degraded: false }),
  limitTokens: async (policy) => ({ ok: true, limit: 1e9, remaining: 1e9, resetAt: Date.now() + 60_000, retryAfterSeconds: 0, policy: typeof policy === "string" ? policy : policy.name, degraded: false }),
  refundTokens: async () => {},
  remaining: async () => ({ remaining: 1e9, resetAt: Date.now() + 60_000, degraded: false }),
};

async function drainBody(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  while (!(await reader.read()).done) {
    /* the bench reads the ledger, not the events */
  }
}

function pick(random: number): { marker: string; abortAfterMs: number | null } {
  if (random < 0.1) return { marker: "[[sim:slow:3]]", abortAfterMs: Math.floor(Math.random() * 60) };
  if (random < 0.1167) return { marker: "[[sim:429x1:0.01]]", abortAfterMs: null };
  if (random < 0.1333) return { marker: "[[sim:529x1:0.01]]", abortAfterMs: null };
  if (random < 0.15) return { marker: "[[sim:midstream]]", abortAfterMs: null };
  return { marker: "", abortAfterMs: null };
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const size = options.quick ? QUICK : FULL;
  process.env.SIMULATOR_FAULTS = "1";
  const name = `bulkhead_bench_ledger_${process.pid}_${Date.now().toString(36)}`;
  await createDatabase(TEST_SERVER_URL, name);
  const dropOnInterrupt = onCleanup(() => dropDatabase(TEST_SERVER_URL, name));
  const ownerUrl = databaseUrl(TEST_SERVER_URL, name);
  const appUrl = new URL(ownerUrl);
  appUrl.username = APP_DB_ROLE;
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await migrate(pgRunner(owner), await readMigrations(path.join(ROOT, "prisma", "migrations")));
  const prisma = createPrismaClient(appUrl.toString(), 16);
  setPrismaClient(prisma);
  const sim = await startSimulator({ port: 0, receivedMaxEntries: 1_000_000 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  const failures: string[] = [];

  try {
    const tenants: { tenantId: string; userId: string }[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const r = await signUp({ name: `T${i}`, email: `t${i}.${process.pid}@ledger.bench`, password: "long-enough-1", workspaceName: `Ledger ${i}` });
      tenants.push({ tenantId: r.tenantId, userId: r.userId });
    }
    await owner.query("UPDATE tenants SET plan_id = 'enterprise' WHERE id = ANY($1::uuid[])", [tenants.map((t) => t.tenantId)]);

    // ---- phase 1: turns under faults, with an outage in the middle ----
    let next = 0;
    let refused = 0;
    const started = performance.now();
    let outage: { from: number; to: number } | null = null;
    const outageAt = Math.floor(size.turns / 2);
    let outageDone: Promise<void> = Promise.resolve();
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= size.turns) return;
        if (i === outageAt) outageDone = runOutage(ownerUrl, name, size.outageMs, (o) => (outage = o));
        const t = tenants[i % TENANTS]!;
        const { marker, abortAfterMs } = pick(Math.random());
        const abort = new AbortController();
        if (abortAfterMs !== null) setTimeout(() => abort.abort(), abortAfterMs);
        try {
          const stream = await startChatTurn({ ...t, planId: "enterprise" }, { message: `turn ${i} ${marker}` }, abort.signal, { limiter: unlimited });
          await drainBody(stream);
        } catch {
          refused++; // refused before the call (the outage): nothing was sent
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await outageDone;
    await allTurnWritesSettled(); // each turn's write commits just after its answer ends
    const turnSeconds = (performance.now() - started) / 1000;

    // ---- duplicate delivery, then the drain ----
    const pending = await pendingTurnWrites();
    const drained = await drainOutbox((w) => applyTurnWriteNow(w));
    for (const write of pending) await enqueueTurnWrite(write);
    const redelivered = await drainOutbox((w) => applyTurnWriteNow(w));
    if (redelivered.written !== 0) failures.push(`duplicate delivery settled ${redelivered.written} writes again`);

    // ---- a process killed mid-stream, then the sweeper ----
    const killed = await runAndKillChild(appUrl.toString(), sim.url, tenants.slice(0, 4), size.childTurns);
    const inFlight = Number((await owner.query<{ n: string }>("SELECT count(*) AS n FROM usage_events WHERE status = 'started'")).rows[0]!.n);
    const swept = await sweepStaleRequests({ staleAfterMs: 0 });
    await owner.query("SELECT fold_usage_rollups(NULL)");

    // ---- reconciliation ----
    const received = sim.received.filter((e) => e.endpoint === "messages");
    const report = await reconcileLedger(owner, received);
    failures.push(...report.failures);
    const table = formatTable(
      ["check", "value"],
      [
        ["turns", String(size.turns)],
        ["refused before the call (outage)", String(refused)],
        ["requests the simulator received", String(received.length)],
        ["ledger rows", String(report.rows)],
        ["rows the simulator never saw (killed child, estimated)", String(report.unseenEstimated)],
        ["estimated rows", String(report.estimated)],
        ["outbox: drained / redelivered duplicates", `${drained.written} / ${redelivered.duplicates}`],
        ["outage", outage ? `${Math.round((outage as { from: number; to: number }).to - (outage as { from: number; to: number }).from)} ms` : "none"],
        ["child: turns started / killed after", `${killed.turns} / ${killed.afterMs} ms`],
        ["rows in flight before sweep / swept", `${inFlight} / ${swept.settled}`],
        ["mismatches", String(report.failures.length)],
      ],
    );
    console.log(`\nledger reconciliation (${turnSeconds.toFixed(1)} s of turns)\n${table}`);

    // ---- phase 2: the price of the bound, near the quota's end ----
    const bound = await measureBoundPrice(owner, size.boundTenants);
    console.log(`\nthe price of the reservation bound: each tenant left ${BOUND_HEADROOM.toLocaleString("en-US")} tokens of quota, turns until the first refusal\n${formatTable(
      ["tenants", "turns admitted", "first refusals that would have fit", "headroom left at refusal (mean)", "refused request's real cost (mean)"],
      [[String(bound.tenants), String(bound.admitted), `${bound.wouldHaveFit} of ${bound.tenants}`, `${bound.meanHeadroom} tokens`, `${bound.meanRefusedCost} tokens`]],
    )}`);

    // ---- phase 3: the write path for one tenant ----
    // Statistics first, as autovacuum keeps them on any database older than a few minutes:
    // this one is a minute old, and a plan cached while usage_events was nearly empty can read
    // a tenant's every row on each settlement until the first analyse (0021_settle_batch).
    await owner.query("ANALYZE");
    // Tenants of their own: phase 1's traffic left its tenants' quota rows with long update chains.
    const writer = await signUp({ name: "W", email: `w.${process.pid}@ledger.bench`, password: "long-enough-1", workspaceName: "Writer" });
    const writePath = await measureWritePath({ tenantId: writer.tenantId, userId: writer.userId }, size.writeSeconds, ownerUrl, name, writeTurn);
    const single = await signUp({ name: "S", email: `s.${process.pid}@ledger.bench`, password: "long-enough-1", workspaceName: "Single Writer" });
    const unbatched = await measureWritePath({ tenantId: single.tenantId, userId: single.userId }, size.writeSeconds, ownerUrl, name, (w) => applyTurnWriteNow(w));
    const row = (label: string, w: typeof writePath) => [label, String(w.settled), String(w.perSecond), String(w.p50), String(w.p99), `${w.lockWaitSamples} of ${w.samples}`, `${w.lockWaitMs} ms`];
    console.log(`\nledger write path, one tenant, 32 concurrent reserve+settle for ${size.writeSeconds} s\n${formatTable(
      ["settlement", "settled", "per second", "P50 ms", "P99 ms", "lock-wait samples", "lock wait"],
      [row("batched (writeTurn)", writePath), row("one transaction per call", unbatched)],
    )}`);
    if (writePath.perSecond < 1000) console.log(`[bench] write path below 1,000 settled calls per second (${writePath.perSecond})`);
    for (const [label, w] of [["batched", writePath], ["unbatched", unbatched]] as const) {
      if (w.unsettled > 0) failures.push(`write path (${label}): ${w.unsettled} writes did not settle their ledger row`);
    }

    for (const f of failures.slice(0, 20)) console.log(`[bench] MISMATCH ${f}`);
    return {
      data: { size, refused, received: received.length, ...report, failures: failures.slice(0, 100), drained, redelivered, killed, inFlight, swept, bound, writePath, writePathUnbatched: unbatched, turnSeconds },
      failures: failures.length,
    };
  } finally {
    setClaudeClient(undefined);
    await sim.close();
    setPrismaClient(undefined);
    await prisma.$disconnect();
    await owner.end();
    dropOnInterrupt();
    await dropDatabase(TEST_SERVER_URL, name);
  }
}

/** Terminates every app connection to the bench database every 100 ms for `ms`. */
async function runOutage(ownerUrl: string, database: string, ms: number, report: (o: { from: number; to: number }) => void): Promise<void> {
  const killer = new pg.Client({ connectionString: ownerUrl });
  await killer.connect();
  const from = performance.now();
  try {
    while (performance.now() - from < ms) {
      await killer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2", [database, APP_DB_ROLE]);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    report({ from, to: performance.now() });
    await killer.end();
  }
}

/** A second app process running slow turns on the same database, SIGKILLed mid-stream. */
async function runAndKillChild(appUrl: string, simUrl: string, tenants: { tenantId: string; userId: string }[], turns: number): Promise<{ turns: number; afterMs: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "ledger-child.ts")], {
    cwd: ROOT,
    env: { ...process.env, BENCH_APP_URL: appUrl, BENCH_SIM_URL: simUrl, BENCH_TENANTS: JSON.stringify(tenants), BENCH_TURNS: String(turns), SIMULATOR_FAULTS: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let ready = 0;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      ready += (chunk.toString().match(/started/g) ?? []).length;
      if (ready >= turns) resolve();
    });
    child.on("exit", () => reject(new Error("the child exited before it was killed")));
  });
  await new Promise((r) => setTimeout(r, 300)); // streams are mid-way (slow replies)
  const afterMs = Math.round(performance.now() - start);
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  return { turns: ready, afterMs };
}


/**
 * Each tenant is left BOUND_HEADROOM tokens of its quota and sends turns of random length
 * (English and CJK) until the first refusal. Its refused message is then sent by a twin
 * tenant with room to spare: if what it really cost fits in the headroom that was left, the
 * bound refused a request that would have fit.
 */
async function measureBoundPrice(owner: pg.Client, count: number) {
  const words = ["quota", "ledger", "invoice", "margin", "tenant", "report", "東京", "予算", "請求書"];
  const message = (n: number) => Array.from({ length: n }, () => words[Math.floor(Math.random() * words.length)]).join(" ");
  let admitted = 0;
  let wouldHaveFit = 0;
  const headrooms: number[] = [];
  const costs: number[] = [];
  const twin = await signUp({ name: "Twin", email: `twin.${process.pid}@ledger.bench`, password: "long-enough-1", workspaceName: "Twin" });
  await owner.query("UPDATE tenants SET plan_id = 'enterprise' WHERE id = $1", [twin.tenantId]);
  for (let i = 0; i < count; i++) {
    const t = await signUp({ name: `B${i}`, email: `b${i}.${process.pid}@ledger.bench`, password: "long-enough-1", workspaceName: `Bound ${i}` });
    await owner.query("UPDATE tenants SET plan_id = 'enterprise' WHERE id = $1", [t.tenantId]);
    await owner.query(
      "INSERT INTO quota_usage (tenant_id, period, used_tokens) SELECT $1, tenant_quota_period($1, now()), p.monthly_token_quota - $2 FROM plans p WHERE p.id = 'enterprise'",
      [t.tenantId, BOUND_HEADROOM],
    );
    for (;;) {
      const text = message(5 + Math.floor(Math.random() * 400));
      try {
        await drainBody(await startChatTurn({ ...t, planId: "enterprise" }, { message: text }, new AbortController().signal, { limiter: unlimited }));
        admitted++;
      } catch {
        await owner.query("SELECT fold_quota($1, NULL)", [t.tenantId]);
        const [q] = (await owner.query<{ left: string }>("SELECT p.monthly_token_quota - q.used_tokens - q.reserved_tokens AS left FROM quota_usage q, plans p WHERE q.tenant_id = $1 AND p.id = 'enterprise'", [t.tenantId])).rows;
        const before = Number((await owner.query<{ n: string }>("SELECT coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0) AS n FROM usage_events WHERE tenant_id = $1", [twin.tenantId])).rows[0]!.n);
        await drainBody(await startChatTurn({ ...twin, planId: "enterprise" }, { message: text }, new AbortController().signal, { limiter: unlimited }));
        const after = Number((await owner.query<{ n: string }>("SELECT coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0) AS n FROM usage_events WHERE tenant_id = $1", [twin.tenantId])).rows[0]!.n);
        const left = Number(q!.left);
        headrooms.push(left);
        costs.push(after - before);
        if (after - before <= left) wouldHaveFit++;
        break;
      }
    }
  }
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  return { tenants: count, admitted, wouldHaveFit, meanHeadroom: mean(headrooms), meanRefusedCost: mean(costs) };
}

/**
 * The write path for one tenant: `concurrency` callers each reserving a request and settling
 * it, for `seconds` after a warm-up, through `settle` (writeTurn: the turn's own path, where a tenant's
 * concurrent settlements share a transaction; or one transaction per settlement, for
 * comparison). A sampler reads pg_stat_activity every 10 ms: the share of samples in which a
 * backend of the bench database waited on a heavyweight lock (a row, a transaction, an
 * advisory lock), and the lock-wait time that implies (waiting backends × time between
 * samples, summed).
 */
async function measureWritePath(
  t: { tenantId: string; userId: string },
  seconds: number,
  ownerUrl: string,
  database: string,
  settle: (write: TurnWrite) => Promise<TurnWriteResult>,
  concurrency = 32,
  warmupSeconds = 1,
) {
  // The first second is not counted: the pool opens its connections and each new backend
  // plans its statements (as the chat-path bench's warm-up requests).
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  const sampler = new pg.Client({ connectionString: ownerUrl });
  await sampler.connect();
  let samples = 0;
  let lockWaitSamples = 0;
  let lockWaitMs = 0;
  let sampling = true;
  const sampling$ = (async () => {
    let previous = performance.now();
    while (sampling) {
      const r = await sampler.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database]);
      const now = performance.now();
      const waiting = Number(r.rows[0]!.n);
      if (now >= measureFrom && now <= end) {
        samples++;
        if (waiting > 0) {
          lockWaitSamples++;
          lockWaitMs += waiting * (now - previous);
        }
      }
      previous = now;
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  const latencies: number[] = [];
  let n = 0;
  let unsettled = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const id = `wp_${process.pid}_${Date.now().toString(36)}_${n++}`;
      const at = performance.now();
      await reserveRequest({ tenantId: t.tenantId, requestId: id, userId: t.userId, conversationId: null, requestType: "chat", model: MODEL, estimatedInputTokens: 10, maxTokens: 10, reserveTokens: 40, quota: 1e15, at: new Date() });
      const event = buildUsageEvent(
        { usage: { inputTokens: 10, outputTokens: 10, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, latencyMs: 5, ttftMs: 1, status: "completed", errorType: undefined, estimated: false },
        { tenantId: t.tenantId, requestId: id, userId: t.userId, requestType: "chat", model: MODEL },
        { id: null, model: MODEL, effectiveFrom: null, priceMissing: false, inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 5_000_000n, cacheWrite5mMicrosPerMTok: 0n, cacheWrite1hMicrosPerMTok: 0n, cacheReadMicrosPerMTok: 0n },
      );
      const result = await settle({ tenantId: t.tenantId, userId: t.userId, messages: null, events: [event] });
      if (result.settled.length !== 1) unsettled++;
      if (at >= measureFrom) latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Calls started in the window, over the time until the last of them ended.
  const elapsed = (performance.now() - measureFrom) / 1000;
  sampling = false;
  await sampling$;
  await sampler.end();
  latencies.sort((a, b) => a - b);
  return {
    settled: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
    p50: round2(percentile(latencies, 50)),
    p99: round2(percentile(latencies, 99)),
    samples,
    lockWaitSamples,
    lockWaitMs: Math.round(lockWaitMs),
    /** Writes that did not settle their row (must be 0). */
    unsettled,
  };
}

export const ledger: Scenario = {
  name: "ledger",
  description: "reconciliation of the ledger with the upstream under aborts, faults, an outage, duplicates and a SIGKILL; the write path's throughput for one tenant",
  run: (options) => run(options),
};
