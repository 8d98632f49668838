import type { Duration } from "@upstash/ratelimit";

/**
 * Rate-limit policies as data. Every policy is a sliding window: a fixed window lets a
 * client spend twice the limit across a window boundary, which matters for
 * brute-force protection.
 */
export type RateLimitPolicy = {
  /** Units admitted per window (requests, or tokens for `limitTokens`). */
  readonly limit: number;
  readonly window: Duration;
};

/** A policy with its name: the name is part of the Redis key and shown in 429 responses. */
export type NamedRateLimitPolicy = RateLimitPolicy & { readonly name: string };

export const RATE_LIMIT_POLICIES = {
  /** Sign-in attempts from one IP address (many users may share a NAT). */
  signInByIp: { limit: 20, window: "1 m" },
  /** Sign-in attempts against one account, whatever the IP: password guessing. */
  signInByEmail: { limit: 5, window: "1 m" },
  /** Accounts created from one IP address. */
  signUpByIp: { limit: 10, window: "1 h" },
} as const satisfies Record<string, RateLimitPolicy>;

export type PolicyName = keyof typeof RATE_LIMIT_POLICIES;

/** A table policy by name, or an ad-hoc one (per-plan limits are built from the plan row). */
export type PolicyRef = PolicyName | NamedRateLimitPolicy;

export function resolvePolicy(ref: PolicyRef): NamedRateLimitPolicy {
  return typeof ref === "string" ? { name: ref, ...RATE_LIMIT_POLICIES[ref] } : ref;
}

/**
 * Per-plan limits (filled from the Plan table by a later change): requests and tokens
 * per minute for the whole tenant, and the share of those one user may take so that a
 * single user cannot starve the rest of the tenant.
 */
export type PlanLimits = {
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
  /** 1–100: percentage of the tenant's per-minute budget one user may consume. */
  readonly userSharePct: number;
};
