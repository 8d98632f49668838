import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { Redis as IORedis } from "ioredis";
import { createRedis, getRedis, tcpClientOf } from "@/lib/redis/client";
import { resolvePolicy, type NamedRateLimitPolicy, type PolicyRef } from "./policies";

export type LimitResult = {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms at which the current window ends. */
  resetAt: number;
  /** 0 when ok. */
  retryAfterSeconds: number;
  policy: string;
  /** Redis did not answer in time (or failed): the per-process fallback decided. */
  degraded: boolean;
};

export type RateLimiter = {
  checkLimit(policy: PolicyRef, identifier: string): Promise<LimitResult>;
  /** Consumes `tokens` units (at least 1) of a token-per-window policy. */
  limitTokens(policy: PolicyRef, identifier: string, tokens: number): Promise<LimitResult>;
  /** Gives back `tokens` units (an over-estimate, a refused request's charge). */
  refundTokens(policy: PolicyRef, identifier: string, tokens: number): Promise<void>;
  /** Units left in the window, without consuming any. */
  remaining(policy: PolicyRef, identifier: string): Promise<{ remaining: number; resetAt: number; degraded: boolean }>;
  /**
   * The store behind this limiter when it is a TCP Redis: its connection, the key prefix and
   * the timeout, for scripts that run several of these windows in one round trip
   * (lib/limits/api-admission.ts) on the same keys. Null for Upstash REST and the in-memory store.
   */
  scriptStore?(): ScriptStore | null;
};

export interface ScriptStore {
  client: IORedis;
  prefix: string;
  timeoutMs: number;
}

/**
 * The Redis key of one window of a sliding-window policy, exactly as @upstash/ratelimit names
 * it (single region: `<prefix>:<policy>` + `:<identifier>:<window index>`).
 */
export function slidingWindowKey(prefix: string, policy: NamedRateLimitPolicy, identifier: string, windowIndex: number): string {
  return `${prefix}:${policy.name}:${identifier}:${windowIndex}`;
}

export type RateLimiterOptions = {
  /** Defaults to the app's client, resolved on first use so that imports never connect. */
  redis?: Redis;
  /** Redis key prefix; keys are `<prefix>:<policy>:<identifier>:<window>`. */
  prefix?: string;
  /** How long to wait for Redis before deciding with the fallback. */
  timeoutMs?: number;
};

const DEFAULT_PREFIX = "bh:rl";
/** The SDK default is 5 s: far too long to hold a sign-in while Redis is down. */
const DEFAULT_TIMEOUT_MS = 1_000;
const WARN_INTERVAL_MS = 30_000;

/*
 * When Redis is unavailable — slower than `timeoutMs` (the SDK then resolves
 * `success: true, reason: "timeout"`) or failing outright — the decision falls back
 * to the same sliding window over a per-process in-memory store, and the result says
 * `degraded: true`. Failing closed would lock every user out during an outage; failing
 * open would remove brute-force protection exactly when nobody is watching. With N
 * instances the effective limit during an outage is up to N × limit, which still bounds
 * guessing. If even the in-memory store fails, the request is admitted (degraded):
 * these functions never throw.
 *
 * The SDK's ephemeral cache is off. It remembers "blocked until the window ends" in
 * one process after one denial, but a sliding window frees capacity before that as the
 * previous window's weight decays, so that process would keep denying what Redis (and
 * every other process) admits; it would also hide refunds made elsewhere. Every
 * decision therefore goes to Redis, one round trip per check.
 */

const fallbackStore: { redis?: Redis; limiters: Map<string, Ratelimit> } = { limiters: new Map() };

function fallbackRedis(): Redis {
  fallbackStore.redis ??= createRedis({ kind: "memory" });
  return fallbackStore.redis;
}

const policyKey = (policy: NamedRateLimitPolicy): string =>
  `${policy.name}|${policy.limit}|${policy.window}`;

function newRatelimit(redis: Redis, prefix: string, policy: NamedRateLimitPolicy, timeout: number): Ratelimit {
  return new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(policy.limit, policy.window),
    prefix: `${prefix}:${policy.name}`,
    ephemeralCache: false,
    timeout,
    analytics: false,
  });
}

let lastWarningAt = 0;

function warnDegraded(policy: NamedRateLimitPolicy, cause: unknown): void {
  const now = Date.now();
  if (now - lastWarningAt < WARN_INTERVAL_MS) return;
  lastWarningAt = now;
  const reason = cause instanceof Error ? cause.message : String(cause);
  console.warn(`[rate-limit] Redis unavailable (${reason}); per-process fallback limits in use (policy ${policy.name})`);
}

type SdkResponse = { success: boolean; limit: number; remaining: number; reset: number };

function toResult(policy: NamedRateLimitPolicy, response: SdkResponse, degraded: boolean): LimitResult {
  const retryAfterSeconds = response.success ? 0 : Math.max(1, Math.ceil((response.reset - Date.now()) / 1000));
  return {
    ok: response.success,
    limit: response.limit,
    remaining: response.remaining,
    resetAt: response.reset,
    retryAfterSeconds,
    policy: policy.name,
    degraded,
  };
}

export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const primaries = new Map<string, Ratelimit>();

  const primaryFor = (policy: NamedRateLimitPolicy): Ratelimit => {
    const key = policyKey(policy);
    let limiter = primaries.get(key);
    if (limiter === undefined) {
      limiter = newRatelimit(options.redis ?? getRedis(), prefix, policy, timeoutMs);
      primaries.set(key, limiter);
    }
    return limiter;
  };

  const fallbackFor = (policy: NamedRateLimitPolicy): Ratelimit => {
    // Shared by every limiter of this process with the same prefix: one process, one count.
    const key = `${prefix}|${policyKey(policy)}`;
    let limiter = fallbackStore.limiters.get(key);
    if (limiter === undefined) {
      // No timeout: the in-memory store cannot stall, and a timeout would admit.
      limiter = newRatelimit(fallbackRedis(), prefix, policy, 0);
      fallbackStore.limiters.set(key, limiter);
    }
    return limiter;
  };

  const decide = async (ref: PolicyRef, identifier: string, rate: number | undefined): Promise<LimitResult> => {
    const policy = resolvePolicy(ref);
    const request = rate === undefined ? undefined : { rate };
    try {
      const response = await primaryFor(policy).limit(identifier, request);
      if (response.reason !== "timeout") return toResult(policy, response, false);
      warnDegraded(policy, `no answer within ${timeoutMs} ms`);
    } catch (error) {
      warnDegraded(policy, error);
    }
    try {
      return toResult(policy, await fallbackFor(policy).limit(identifier, request), true);
    } catch (error) {
      warnDegraded(policy, error);
      const now = Date.now();
      return { ok: true, limit: policy.limit, remaining: 0, resetAt: now, retryAfterSeconds: 0, policy: policy.name, degraded: true };
    }
  };

  let store: ScriptStore | null | undefined;
  return {
    scriptStore: () => {
      if (store !== undefined) return store;
      let redis: Redis;
      try {
        redis = options.redis ?? getRedis();
      } catch {
        return null; // not configured: the SDK path reports it
      }
      const client = tcpClientOf(redis);
      store = client ? { client, prefix, timeoutMs } : null;
      return store;
    },
    checkLimit: (policy, identifier) => decide(policy, identifier, undefined),
    // The SDK's sliding window refuses only when the window is already full; otherwise
    // it records all `tokens` and reports ok: false if that overshoots. So recording
    // the actual usage after an upstream call always counts it, and the next check is
    // refused until the window has room again.
    limitTokens: (policy, identifier, tokens) =>
      decide(policy, identifier, Number.isFinite(tokens) ? Math.max(1, Math.ceil(tokens)) : 1),
    // The sliding-window script skips the limit check for a negative rate and decrements
    // the current window: a refund always lands, even in a full window.
    refundTokens: async (policy, identifier, tokens) => {
      const units = Math.floor(tokens);
      if (!Number.isFinite(units) || units <= 0) return;
      await decide(policy, identifier, -units);
    },
    remaining: async (ref, identifier) => {
      const policy = resolvePolicy(ref);
      try {
        const r = await withTimeout(primaryFor(policy).getRemaining(identifier), timeoutMs);
        return { remaining: r.remaining, resetAt: r.reset, degraded: false };
      } catch (error) {
        warnDegraded(policy, error);
        try {
          const r = await fallbackFor(policy).getRemaining(identifier);
          return { remaining: r.remaining, resetAt: r.reset, degraded: true };
        } catch {
          return { remaining: policy.limit, resetAt: Date.now(), degraded: true };
        }
      }
    },
  };
}

/** The promise, or a rejection after `ms` (none when `ms` is 0 or less, as Upstash's own timeout). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

let defaultLimiter: RateLimiter | undefined;

const app = (): RateLimiter => (defaultLimiter ??= createRateLimiter());

/** The process's limiter on the configured store. */
export function defaultRateLimiter(): RateLimiter {
  return app();
}

export function checkLimit(policy: PolicyRef, identifier: string): Promise<LimitResult> {
  return app().checkLimit(policy, identifier);
}

export function limitTokens(policy: PolicyRef, identifier: string, tokens: number): Promise<LimitResult> {
  return app().limitTokens(policy, identifier, tokens);
}

export function refundTokens(policy: PolicyRef, identifier: string, tokens: number): Promise<void> {
  return app().refundTokens(policy, identifier, tokens);
}

/** Headers for a limited response; `Retry-After` only when the request was refused. */
export function rateLimitHeaders(result: LimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    "X-RateLimit-Limit": String(result.limit),
    "X-RateLimit-Remaining": String(result.remaining),
    "X-RateLimit-Reset": String(Math.ceil(result.resetAt / 1000)),
  };
  if (!result.ok) headers["Retry-After"] = String(result.retryAfterSeconds);
  return headers;
}
