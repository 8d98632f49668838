import { randomUUID } from "node:crypto";
import type Anthropic from "@anthropic-ai/sdk";
import type { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withStaff, withTenant } from "@/lib/db/scope";
import {
  checkOversubscription,
  createAccountWatch,
  isHeadroomLow,
  parseAccountHeaders,
  type AccountWatch,
  type AlertChange,
} from "@/lib/limits/account-headroom";
import { createClaudeClient } from "@/lib/llm/anthropic-client";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { trackedStream } from "@/lib/llm/tracked-call";
import { closeRedis, createRedis } from "@/lib/redis/client";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

const REDIS_URL = "redis://127.0.0.1:6379";
/** Nothing listens here: "Redis is down". */
const DEAD_REDIS_URL = "redis://127.0.0.1:6399";
const RUN = `bh-test:account:${randomUUID()}`;

let prisma: PrismaClient;
let sim: RunningSimulator;
let claude: Anthropic;
let admin: IORedis;
const opened: Redis[] = [];

function tcpRedis(url = REDIS_URL): Redis {
  const redis = createRedis({ kind: "redis-tcp", url });
  opened.push(redis);
  return redis;
}

/** A watch as one app instance would hold it; the same prefix = the same shared Redis state. */
function newWatch(prefix: string, redis: Redis = tcpRedis()): AccountWatch {
  return createAccountWatch({ redis, keyPrefix: prefix });
}

/** One real upstream call through the tracked wrapper; its account headers. */
async function callClaude(): Promise<Record<string, string>> {
  const result = await trackedStream({
    tenantId: "account-headroom-test",
    requestId: randomUUID(),
    requestType: "background",
    model: "claude-haiku-4-5",
    maxTokens: 8,
    system: "test",
    messages: [{ role: "user", content: "hi" }],
    client: claude,
  });
  expect(result.status).toBe("completed");
  return result.rateLimitHeaders;
}

type AlertRow = { id: string; metric: string; level: number; utilisation: number; limit_value: string; remaining: string; raised_at: Date; cleared_at: Date | null };

function alertRows(): Promise<AlertRow[]> {
  return ownerQuery<AlertRow>("SELECT * FROM account_alerts ORDER BY id");
}

const levels = (changes: AlertChange[]) => changes.map((c) => `${c.metric}:${c.level}`);

beforeAll(async () => {
  prisma = useAppDatabase();
  // 10 requests a minute: each call uses 10 %. Tokens stay far below their limits.
  sim = await startSimulator({ port: 0, limits: { rpm: 10 } });
  claude = createClaudeClient({ baseURL: sim.url });
  admin = new IORedis(REDIS_URL);
});

beforeEach(async () => {
  // account_alerts is account-wide, not per test: start each test from no alerts.
  await ownerQuery("DELETE FROM account_alerts");
  sim.reset();
});

afterAll(async () => {
  await Promise.all(opened.map((redis) => closeRedis(redis)));
  const keys: string[] = [];
  for await (const batch of admin.scanStream({ match: `${RUN}:*`, count: 500 })) keys.push(...(batch as string[]));
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await sim.close();
  await prisma.$disconnect();
});

describe("alerts at 50, 70 and 90 %", () => {
  it("raises each level once, with the values seen, and not again while it holds", async () => {
    const watch = newWatch(`${RUN}:${unique("a")}`);
    const startedAt = new Date(Date.now() - 1000);
    const raisedPerCall: string[][] = [];
    for (let i = 1; i <= 13; i++) {
      const result = await watch.observe(await callClaude());
      expect(result.snapshot?.metrics.requests?.remaining).toBe(Math.max(0, 10 - i));
      expect(result.cleared).toEqual([]);
      raisedPerCall.push(levels(result.raised));
    }
    expect(raisedPerCall).toEqual([
      [], [], [], [], ["requests:50"], [], ["requests:70"], [], ["requests:90"], [], [], [], [],
    ]);

    const rows = await alertRows();
    expect(rows.map((r) => [r.metric, r.level, r.utilisation, Number(r.limit_value), Number(r.remaining), r.cleared_at])).toEqual([
      ["requests", 50, 0.5, 10, 5, null],
      ["requests", 70, 0.7, 10, 3, null],
      ["requests", 90, 0.9, 10, 1, null],
    ]);
    for (const row of rows) {
      expect(row.raised_at.getTime()).toBeGreaterThanOrEqual(startedAt.getTime());
      expect(row.raised_at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    }
  });

  it("clears every level when utilisation drops, and raises it again after that", async () => {
    const watch = newWatch(`${RUN}:${unique("b")}`);
    for (let i = 1; i <= 9; i++) await watch.observe(await callClaude());
    expect((await alertRows()).filter((r) => r.cleared_at === null)).toHaveLength(3);

    sim.reset(); // a new rate window: the next call uses 10 %
    const dropped = await watch.observe(await callClaude());
    expect(levels(dropped.cleared).sort()).toEqual(["requests:50", "requests:70", "requests:90"]);
    expect(dropped.raised).toEqual([]);
    const cleared = await alertRows();
    expect(cleared).toHaveLength(3);
    for (const row of cleared) {
      expect(row.cleared_at).not.toBeNull();
      expect(row.cleared_at!.getTime()).toBeGreaterThanOrEqual(row.raised_at.getTime());
    }
    // Nothing more to clear while it stays low.
    expect((await watch.observe(await callClaude())).cleared).toEqual([]);

    const raisedAgain: string[] = [];
    for (let i = 3; i <= 5; i++) raisedAgain.push(...levels((await watch.observe(await callClaude())).raised));
    expect(raisedAgain).toEqual(["requests:50"]);
    const rows = await alertRows();
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.cleared_at === null).map((r) => [r.level, r.utilisation])).toEqual([[50, 0.5]]);
  });

  it("two instances sharing one Redis insert each alert once and clear it once", async () => {
    const prefix = `${RUN}:${unique("c")}`;
    const a = newWatch(prefix);
    const b = newWatch(prefix, tcpRedis());
    const raised: string[] = [];
    const cleared: string[] = [];
    for (let i = 1; i <= 10; i++) {
      const headers = await callClaude();
      // Both instances see the same account state at the same moment.
      const results = await Promise.all([a.observe(headers), b.observe(headers)]);
      for (const r of results) raised.push(...levels(r.raised));
    }
    expect(raised.sort()).toEqual(["requests:50", "requests:70", "requests:90"]);
    expect(await alertRows()).toHaveLength(3);

    sim.reset();
    const headers = await callClaude();
    for (const r of await Promise.all([a.observe(headers), b.observe(headers)])) cleared.push(...levels(r.cleared));
    expect(cleared.sort()).toEqual(["requests:50", "requests:70", "requests:90"]);
    expect((await alertRows()).every((r) => r.cleared_at !== null)).toBe(true);
  });

  it("without shared Redis state the database still keeps one open alert per level", async () => {
    // Different prefixes: as if each instance had its own Redis, or Redis was wiped.
    const a = newWatch(`${RUN}:${unique("d")}`);
    const b = newWatch(`${RUN}:${unique("d")}`);
    let headers: Record<string, string> = {};
    for (let i = 1; i <= 5; i++) headers = await callClaude();
    const [ra, rb] = await Promise.all([a.observe(headers), b.observe(headers)]);
    expect([...levels(ra.raised), ...levels(rb.raised)]).toEqual(["requests:50"]);
    expect((await alertRows()).map((r) => r.level)).toEqual([50]);
  });

  it("after Redis loses its claims, open alerts come back from the database instead of being raised again", async () => {
    const first = newWatch(`${RUN}:${unique("e")}`);
    let headers: Record<string, string> = {};
    for (let i = 1; i <= 9; i++) {
      headers = await callClaude();
      await first.observe(headers);
    }
    expect(await alertRows()).toHaveLength(3);

    // Still high after the wipe: nothing is raised twice.
    const afterWipe = newWatch(`${RUN}:${unique("e")}`);
    expect((await afterWipe.observe(headers)).raised).toEqual([]);
    expect(await alertRows()).toHaveLength(3);

    // Low as the very first thing another wiped instance sees: it must still know what to clear.
    const lowFirst = newWatch(`${RUN}:${unique("e")}`);
    sim.reset();
    const low = await lowFirst.observe(await callClaude());
    expect(levels(low.cleared).sort()).toEqual(["requests:50", "requests:70", "requests:90"]);
    expect((await alertRows()).every((r) => r.cleared_at !== null)).toBe(true);
  });

  it("with Redis down, observing never throws, alerts still go to the database once, and headroom comes from memory", async () => {
    const watch = newWatch(`${RUN}:${unique("f")}`, tcpRedis(DEAD_REDIS_URL));
    const raised: string[] = [];
    for (let i = 1; i <= 6; i++) raised.push(...levels((await watch.observe(await callClaude())).raised));
    expect(raised).toEqual(["requests:50"]);
    expect((await alertRows()).map((r) => r.level)).toEqual([50]);

    const headroom = await watch.getHeadroom();
    expect(headroom?.source).toBe("memory");
    expect(headroom?.metrics.requests?.remaining).toBe(4);
    expect(headroom?.headroom).toBeCloseTo(0.4, 12);
  });
});

describe("headroom", () => {
  it("is shared through Redis: another instance reads the latest snapshot", async () => {
    const prefix = `${RUN}:${unique("g")}`;
    const writer = newWatch(prefix);
    const reader = newWatch(prefix);
    expect(await reader.getHeadroom()).toBeNull();

    for (let i = 1; i <= 9; i++) await writer.observe(await callClaude());
    const seen = await reader.getHeadroom();
    expect(seen?.source).toBe("redis");
    expect(seen?.metrics.requests).toMatchObject({ limit: 10, remaining: 1 });
    expect(seen?.headroom).toBeCloseTo(0.1, 12);
    expect(isHeadroomLow(seen ?? null)).toBe(true);

    const ttl = await admin.ttl(`${prefix}:snapshot`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it("shares a snapshot at most once per interval while no level is crossed, and at once when one is", async () => {
    const prefix = `${RUN}:${unique("t")}`;
    const writer = createAccountWatch({ redis: tcpRedis(), keyPrefix: prefix, shareIntervalMs: 60_000 });
    const reader = newWatch(prefix);
    for (let i = 1; i <= 3; i++) await writer.observe(await callClaude());
    // The first observation was shared; the next two (10 % → 30 %, no level crossed) were not.
    expect((await reader.getHeadroom())?.metrics.requests).toMatchObject({ limit: 10, remaining: 9 });
    expect((await writer.getHeadroom())?.metrics.requests).toMatchObject({ remaining: 7 }); // its own memory is current
    await writer.observe(await callClaude());
    const crossed = await writer.observe(await callClaude()); // 50 %: raises an alert, so shared now
    expect(levels(crossed.raised)).toEqual(["requests:50"]);
    expect((await reader.getHeadroom())?.metrics.requests).toMatchObject({ remaining: 5 });
  });

  it("is not low with room left", async () => {
    const watch = newWatch(`${RUN}:${unique("h")}`);
    for (let i = 1; i <= 3; i++) await watch.observe(await callClaude());
    const headroom = await watch.getHeadroom();
    expect(headroom?.headroom).toBeCloseTo(0.7, 12);
    expect(isHeadroomLow(headroom ?? null)).toBe(false);
  });
});

describe("checkOversubscription", () => {
  type Sum = { rpm: string; tpm: string; n: string };
  const othersSum = async (mine: string[]) =>
    (
      await ownerQuery<Sum>(
        "SELECT count(*) AS n, COALESCE(sum(p.requests_per_minute), 0) AS rpm, COALESCE(sum(p.tokens_per_minute), 0) AS tpm FROM tenants t JOIN plans p ON p.id = t.plan_id WHERE t.id <> ALL($1::uuid[])",
        [mine],
      )
    )[0]!;

  it("sums every tenant's plan against the account's limits", async () => {
    const password = "correct-horse-9";
    const mine: string[] = [];
    for (const planId of ["free", "free", "professional", "enterprise"]) {
      const t = await signUp({ name: "Ops", email: `${unique("over")}@o.test`, password, workspaceName: "Over Co" }, { planId });
      mine.push(t.tenantId);
    }
    // A plan change by staff is counted too: the second free tenant becomes starter.
    await withStaff(randomUUID(), (tx) => tx.tenant.update({ where: { id: mine[1]! }, data: { planId: "starter" } }));
    // By hand from 0001_init's plans: free 10/10,000, starter 60/100,000,
    // professional 300/500,000, enterprise 1,000/2,000,000.
    const myRpm = 10 + 60 + 300 + 1000;
    const myTpm = 10_000 + 100_000 + 500_000 + 2_000_000;

    const snapshot = parseAccountHeaders(await callClaude());
    // Other test files create tenants concurrently: accept only a reading during which
    // nobody else's tenants changed.
    for (let attempt = 0; ; attempt++) {
      const before = await othersSum(mine);
      const result = await checkOversubscription({ snapshot });
      const after = await othersSum(mine);
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
      expect(result).toEqual({
        tenants: mine.length + Number(before.n),
        sumRpm: myRpm + Number(before.rpm),
        sumTpm: myTpm + Number(before.tpm),
        accountRpm: 10,
        accountTpm: 2_000_000,
        rpmRatio: (myRpm + Number(before.rpm)) / 10,
        tpmRatio: (myTpm + Number(before.tpm)) / 2_000_000,
      });
      break;
    }
  });

  it("reports unknown account limits as null", async () => {
    const result = await checkOversubscription({ snapshot: null });
    expect(result.sumRpm).toBeGreaterThan(0);
    expect([result.accountRpm, result.accountTpm, result.rpmRatio, result.tpmRatio]).toEqual([null, null, null, null]);
  });

  it("falls back to input + output limits when no combined token limit is reported", async () => {
    const snapshot = parseAccountHeaders({
      "anthropic-ratelimit-input-tokens-limit": "300",
      "anthropic-ratelimit-input-tokens-remaining": "300",
      "anthropic-ratelimit-output-tokens-limit": "100",
      "anthropic-ratelimit-output-tokens-remaining": "100",
    });
    const result = await checkOversubscription({ snapshot });
    expect(result.accountTpm).toBe(400);
    expect(result.accountRpm).toBeNull();
    expect(result.tpmRatio).toBe(result.sumTpm / 400);
  });
});

describe("account_alerts privileges", () => {
  it("is for staff only: a tenant cannot read it, and staff can only change cleared_at", async () => {
    const t = await signUp({ name: "Ten", email: `${unique("ten")}@t.test`, password: "correct-horse-9", workspaceName: "Ten Co" });
    await expect(withTenant(t, (tx) => tx.accountAlert.findMany())).rejects.toThrow(/permission denied/i);
    await expect(
      withStaff(t.userId, (tx) => tx.$executeRawUnsafe("UPDATE account_alerts SET level = 90")),
    ).rejects.toThrow(/permission denied/i);
    await expect(withStaff(t.userId, (tx) => tx.$executeRawUnsafe("DELETE FROM account_alerts"))).rejects.toThrow(/permission denied/i);
  });
});
