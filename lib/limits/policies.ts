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
  /**
   * Sign-in attempts of any outcome from one address: only a bound on scrypt work per
   * client (a right password costs as much as a wrong one). Generous, because many
   * people may share a NAT.
   */
  signInByIp: { limit: 60, window: "1 m" },
  /*
   * Password guessing is limited by failures, not attempts (lib/auth/failure-backoff.ts):
   * a right password only ever has to get past the failures of its own address, so
   * someone guessing wrong elsewhere cannot lock its owner out.
   */
  /** Wrong passwords for one account from one address. */
  signInFailuresByEmailAndIp: { limit: 5, window: "15 m" },
  /** Wrong passwords from one address across accounts: password spraying. */
  signInFailuresByIp: { limit: 30, window: "15 m" },
  /** Wrong current passwords on the password-change form, per user (a stolen session guessing). */
  passwordChangeFailuresByUser: { limit: 5, window: "15 m" },
  /** Password-reset mails for one address (each request sends mail). */
  passwordResetByEmail: { limit: 3, window: "1 h" },
  /** Password-reset requests from one client address, across emails. */
  passwordResetByIp: { limit: 10, window: "1 h" },
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
 * Upstream calls one tenant may have in flight at once, per process, by plan id
 * (lib/llm/scheduler.ts; interactive and background together). A tenant over its cap waits
 * in its own queue while other tenants' calls go ahead, so one tenant's long generations
 * cannot take all of the process's interactive slots (1,024, lib/llm/scheduler.ts).
 *
 * Sized for the tenant API (issue 11), where a tenant's product holds many streams open at
 * once: the caps grow with the plan's requests/min, and the largest is a sixteenth of the
 * pool, so one tenant can never crowd out the others (bench fair-capacity); a thousand open
 * streams on one instance come from many tenants (bench api-streams).
 *
 * In code rather than a `plans` column: the cap is a share of this process's scheduler
 * pool, which is code configuration too, and changing one is a deploy, not a price change.
 * Plans not listed (a plan added by a later migration) get the free plan's cap until given one.
 */
export const IN_FLIGHT_CAPS = {
  free: 4,
  starter: 16,
  professional: 32,
  enterprise: 64,
} as const satisfies Record<string, number>;

export function inFlightCapForPlan(planId: string): number {
  return Object.hasOwn(IN_FLIGHT_CAPS, planId) ? IN_FLIGHT_CAPS[planId as keyof typeof IN_FLIGHT_CAPS] : IN_FLIGHT_CAPS.free;
}
