import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { revocationMarker } from "@/lib/api-keys/revocation";
import { admitRequest, chargeTokens, checkUserShare, planPolicies, type AdmissionContext } from "@/lib/limits/admission";
import { admitApiInOneTrip, deferTokenCorrection, flushTokenCorrections } from "@/lib/limits/api-admission";
import { awayFromWindowEdge, isolatedLimiter, testPlan } from "@/tests/helpers/limits";

/**
 * The tenant API's one-trip admission (lib/limits/api-admission.ts) counts the same
 * @upstash/ratelimit windows as the per-check path: what one admits, the other sees.
 */
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

function setup(overrides: Parameters<typeof testPlan>[0] = {}) {
  const l = isolatedLimiter();
  closers.push(l.close);
  // The revocation marker is checked in the script only when the limiter's store is the
  // process Redis: make it so for this test.
  (globalThis as { __bulkheadRedis?: Redis }).__bulkheadRedis = l.redis;
  const plan = testPlan(overrides);
  const ctx: AdmissionContext = { tenantId: randomUUID(), userId: `key:${randomUUID()}`, plan, limiter: l.limiter };
  return { ...l, plan, ctx };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("one-trip admission of the tenant API", () => {
  it("admits within the share and counts the same windows as the SDK path", async () => {
    await awayFromWindowEdge();
    const { ctx, limiter, plan } = setup({ requestsPerMinute: 10, userSharePct: 50, tokensPerMinute: 10_000 });
    for (let i = 0; i < 3; i++) expect((await admitApiInOneTrip(ctx, 1_000, null))?.kind).toBe("admitted");
    const policies = planPolicies(plan);
    // Share 5: three counted by the script, two left for the SDK path, then refused.
    await checkUserShare(ctx);
    await checkUserShare(ctx);
    expect((await refusal(checkUserShare(ctx))).extra).toMatchObject({ limit: "user_share" });
    expect((await limiter.remaining(policies.tenantTokens, ctx.tenantId)).remaining).toBe(7_000);
    // And the other way round: the SDK's share refusal is the script's too.
    expect((await refusal(admitApiInOneTrip(ctx, 1, null))).extra).toMatchObject({ limit: "user_share" });
  });

  it("refuses by the tokens/min room before requests/min, and by requests/min without charging", async () => {
    await awayFromWindowEdge();
    const { ctx, limiter, plan } = setup({ requestsPerMinute: 4, userSharePct: 100, tokensPerMinute: 5_000 });
    const policies = planPolicies(plan);
    await chargeTokens(ctx, 4_500); // the SDK path spends most of the window
    expect((await refusal(admitApiInOneTrip(ctx, 1_000, null))).extra).toMatchObject({ limit: "tenant_tokens" });
    // That refusal counted the key's share (as the per-check path does), not requests/min:
    // another key still gets all four of the tenant's requests.
    const second = { ...ctx, userId: `key:${randomUUID()}` };
    for (let i = 0; i < 4; i++) expect((await admitApiInOneTrip(second, 100, null))?.kind).toBe("admitted");
    const before = (await limiter.remaining(policies.tenantTokens, ctx.tenantId)).remaining;
    expect((await refusal(admitApiInOneTrip({ ...ctx, userId: `key:${randomUUID()}` }, 100, null))).extra).toMatchObject({ limit: "tenant_requests" });
    expect((await limiter.remaining(policies.tenantTokens, ctx.tenantId)).remaining).toBe(before);
    expect((await refusal(admitRequest({ ...ctx, userId: "someone-else" }))).extra).toMatchObject({ limit: "tenant_requests" });
  });

  it("a revoked key's marker refuses it and counts nothing", async () => {
    await awayFromWindowEdge();
    const { ctx, redis } = setup({ requestsPerMinute: 2, userSharePct: 100 });
    const keyId = randomUUID();
    await redis.set(revocationMarker(keyId), "1", { ex: 60 });
    for (let i = 0; i < 5; i++) expect(await admitApiInOneTrip(ctx, 10, revocationMarker(keyId))).toEqual({ kind: "revoked" });
    // Nothing was counted: the plan's two requests are still there.
    expect((await admitApiInOneTrip(ctx, 10, revocationMarker(randomUUID())))?.kind).toBe("admitted");
    expect((await admitApiInOneTrip(ctx, 10, null))?.kind).toBe("admitted");
  });

  it("a deferred correction lands with the next admission, or on its own within the flush delay", async () => {
    await awayFromWindowEdge();
    const { ctx, limiter, plan } = setup({ tokensPerMinute: 100_000, requestsPerMinute: 100 });
    const policy = planPolicies(plan).tenantTokens;
    const admitted = await admitApiInOneTrip(ctx, 1_000, null);
    if (admitted?.kind !== "admitted") throw new Error("not admitted");
    await deferTokenCorrection(admitted.charge, 400, limiter); // 600 over-estimated: a refund
    expect((await limiter.remaining(policy, ctx.tenantId)).remaining).toBe(99_000);
    await admitApiInOneTrip(ctx, 1_000, null); // folds the refund in first
    expect((await limiter.remaining(policy, ctx.tenantId)).remaining).toBe(100_000 - 400 - 1_000);
    await deferTokenCorrection({ ...admitted.charge, charged: 1_000 }, 3_000, limiter); // 2,000 under-estimated
    await new Promise((r) => setTimeout(r, 100));
    expect((await limiter.remaining(policy, ctx.tenantId)).remaining).toBe(100_000 - 400 - 1_000 - 2_000);
    await flushTokenCorrections();
  });

  it("runs only on a TCP Redis: elsewhere the per-check path decides", async () => {
    const plan = testPlan();
    expect(await admitApiInOneTrip({ tenantId: randomUUID(), userId: "key:x", plan, limiter: { ...isolatedLimiter().limiter, scriptStore: () => null } }, 1, null)).toBeNull();
  });
});
