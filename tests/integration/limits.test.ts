import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { admitRequest, chargeTokens, correctTokens, planPolicies } from "@/lib/limits/admission";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { awayFromWindowEdge, DEAD_REDIS_URL, isolatedLimiter, testPlan } from "@/tests/helpers/limits";

const run = promisify(execFile);
let prisma: PrismaClient;
const closers: (() => Promise<void>)[] = [];

function limiterForTest(url?: string, timeoutMs?: number) {
  const l = isolatedLimiter(undefined, url, timeoutMs);
  closers.push(l.close);
  return l;
}

async function settle<T>(promises: Promise<T>[]): Promise<{ ok: T[]; errors: AppError[] }> {
  const results = await Promise.allSettled(promises);
  return {
    ok: results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === "rejected" ? [r.reason as AppError] : [])),
  };
}

beforeAll(() => {
  prisma = useAppDatabase();
});
afterAll(async () => {
  for (const close of closers) await close();
  await prisma.$disconnect();
});

describe("per-tenant requests per minute", () => {
  it("a burst of 200 from one tenant on a 60/min plan admits exactly 60; another tenant is unaffected", async () => {
    await awayFromWindowEdge();
    const { limiter } = limiterForTest();
    const plan = testPlan({ requestsPerMinute: 60, userSharePct: 50 });
    const noisy = randomUUID();
    const quiet = randomUUID();
    const burst = Array.from({ length: 200 }, (_, i) => admitRequest({ tenantId: noisy, userId: `u${i % 10}`, plan, limiter }));
    const others = Array.from({ length: 25 }, (_, i) => admitRequest({ tenantId: quiet, userId: `q${i % 5}`, plan, limiter }));
    const [noisyResult, quietResult] = await Promise.all([settle(burst), settle(others)]);
    expect(noisyResult.ok).toHaveLength(60);
    expect(quietResult.ok).toHaveLength(25);
    const refused = noisyResult.errors[0]!;
    expect(refused).toBeInstanceOf(AppError);
    expect(refused.status).toBe(429);
    expect(refused.extra?.limit).toBe("tenant_requests");
    expect(Number(refused.headers?.["Retry-After"])).toBeGreaterThan(0);
    expect(refused.headers?.["X-RateLimit-Limit"]).toBe("60");
    expect(refused.headers?.["X-RateLimit-Remaining"]).toBe("0");
    expect(noisyResult.errors.every((e) => e.extra?.limit === "tenant_requests")).toBe(true);
  });

  it("the same burst from two server processes sharing one Redis admits exactly 60", async () => {
    await awayFromWindowEdge(60_000, 30_000);
    const { prefix, close } = isolatedLimiter();
    await close();
    const tenantId = randomUUID();
    const plan = JSON.stringify({ requestsPerMinute: 60, userSharePct: 50 });
    const worker = (count: number) =>
      run("npx", ["tsx", "tests/helpers/burst-worker.ts", prefix, tenantId, String(count), plan], { timeout: 60_000 }).then(
        ({ stdout }) => (JSON.parse(stdout.trim().split("\n").at(-1)!) as { admitted: number }).admitted,
      );
    const [a, b] = await Promise.all([worker(100), worker(100)]);
    // 120 would mean each process counted alone.
    expect(a + b).toBe(60);
    // Up to 30 s of waiting for a fresh window, then two processes starting: more than the default timeout.
  }, 120_000);

  it("one user cannot take more than their share of the tenant", async () => {
    await awayFromWindowEdge();
    const { limiter } = limiterForTest();
    const plan = testPlan({ requestsPerMinute: 60, userSharePct: 50 });
    const tenantId = randomUUID();
    const greedy = await settle(Array.from({ length: 50 }, () => admitRequest({ tenantId, userId: "greedy", plan, limiter })));
    expect(greedy.ok).toHaveLength(planPolicies(plan).userRequests.limit);
    expect(greedy.ok).toHaveLength(30);
    expect(greedy.errors[0]?.extra?.limit).toBe("user_share");
    // The rest of the tenant still has its remaining budget.
    const colleague = await settle(Array.from({ length: 40 }, () => admitRequest({ tenantId, userId: "colleague", plan, limiter })));
    expect(colleague.ok).toHaveLength(30);
    expect(colleague.errors.some((e) => e.extra?.limit === "tenant_requests" || e.extra?.limit === "user_share")).toBe(true);
  });
});

describe("tokens per minute", () => {
  it("charges the estimate, refuses when the window is full, and corrects to actual usage", async () => {
    await awayFromWindowEdge();
    const { limiter } = limiterForTest();
    const plan = testPlan({ tokensPerMinute: 10_000 });
    const tenantId = randomUUID();
    const ctx = { tenantId, userId: "u", plan, limiter };
    const first = await chargeTokens(ctx, 6_000);
    // 6,000 + 6,000 does not fit: refused, nothing charged.
    const refused = await chargeTokens(ctx, 6_000).catch((e: unknown) => e as AppError);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).extra?.limit).toBe("tenant_tokens");
    // The call used only 1,000: the refund makes room for another 6,000 estimate.
    await correctTokens(first, 1_000, limiter);
    const second = await chargeTokens(ctx, 6_000);
    expect(second.charged).toBe(6_000);
    // 1,000 + 6,000 charged: a 4,000 estimate no longer fits.
    await expect(chargeTokens(ctx, 4_000)).rejects.toMatchObject({ extra: { limit: "tenant_tokens" } });
  });
});

describe("Redis unavailable", () => {
  it("free plans fail closed with a 503, paid plans continue on the per-process fallback; never a 500", async () => {
    const { limiter } = limiterForTest(DEAD_REDIS_URL, 200);
    const free = await admitRequest({ tenantId: randomUUID(), userId: "u", plan: testPlan({ id: "free", requestsPerMinute: 10 }), limiter }).catch((e: unknown) => e as AppError);
    expect(free).toBeInstanceOf(AppError);
    expect((free as AppError).status).toBe(503);
    expect((free as AppError).code).toBe("limits_unavailable");
    expect(Number((free as AppError).headers?.["Retry-After"])).toBeGreaterThan(0);

    const tenantId = randomUUID();
    const paid = testPlan({ id: "starter", requestsPerMinute: 5, userSharePct: 100 });
    const results = await settle(Array.from({ length: 8 }, () => admitRequest({ tenantId, userId: "u", plan: paid, limiter })));
    // The fallback still limits: 5 of 8 in this process.
    expect(results.ok).toHaveLength(5);
    expect(results.ok.every((r) => r.degraded)).toBe(true);
    expect(results.errors.every((e) => e.status === 429)).toBe(true);
  });
});
