import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { createRateLimiter, type RateLimiter } from "@/lib/limits/rate-limit";
import { closeRedis, createRedis } from "@/lib/redis/client";
import type { Plan } from "@/lib/tenancy/plans";

export const REDIS_URL = "redis://127.0.0.1:6379";
/** Nothing listens here: "Redis is down". */
export const DEAD_REDIS_URL = "redis://127.0.0.1:6399";

/**
 * Sliding windows are aligned to the clock: a burst that crosses a boundary sees part of
 * itself weighted into the next window. Start far enough from one.
 */
export async function awayFromWindowEdge(windowMs = 60_000, neededMs = 10_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** A limiter on the real Redis with a key prefix of its own, and its cleanup. */
export function isolatedLimiter(prefix = `bh-test:${randomUUID()}`, url = REDIS_URL, timeoutMs?: number): { limiter: RateLimiter; redis: Redis; prefix: string; close: () => Promise<void> } {
  const redis = createRedis({ kind: "redis-tcp", url });
  return { limiter: createRateLimiter({ redis, prefix, timeoutMs }), redis, prefix, close: () => closeRedis(redis) };
}

export function testPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    id: "starter",
    name: "Starter",
    requestsPerMinute: 60,
    tokensPerMinute: 100_000,
    monthlyTokenQuota: 20_000_000,
    monthlyPriceMicros: 49_000_000n,
    userSharePct: 50,
    maxTokensCap: 2048,
    allowedTiers: ["economy", "standard"],
    ...overrides,
  };
}
