import { createHash } from "node:crypto";
import { getRedis, tcpClientOf } from "@/lib/redis/client";
import { correctTokens, limited, planPolicies, tokensRefused, type AdmissionContext, type TokenCharge } from "@/lib/limits/admission";
import type { NamedRateLimitPolicy } from "@/lib/limits/policies";
import { defaultRateLimiter, slidingWindowKey, withTimeout, type LimitResult, type RateLimiter, type ScriptStore } from "@/lib/limits/rate-limit";
import type { Duration } from "@upstash/ratelimit";

/**
 * The tenant API's step 4 in ONE Redis round trip: the key's revocation marker, the key's fair
 * share, the tenant's tokens/min room, its requests/min and the tokens/min charge of the
 * estimate, with the last call's pending tokens/min correction folded in first.
 *
 * The same limits as lib/limits/admission.ts, on the same keys and with the same arithmetic
 * as @upstash/ratelimit's single-region sliding window (its `limit` and `getRemaining`
 * scripts, 2.2.0, reproduced below step by step; keys named by slidingWindowKey), so the chat
 * path, other instances and this script count the same windows. What differs is only that the
 * five checks run in one script, in order, and stop at the first refusal:
 *
 *   revoked key → 401, nothing counted; fair share refused → nothing more counted;
 *   tokens/min room refused → the share stays counted (as before: the share and the room
 *   were checked together); requests/min refused → share counted, nothing charged.
 *
 * The two-round-trip path (admission.ts) remains for every store this cannot run on (Upstash
 * REST, the in-memory store) and for a Redis that fails or does not answer in time (it then
 * decides with the per-process fallback and the free plan fails closed, as before). The chat
 * uses it too, after its own fair-share check, for requests/min, the room and the charge.
 *
 * Tokens/min corrections after a call (actual - estimate) are not sent on their own: they wait
 * in this process (deferTokenCorrection) for the tenant's next admission, which applies them
 * first, or for CORRECTION_FLUSH_MS, whichever comes first — a window of a minute is corrected
 * a few milliseconds later, for one Redis write less per request.
 */
const SCRIPT = `
local now = tonumber(ARGV[1])
local function used(cur, prev, window)
  local c = redis.call("GET", cur)
  if c == false then c = 0 end
  local p = redis.call("GET", prev)
  if p == false then p = 0 end
  local pct = (now % window) / window
  return tonumber(c), math.floor((1 - pct) * tonumber(p))
end
local function limit(cur, prev, max, window, incr)
  local c, p = used(cur, prev, window)
  if incr > 0 and p + c >= max then return -1 end
  local v = redis.call("INCRBY", cur, incr)
  if v == incr then redis.call("PEXPIRE", cur, window * 2 + 1000) end
  return max - (v + p)
end
local tpmMax, tpmWindow = tonumber(ARGV[7]), tonumber(ARGV[8])
local correction = tonumber(ARGV[11])
if correction ~= 0 then limit(KEYS[6], KEYS[7], tpmMax, tpmWindow, correction) end
if ARGV[2] == "1" and redis.call("EXISTS", KEYS[1]) == 1 then return {1, 0} end
local share = 0
if ARGV[12] == "1" then
  share = limit(KEYS[2], KEYS[3], tonumber(ARGV[3]), tonumber(ARGV[4]), 1)
  if share < 0 then return {2, 0} end
end
local c, p = used(KEYS[6], KEYS[7], tpmWindow)
local room = tpmMax - (c + p)
if room < 0 then room = 0 end
if room < tonumber(ARGV[9]) then return {3, room} end
local rpm = limit(KEYS[4], KEYS[5], tonumber(ARGV[5]), tonumber(ARGV[6]), 1)
if rpm < 0 then return {4, 0} end
limit(KEYS[6], KEYS[7], tpmMax, tpmWindow, tonumber(ARGV[10]))
return {0, share}
`;
const SHA = createHash("sha1").update(SCRIPT).digest("hex");

export const CORRECTION_FLUSH_MS = 25;

export type ApiAdmission = { kind: "admitted"; charge: TokenCharge } | { kind: "revoked" };

/**
 * Runs the whole admission in one script; null when it cannot run here or failed (the caller
 * then takes the two-round-trip path, which also handles a Redis outage). Throws the named 429.
 * `marker`: the key's revocation marker to check, or null when nothing needs checking there.
 * `share: false`: the fair share was already checked (the chat checks it before it reads the
 * database, so a flood is refused by Redis alone); the rest runs as for the tenant API.
 */
export async function admitApiInOneTrip(ctx: AdmissionContext, estimate: number, marker: string | null, options: { share?: boolean } = {}): Promise<ApiAdmission | null> {
  const withShare = options.share ?? true;
  const limiter = ctx.limiter ?? defaultRateLimiter();
  const store = limiter.scriptStore?.() ?? null;
  if (!store) return null;
  // The marker lives in the process Redis (lib/api-keys/revocation.ts): only checkable here if that is this store.
  if (marker !== null && tcpClientOf(getRedis()) !== store.client) return null;
  const policies = planPolicies(ctx.plan);
  const now = Date.now();
  const share = windowOf(store, policies.userRequests, `${ctx.tenantId}:${ctx.userId}`, now);
  const rpm = windowOf(store, policies.tenantRequests, ctx.tenantId, now);
  const tpm = windowOf(store, policies.tenantTokens, ctx.tenantId, now);
  const pending = takeCorrection(store, policies.tenantTokens, ctx.tenantId);
  const charge = Number.isFinite(estimate) ? Math.max(1, Math.ceil(estimate)) : 1;
  const args = [
    now, marker === null ? 0 : 1,
    share.policy.limit, share.windowMs, rpm.policy.limit, rpm.windowMs, tpm.policy.limit, tpm.windowMs,
    estimate, charge, pending?.delta ?? 0, withShare ? 1 : 0,
  ];
  const keys = [marker ?? share.current, share.current, share.previous, rpm.current, rpm.previous, tpm.current, tpm.previous];
  let reply: number[];
  try {
    reply = await withTimeout(run(store, keys, args), store.timeoutMs);
  } catch (error) {
    // Unknown whether it ran: the correction goes back (a correction twice is off by one estimate, for a minute).
    if (pending) deferTokenCorrection({ tenantId: ctx.tenantId, plan: ctx.plan, charged: 0 }, pending.delta, limiter);
    warnOnce(error);
    return null;
  }
  const [outcome, value] = reply;
  if (outcome === 1) return { kind: "revoked" };
  if (outcome === 2) throw limited("user_share", refusal(share, now, 0));
  if (outcome === 3) throw tokensRefused(tpm.policy, { remaining: Number(value), resetAt: tpm.resetAt, degraded: false });
  if (outcome === 4) throw limited("tenant_requests", refusal(rpm, now, 0));
  return { kind: "admitted", charge: { tenantId: ctx.tenantId, plan: ctx.plan, charged: estimate } };
}

interface Window {
  policy: NamedRateLimitPolicy;
  windowMs: number;
  current: string;
  previous: string;
  resetAt: number;
}

function windowOf(store: ScriptStore, policy: NamedRateLimitPolicy, identifier: string, now: number): Window {
  const windowMs = ms(policy.window);
  const index = Math.floor(now / windowMs);
  return {
    policy,
    windowMs,
    current: slidingWindowKey(store.prefix, policy, identifier, index),
    previous: slidingWindowKey(store.prefix, policy, identifier, index - 1),
    resetAt: (index + 1) * windowMs,
  };
}

function refusal(w: Window, now: number, remaining: number): LimitResult {
  return { ok: false, limit: w.policy.limit, remaining, resetAt: w.resetAt, retryAfterSeconds: Math.max(1, Math.ceil((w.resetAt - now) / 1000)), policy: w.policy.name, degraded: false };
}

async function run(store: ScriptStore, keys: string[], args: (string | number)[]): Promise<number[]> {
  try {
    return (await store.client.evalsha(SHA, keys.length, ...keys, ...args)) as number[];
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
    return (await store.client.eval(SCRIPT, keys.length, ...keys, ...args)) as number[];
  }
}

let lastWarningAt = 0;
function warnOnce(error: unknown): void {
  const now = Date.now();
  if (now - lastWarningAt < 30_000) return;
  lastWarningAt = now;
  console.warn(`[rate-limit] one-trip admission failed (${error instanceof Error ? error.message : String(error)}); using the per-check path`);
}

// ---- deferred tokens/min corrections --------------------------------------------------------

interface Pending {
  delta: number;
  charge: TokenCharge;
  limiter: RateLimiter;
  timer: ReturnType<typeof setTimeout>;
}

const pendingCorrections = new Map<string, Pending>();

function correctionKey(store: ScriptStore, policy: NamedRateLimitPolicy, tenantId: string): string {
  return `${store.prefix}|${policy.name}|${tenantId}`;
}

function takeCorrection(store: ScriptStore, policy: NamedRateLimitPolicy, tenantId: string): Pending | undefined {
  const key = correctionKey(store, policy, tenantId);
  const pending = pendingCorrections.get(key);
  if (!pending) return undefined;
  pendingCorrections.delete(key);
  clearTimeout(pending.timer);
  return pending;
}

/**
 * After a call: the tokens/min correction (actual - charged), applied by the tenant's next
 * one-trip admission or within CORRECTION_FLUSH_MS on its own. Never rejects. Where the
 * one-trip script does not run (no TCP Redis), the correction is sent at once, as correctTokens does.
 */
export function deferTokenCorrection(charge: TokenCharge, actual: number, limiter: RateLimiter = defaultRateLimiter()): Promise<void> {
  const delta = Math.round(actual - charge.charged);
  if (!Number.isFinite(delta) || delta === 0) return Promise.resolve();
  const store = limiter.scriptStore?.() ?? null;
  if (!store) return correctTokens(charge, actual, limiter).catch(() => {});
  const policy = planPolicies(charge.plan).tenantTokens;
  const key = correctionKey(store, policy, charge.tenantId);
  const existing = pendingCorrections.get(key);
  if (existing) {
    existing.delta += delta;
    return Promise.resolve();
  }
  const timer = setTimeout(() => {
    const pending = pendingCorrections.get(key);
    if (!pending) return;
    pendingCorrections.delete(key);
    void correctTokens({ ...pending.charge, charged: 0 }, pending.delta, pending.limiter).catch(() => {});
  }, CORRECTION_FLUSH_MS);
  pendingCorrections.set(key, { delta, charge, limiter, timer });
  return Promise.resolve();
}

/** Tests and shutdown: send every pending correction now. */
export async function flushTokenCorrections(): Promise<void> {
  const all = [...pendingCorrections.values()];
  pendingCorrections.clear();
  await Promise.all(all.map((p) => (clearTimeout(p.timer), correctTokens({ ...p.charge, charged: 0 }, p.delta, p.limiter).catch(() => {}))));
}

const MULTIPLIERS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A window's length in ms, parsed as @upstash/ratelimit parses it. */
function ms(d: Duration): number {
  const match = /^(\d+(?:\.\d+)?)\s?(ms|s|m|h|d|w)$/.exec(d);
  const multiplier = match ? MULTIPLIERS[match[2]!] : undefined;
  if (!match || multiplier === undefined) throw new Error(`Unable to parse window size: ${d}`);
  return Math.round(Number.parseFloat(match[1]!) * multiplier);
}
