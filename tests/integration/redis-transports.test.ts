import { createHash, randomUUID } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, createRedis } from "@/lib/redis/client";
import type { RedisTransport, RedisTransportKind } from "@/lib/redis/transport";
import { startUpstashRestServer, type UpstashRestServer } from "@/tests/helpers/upstash-rest-server";

/**
 * One suite, three transports: the SDK's HTTP client against a local Upstash REST
 * server, the custom requester over TCP Redis (7.0 here: no `#!lua flags`), and the
 * custom requester over the embedded ioredis-mock store.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const RUN = `bh-test:redis:${randomUUID()}`;
const TOKEN = `token-${randomUUID()}`;

let rest: UpstashRestServer;
let admin: IORedis;

beforeAll(async () => {
  rest = await startUpstashRestServer({ token: TOKEN, redisUrl: REDIS_URL });
  admin = new IORedis(REDIS_URL);
});

afterAll(async () => {
  await rest.close();
  const keys: string[] = [];
  for await (const batch of admin.scanStream({ match: `${RUN}:*`, count: 500 })) {
    keys.push(...(batch as string[]));
  }
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

const transports: { kind: RedisTransportKind; transport: () => RedisTransport }[] = [
  { kind: "upstash-rest", transport: () => ({ kind: "upstash-rest", url: rest.url, token: TOKEN }) },
  { kind: "redis-tcp", transport: () => ({ kind: "redis-tcp", url: REDIS_URL }) },
  { kind: "memory", transport: () => ({ kind: "memory" }) },
];

/** A `#!lua flags` script no Redis has seen before: a fresh hash for every run. */
function flaggedScript(): { script: string; sha: string } {
  const script = `#!lua flags=allow-key-locking\n-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1], tonumber(ARGV[2]) * 2}`;
  return { script, sha: createHash("sha1").update(script).digest("hex") };
}

describe.each(transports)("Redis transport: $kind", ({ kind, transport }) => {
  const prefix = `${RUN}:${kind}`;
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(transport());
  });
  afterAll(async () => {
    await closeRedis(redis);
  });

  it("round-trips strings, numbers, JSON values and nil", async () => {
    // Values that break when base64 handling is wrong: "abcd" and "T0s=" are valid
    // base64 themselves, "OK" is special-cased by the SDK's decoder.
    const values = ["héllo ✓ 🚀", "abcd", "T0s=", "OK", "line\nbreak"];
    for (const [i, value] of values.entries()) {
      await redis.set(`${prefix}:s${i}`, value);
    }
    await redis.set(`${prefix}:n`, 42);
    await redis.set(`${prefix}:j`, { a: 1, b: ["x"] });

    const read = await Promise.all(values.map((_, i) => redis.get<string>(`${prefix}:s${i}`)));
    expect(read).toEqual(values);
    expect(await redis.get(`${prefix}:n`)).toBe(42);
    expect(await redis.get(`${prefix}:j`)).toEqual({ a: 1, b: ["x"] });
    expect(await redis.get(`${prefix}:missing`)).toBeNull();
    expect(await redis.mget(`${prefix}:s0`, `${prefix}:missing`)).toEqual([values[0], null]);
  });

  it("increments and expires", async () => {
    expect(await redis.incr(`${prefix}:counter`)).toBe(1);
    expect(await redis.incrby(`${prefix}:counter`, 4)).toBe(5);
    expect(await redis.ttl(`${prefix}:counter`)).toBe(-1);
    expect(await redis.expire(`${prefix}:counter`, 100)).toBe(1);
    const ttl = await redis.ttl(`${prefix}:counter`);
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.expire(`${prefix}:never-set`, 100)).toBe(0);
  });

  it("runs a pipeline, one reply per command, hashes included", async () => {
    const pipeline = redis.pipeline();
    pipeline.set(`${prefix}:p`, "v");
    pipeline.get(`${prefix}:p`);
    pipeline.hset(`${prefix}:h`, { field: "value", n: 7 });
    pipeline.hgetall(`${prefix}:h`);
    pipeline.get(`${prefix}:p-missing`);
    pipeline.incr(`${prefix}:p`);
    const replies = await pipeline.exec({ keepErrors: true });
    expect(replies.map((r) => r.result)).toEqual(["OK", "v", 2, { field: "value", n: 7 }, null, undefined]);
    expect(replies[5]?.error).toMatch(/not an integer/);
  });

  it("runs multi-exec atomically in order", async () => {
    const tx = redis.multi();
    tx.set(`${prefix}:m`, 10);
    tx.incrby(`${prefix}:m`, 5);
    tx.get(`${prefix}:m`);
    tx.del(`${prefix}:m`);
    tx.get(`${prefix}:m`);
    expect(await tx.exec()).toEqual(["OK", 15, 15, 1, null]);
  });

  it("returns EVAL results with nested arrays and nil, shebang and all", async () => {
    const result = await redis.eval(
      "#!lua flags=allow-key-locking\nreturn {KEYS[1], ARGV[1], 42, false, {7, 'nested', false}, redis.call('GET', KEYS[1])}",
      [`${prefix}:e`],
      ["arg"],
    );
    expect(result).toEqual([`${prefix}:e`, "arg", 42, null, [7, "nested", null], null]);
  });

  it("answers NOSCRIPT for an unknown flagged hash, then EVALSHA works once EVAL saw it", async () => {
    const { script, sha } = flaggedScript();
    await expect(redis.evalsha(sha, [`${prefix}:x`], ["a", 3])).rejects.toThrow(/NOSCRIPT/);
    expect(await redis.eval(script, [`${prefix}:x`], ["a", 3])).toEqual([`${prefix}:x`, "a", 6]);
    expect(await redis.evalsha(sha, [`${prefix}:y`], ["b", 5])).toEqual([`${prefix}:y`, "b", 10]);
  });

  it("admits exactly the limit out of a concurrent burst (sliding window)", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(10, "1 d"),
      prefix: `${prefix}:burst`,
      ephemeralCache: false,
    });
    const results = await Promise.all(Array.from({ length: 25 }, () => limiter.limit("client")));
    expect(results.filter((r) => r.success)).toHaveLength(10);
    expect(results.some((r) => r.reason === "timeout")).toBe(false);
    const remaining = results.filter((r) => r.success).map((r) => r.remaining);
    expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("consumes `rate` units per call", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(100, "1 d"),
      prefix: `${prefix}:rate`,
      ephemeralCache: false,
    });
    const first = await limiter.limit("tenant", { rate: 30 });
    const second = await limiter.limit("tenant", { rate: 45 });
    const third = await limiter.limit("tenant", { rate: 30 });
    expect([first.success, first.remaining]).toEqual([true, 70]);
    expect([second.success, second.remaining]).toEqual([true, 25]);
    expect(third.success).toBe(false);
    const exact = await limiter.limit("other-tenant", { rate: 100 });
    expect([exact.success, exact.remaining]).toEqual([true, 0]);
  });

  it("serves repeated limit() calls from EVALSHA without falling back to EVAL", async () => {
    const observed = createRedis(transport());
    // Outcome of every command sent; the HTTP client auto-pipelines, so a request may
    // carry several commands and its reply is then an array.
    const calls: string[] = [];
    const record = (body: unknown, reply: unknown): void => {
      const commands = Array.isArray(body) && Array.isArray(body[0]) ? body : [body];
      const replies: unknown[] = Array.isArray(reply) ? reply : [reply];
      commands.forEach((command, i) => {
        const name = Array.isArray(command) ? String(command[0]).toLowerCase() : "?";
        const item = replies[i];
        const failed = item === undefined || (typeof item === "object" && item !== null && "error" in item && item.error !== undefined);
        calls.push(`${name}:${failed ? "error" : "ok"}`);
      });
    };
    observed.use(async (req, next) => {
      try {
        const reply = await next(req);
        record(req.body, reply);
        return reply;
      } catch (error) {
        record(req.body, undefined);
        throw error;
      }
    });
    try {
      const limiter = new Ratelimit({
        redis: observed,
        limiter: Ratelimit.slidingWindow(5, "1 d"),
        prefix: `${prefix}:sha`,
        ephemeralCache: false,
      });
      const first = await limiter.limit("client");
      calls.length = 0;
      const second = await limiter.limit("client");
      expect([first.remaining, second.remaining]).toEqual([4, 3]);
      expect(calls).toEqual(["evalsha:ok"]);
    } finally {
      await closeRedis(observed);
    }
  });
});

describe("local Upstash REST server", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(rest.url, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("base64-encodes results only when asked, like Upstash", async () => {
    const encoded = await post(["ECHO", "héllo"], { "upstash-encoding": "base64" });
    const plain = await post(["ECHO", "héllo"]);
    expect(await encoded.json()).toEqual({ result: Buffer.from("héllo").toString("base64") });
    expect(await plain.json()).toEqual({ result: "héllo" });
  });

  it("refuses a wrong token", async () => {
    const wrong = createRedis({ kind: "upstash-rest", url: rest.url, token: "wrong" });
    await expect(wrong.get(`${RUN}:any`)).rejects.toThrow(/Unauthorized/);
    await closeRedis(wrong);
  });

  it("reports command errors with HTTP 400", async () => {
    const response = await post(["NOSUCHCOMMAND"]);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/unknown command/i) });
  });
});

describe("a TCP client made by one copy of lib/redis/client", () => {
  // `npm start` loads lib/ twice (Next's bundle and the lean doors' tsx copy, scripts/serve.mjs):
  // the copy that did not make the client must still find its TCP connection, or the data
  // plane's one-trip admission (lib/limits/api-admission.ts) silently takes the slow path.
  it("is known as a TCP client, and closed, by another copy of the module", async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    const other = await import("@/lib/redis/client");
    expect(other.createRedis).not.toBe(createRedis); // a second copy of the module, as in production
    const redis = createRedis({ kind: "redis-tcp", url: REDIS_URL });
    const client = other.tcpClientOf(redis);
    expect(client).toBeInstanceOf(IORedis);
    expect(await client!.ping()).toBe("PONG");
    const ended = new Promise<void>((resolve) => client!.once("end", () => resolve()));
    await other.closeRedis(redis);
    await ended; // the other copy's closeRedis closed it (the test times out otherwise)
    expect(client!.status).toBe("end");
  });
});
