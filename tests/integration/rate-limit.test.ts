import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NamedRateLimitPolicy } from "@/lib/limits/policies";
import { checkLimit, createRateLimiter, rateLimitHeaders, type LimitResult } from "@/lib/limits/rate-limit";
import { closeRedis, createRedis } from "@/lib/redis/client";

const REDIS_URL = "redis://127.0.0.1:6379";
/** Nothing listens here: the "Redis is down" case. */
const DEAD_REDIS_URL = "redis://127.0.0.1:6399";
const RUN = `bh-test:rl:${randomUUID()}`;

const opened: Redis[] = [];
let admin: IORedis;

function tcpRedis(url = REDIS_URL): Redis {
  const redis = createRedis({ kind: "redis-tcp", url });
  opened.push(redis);
  return redis;
}

/**
 * Sliding windows are aligned to the clock: a test that crosses a boundary sees part
 * of its own earlier requests weighted into the new window. Start far enough from one.
 */
async function awayFromWindowEdge(windowMs: number, neededMs = 8_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const MINUTE = 60_000;
/** Fixtures of the limiter itself, not the app's policy table (which may change). */
const PER_ACCOUNT = { name: "testFivePerMinute", limit: 5, window: "1 m" } as const satisfies NamedRateLimitPolicy;
const PER_ADDRESS = { name: "testTwentyPerMinute", limit: 20, window: "1 m" } as const satisfies NamedRateLimitPolicy;

beforeAll(() => {
  admin = new IORedis(REDIS_URL);
});

afterAll(async () => {
  await Promise.all(opened.map((redis) => closeRedis(redis)));
  const keys: string[] = [];
  for (const match of [`${RUN}:*`, `bh:rl:*${RUN}*`]) {
    for await (const batch of admin.scanStream({ match, count: 500 })) keys.push(...(batch as string[]));
  }
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describe("checkLimit on a shared Redis", () => {
  it("admits a 5-per-minute policy up to its limit, then refuses with a retry time", async () => {
    await awayFromWindowEdge(MINUTE);
    const limiter = createRateLimiter({ redis: tcpRedis(), prefix: RUN });
    const results: LimitResult[] = [];
    const limit = PER_ACCOUNT.limit;
    for (let i = 0; i < limit + 2; i++) results.push(await limiter.checkLimit(PER_ACCOUNT, "a@example.com"));

    expect(results.map((r) => r.ok)).toEqual([...Array<boolean>(limit).fill(true), false, false]);
    expect(results.map((r) => r.remaining)).toEqual([...Array.from({ length: limit }, (_, i) => limit - 1 - i), 0, 0]);
    for (const r of results) {
      expect(r).toMatchObject({ limit, policy: PER_ACCOUNT.name, degraded: false });
      expect(r.resetAt).toBeGreaterThan(Date.now());
      expect(r.resetAt).toBeLessThanOrEqual(Date.now() + MINUTE);
    }
    const refused = results[limit];
    expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused?.retryAfterSeconds).toBe(Math.ceil(((refused?.resetAt ?? 0) - Date.now()) / 1000));
    expect(results[0]?.retryAfterSeconds).toBe(0);
  });

  it("counts each identifier and each policy separately", async () => {
    await awayFromWindowEdge(MINUTE);
    const limiter = createRateLimiter({ redis: tcpRedis(), prefix: RUN });
    for (let i = 0; i < 5; i++) await limiter.checkLimit(PER_ACCOUNT, "b@example.com");
    const sameEmail = await limiter.checkLimit(PER_ACCOUNT, "b@example.com");
    const otherEmail = await limiter.checkLimit(PER_ACCOUNT, "c@example.com");
    const otherPolicy = await limiter.checkLimit(PER_ADDRESS, "b@example.com");
    expect(sameEmail.ok).toBe(false);
    expect([otherEmail.ok, otherEmail.remaining]).toEqual([true, 4]);
    expect([otherPolicy.ok, otherPolicy.remaining, otherPolicy.limit]).toEqual([true, 19, 20]);
  });

  it("the app-wide checkLimit answers from the configured store", async () => {
    const ip = `203.0.113.7-${RUN}`;
    const first = await checkLimit("signUpByIp", ip);
    const second = await checkLimit("signUpByIp", ip);
    expect(first).toMatchObject({ ok: true, limit: 10, remaining: 9, policy: "signUpByIp", degraded: false });
    expect(second.remaining).toBe(8);
  });

  it("limitTokens consumes the given number of units", async () => {
    const policy: NamedRateLimitPolicy = { name: "tokensTest", limit: 1_000, window: "1 d" };
    const limiter = createRateLimiter({ redis: tcpRedis(), prefix: RUN });
    const a = await limiter.limitTokens(policy, "tenant-1", 400);
    const b = await limiter.limitTokens(policy, "tenant-1", 600);
    const c = await limiter.limitTokens(policy, "tenant-1", 1);
    expect([a.ok, a.remaining]).toEqual([true, 600]);
    expect([b.ok, b.remaining]).toEqual([true, 0]);
    expect(c).toMatchObject({ ok: false, remaining: 0, policy: "tokensTest" });
  });

  it("two limiters with their own connections (two processes) admit exactly the limit together", async () => {
    const policy: NamedRateLimitPolicy = { name: "burstTest", limit: 10, window: "1 d" };
    const processA = createRateLimiter({ redis: tcpRedis(), prefix: RUN });
    const processB = createRateLimiter({ redis: tcpRedis(), prefix: RUN });
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? processA : processB).checkLimit(policy, "shared-client")),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.every((r) => !r.degraded)).toBe(true);
    // Both processes took part in admitting and refusing.
    const admittedBy = (even: boolean) => results.filter((r, i) => r.ok && (i % 2 === 0) === even).length;
    expect(admittedBy(true) + admittedBy(false)).toBe(10);
    expect(results.filter((r, i) => !r.ok && i % 2 === 1).length).toBeGreaterThan(0);
  });
});

describe("rateLimitHeaders", () => {
  it("describes an admitted and a refused result", async () => {
    const policy: NamedRateLimitPolicy = { name: "headersTest", limit: 1, window: "1 d" };
    const limiter = createRateLimiter({ redis: tcpRedis(), prefix: RUN });
    const admitted = await limiter.checkLimit(policy, "h");
    const refused = await limiter.checkLimit(policy, "h");

    expect(rateLimitHeaders(admitted)).toEqual({
      "X-RateLimit-Limit": "1",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String(Math.ceil(admitted.resetAt / 1000)),
    });
    expect(refused.ok).toBe(false);
    expect(rateLimitHeaders(refused)).toEqual({
      "X-RateLimit-Limit": "1",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String(Math.ceil(refused.resetAt / 1000)),
      "Retry-After": String(refused.retryAfterSeconds),
    });
    // The window is one day, aligned to UTC midnight.
    expect(Number(rateLimitHeaders(refused)["X-RateLimit-Reset"]) % 86_400).toBe(0);
  });
});

describe("when Redis is unavailable", () => {
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers: the SDK's timeout path.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it.each([
    ["refused connection", () => DEAD_REDIS_URL],
    ["no answer", () => silentUrl],
  ])("falls back to per-process limits, marked degraded (%s)", async (label, url) => {
    await awayFromWindowEdge(MINUTE);
    const limiter = createRateLimiter({ redis: tcpRedis(url()), prefix: `${RUN}:${label}`, timeoutMs: 300 });
    const limit = PER_ACCOUNT.limit;
    const results: LimitResult[] = [];
    for (let i = 0; i < limit + 2; i++) results.push(await limiter.checkLimit(PER_ACCOUNT, "victim@example.com"));

    expect(results.every((r) => r.degraded)).toBe(true);
    expect(results.map((r) => r.ok)).toEqual([...Array<boolean>(limit).fill(true), false, false]);
    expect(results[limit]?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another account is not locked out by the fallback.
    const other = await limiter.checkLimit(PER_ACCOUNT, "someone-else@example.com");
    expect([other.ok, other.degraded]).toEqual([true, true]);
  });
});
