import { checkLimit, defaultRateLimiter } from "@/lib/limits/rate-limit";
import type { PolicyName } from "@/lib/limits/policies";

/**
 * Lockout that counts failures, not attempts. Before checking a secret, each counter is
 * only read (no unit spent); a unit is spent only when the secret turns out wrong. So a
 * client that keeps getting its password right is never slowed down, and the counters
 * that can refuse a request are keyed by something the requester is (its address, or
 * its address and the account): one client's wrong guesses cannot refuse another's
 * right password.
 */
export interface FailureCounter {
  policy: PolicyName;
  id: string;
}

/** Seconds until the most exhausted counter has room again, or 0 when none is exhausted. */
export async function failureBackoffSeconds(counters: readonly FailureCounter[], now = Date.now()): Promise<number> {
  const limiter = defaultRateLimiter();
  const states = await Promise.all(counters.map((c) => limiter.remaining(c.policy, c.id)));
  const waits = states.filter((s) => s.remaining <= 0).map((s) => Math.max(1, Math.ceil((s.resetAt - now) / 1000)));
  return waits.length ? Math.max(...waits) : 0;
}

/** Spends one unit of every counter: called only after a wrong secret. */
export async function recordFailure(counters: readonly FailureCounter[]): Promise<void> {
  await Promise.all(counters.map((c) => checkLimit(c.policy, c.id)));
}
