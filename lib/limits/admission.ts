import { AppError } from "@/lib/api/errors";
import type { NamedRateLimitPolicy } from "@/lib/limits/policies";
import { defaultRateLimiter, rateLimitHeaders, type LimitResult, type RateLimiter } from "@/lib/limits/rate-limit";
import type { Plan } from "@/lib/tenancy/plans";

/**
 * Step 4 of the request path: per-tenant requests and tokens per minute, and each user's
 * fair share inside the tenant, all sliding windows in Redis through @upstash/ratelimit.
 *
 * Redis unavailable (the limiter then answers `degraded`, from a per-process fallback):
 * free workspaces fail closed with a 503 (they are the cheapest place to shed load and
 * the likeliest to be abused), paid workspaces go on under the per-process fallback limits
 * (with N instances, up to N × the plan's rate until Redis is back). Never a 500.
 */
export type LimitName = "user_share" | "tenant_requests" | "tenant_tokens" | "monthly_quota";

export interface PlanPolicies {
  tenantRequests: NamedRateLimitPolicy;
  userRequests: NamedRateLimitPolicy;
  tenantTokens: NamedRateLimitPolicy;
}

export const FAIL_CLOSED_PLANS: ReadonlySet<string> = new Set(["free"]);
const DEGRADED_RETRY_AFTER_SECONDS = 30;

export function planPolicies(plan: Plan): PlanPolicies {
  return {
    tenantRequests: { name: "tenant-rpm", limit: plan.requestsPerMinute, window: "1 m" },
    userRequests: { name: "user-rpm", limit: Math.max(1, Math.floor((plan.requestsPerMinute * plan.userSharePct) / 100)), window: "1 m" },
    tenantTokens: { name: "tenant-tpm", limit: plan.tokensPerMinute, window: "1 m" },
  };
}

const MESSAGES: Record<Exclude<LimitName, "monthly_quota">, string> = {
  user_share: "You are sending messages faster than your share of this workspace allows.",
  tenant_requests: "Your workspace has reached its requests-per-minute limit.",
  tenant_tokens: "Your workspace has reached its tokens-per-minute limit.",
};

/** The named 429 of a refused window (also built by the tenant API's one-script admission, lib/limits/api-admission.ts). */
export function limited(name: Exclude<LimitName, "monthly_quota">, result: LimitResult): AppError {
  return new AppError("rate_limited", `${MESSAGES[name]} Try again in ${result.retryAfterSeconds} s.`, {
    headers: rateLimitHeaders(result),
    extra: { limit: name, retryAfterSeconds: result.retryAfterSeconds },
  });
}

function assertStoreHealthy(plan: Plan, degraded: boolean): void {
  if (degraded && FAIL_CLOSED_PLANS.has(plan.id)) {
    throw new AppError("limits_unavailable", "Chat is briefly unavailable on the free plan. Please try again in a moment.", {
      headers: { "Retry-After": String(DEGRADED_RETRY_AFTER_SECONDS) },
      extra: { retryAfterSeconds: DEGRADED_RETRY_AFTER_SECONDS },
    });
  }
}

export interface AdmissionContext {
  tenantId: string;
  userId: string;
  plan: Plan;
  limiter?: RateLimiter;
}

/** Requests per minute: the user's share first, so one user's flood cannot spend the tenant's budget. */
export async function admitRequest(ctx: AdmissionContext): Promise<LimitResult> {
  await checkUserShare(ctx);
  return admitTenantRequests(ctx);
}

export interface TokenCharge {
  tenantId: string;
  plan: Plan;
  charged: number;
}

/**
 * Tokens per minute, charged with the estimate before the call. The SDK's sliding window
 * records a charge whenever the window is not yet full (and then reports the overshoot
 * as a refusal, indistinguishable from a refusal that recorded nothing), so admission
 * first reads what is left: a request is admitted only if its estimate fits, then charged.
 * Two requests racing for the last room can both pass the read; the window then
 * overshoots by at most one estimate, and the correction after the call settles it.
 */
export async function chargeTokens(ctx: AdmissionContext, estimate: number): Promise<TokenCharge> {
  await checkTokenRoom(ctx, estimate);
  return chargeAdmittedTokens(ctx, estimate);
}

/**
 * The same limits as admitRequest + chargeTokens, as single checks a pipeline can send beside
 * its other round trips (ARCHITECTURE.md "The data plane"). Each throws the named 429.
 * When several go together, settleInOrder reports the first refusal in the given order, so
 * the answer does not depend on which reply came back first.
 *
 *   tenant API  [fair share + tokens/min room + the key's revocation check]
 *               → [requests/min + ledger reservation + tokens/min charge]
 *   chat        [fair share] → compose → [requests/min + tokens/min room]
 *               → [ledger reservation + tokens/min charge]
 *
 * The fair share always comes first, so one caller's flood is refused before it spends the
 * tenant's requests/min; a refusal in a later group undoes what its group made.
 */
export async function checkUserShare(ctx: AdmissionContext): Promise<void> {
  const limiter = ctx.limiter ?? defaultRateLimiter();
  const user = await limiter.checkLimit(planPolicies(ctx.plan).userRequests, `${ctx.tenantId}:${ctx.userId}`);
  assertStoreHealthy(ctx.plan, user.degraded);
  if (!user.ok) throw limited("user_share", user);
}

export async function admitTenantRequests(ctx: AdmissionContext): Promise<LimitResult> {
  const limiter = ctx.limiter ?? defaultRateLimiter();
  const tenant = await limiter.checkLimit(planPolicies(ctx.plan).tenantRequests, ctx.tenantId);
  assertStoreHealthy(ctx.plan, tenant.degraded);
  if (!tenant.ok) throw limited("tenant_requests", tenant);
  return tenant;
}

/** Whether the request's estimate fits the tenant's tokens/min window (a read: nothing is charged). */
export async function checkTokenRoom(ctx: AdmissionContext, estimate: number): Promise<void> {
  const limiter = ctx.limiter ?? defaultRateLimiter();
  const policy = planPolicies(ctx.plan).tenantTokens;
  const left = await limiter.remaining(policy, ctx.tenantId);
  assertStoreHealthy(ctx.plan, left.degraded);
  if (left.remaining < estimate) throw tokensRefused(policy, left);
}

/** Awaits every promise; throws the first rejection in argument order. */
export async function settleInOrder<T extends readonly unknown[]>(...promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const refused = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (refused) throw refused.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The tenant API's first group: fair share and tokens/min room, beside `alongside` (the key's revocation check). */
export async function admitShareAndRoom(ctx: AdmissionContext, estimate: number, alongside: Promise<unknown> = Promise.resolve()): Promise<void> {
  await settleInOrder(alongside, checkUserShare(ctx), checkTokenRoom(ctx, estimate));
}

/** The tokens/min charge of a request whose room was checked (checkTokenRoom). */
export async function chargeAdmittedTokens(ctx: AdmissionContext, estimate: number): Promise<TokenCharge> {
  const limiter = ctx.limiter ?? defaultRateLimiter();
  const result = await limiter.limitTokens(planPolicies(ctx.plan).tenantTokens, ctx.tenantId, estimate);
  assertStoreHealthy(ctx.plan, result.degraded);
  return { tenantId: ctx.tenantId, plan: ctx.plan, charged: estimate };
}

export function tokensRefused(policy: NamedRateLimitPolicy, left: { remaining: number; resetAt: number; degraded: boolean }): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((left.resetAt - Date.now()) / 1000));
  return limited("tenant_tokens", { ok: false, limit: policy.limit, remaining: left.remaining, resetAt: left.resetAt, retryAfterSeconds, policy: policy.name, degraded: left.degraded });
}

/** After the call: charge what the estimate missed, or refund what it over-counted. */
export async function correctTokens(charge: TokenCharge, actual: number, limiter: RateLimiter = defaultRateLimiter()): Promise<void> {
  const policy = planPolicies(charge.plan).tenantTokens;
  const delta = actual - charge.charged;
  if (delta > 0) await limiter.limitTokens(policy, charge.tenantId, delta);
  else if (delta < 0) await limiter.refundTokens(policy, charge.tenantId, -delta);
}
