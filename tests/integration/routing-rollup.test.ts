import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { costMicros } from "@/lib/llm/pricing";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { getRoutingSavings } from "@/lib/staff/routing-savings";
import { getUsageDashboard } from "@/lib/usage/dashboard";
import { loadPriceBook } from "@/lib/usage/price-book";
import { chat, endOf } from "@/tests/helpers/chat";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * Issue 14, item 2: routing outcomes on the usage dashboard and the staff console's savings
 * estimate, both read from usage_routing_daily (0017) — which must equal the events.
 */
let prisma: PrismaClient;
let sim: RunningSimulator;
let ctx: TenantContext;
let staffId: string;

const limiter: RateLimiter = {
  checkLimit: () => Promise.reject(new Error("not used")),
  limitTokens: () => Promise.reject(new Error("not used")),
  refundTokens: () => Promise.resolve(),
  remaining: () => Promise.resolve({ remaining: 1, resetAt: Date.now() + 60_000, degraded: false }),
};

const HARD = "Design a multi-region architecture for a payments API at 20,000 requests per second with failover and exactly-once charges.";

interface EventRow {
  model: string;
  route_tier: string;
  route_default_tier: string;
  route_default_model: string;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  cost_micros: string;
}

const routedEvents = () =>
  ownerQuery<EventRow>("SELECT * FROM usage_events WHERE tenant_id = $1 AND status <> 'started' AND route_tier IS NOT NULL", [ctx.tenantId]);
const rollupRows = () =>
  ownerQuery<Record<string, string>>(
    `SELECT day::text, utc_day::text, request_type::text, model, default_model, route_tier::text, default_tier::text, requests::text,
            input_tokens::text, output_tokens::text, cache_write_tokens::text, cache_write_1h_tokens::text, cache_read_tokens::text, cost_micros::text
       FROM usage_routing_daily WHERE tenant_id = $1 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    [ctx.tenantId],
  );
const tokensOf = (e: EventRow) => e.input_tokens + e.output_tokens + e.cache_write_tokens + e.cache_read_tokens;

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  const r = await signUp({ name: "Rollup", email: `${unique("rr")}@routing-rollup.test`, password: "long-enough-1", workspaceName: "Rollup Corp" });
  ctx = { tenantId: r.tenantId, userId: r.userId };
  const s = await signUp({ name: "Staff", email: `${unique("rs")}@routing-rollup.test`, password: "long-enough-1", workspaceName: "Staff Corp" });
  await ownerQuery("UPDATE users SET is_staff = true WHERE id = $1", [s.userId]);
  staffId = s.userId;
  await withTenant(ctx, (tx) =>
    tx.tenantConfig.create({ data: { tenantId: ctx.tenantId, version: 2, companyName: "Rollup", persona: "helpful", customInstructions: "", modelTier: "premium", maxTokens: 300, routingMode: "auto" } }),
  );
  for (const message of ["hi", "thanks!", HARD]) {
    const events = await chat({ ...ctx, planId: "enterprise" }, { message });
    expect(endOf(events).type).toBe("done");
  }
});

afterAll(async () => {
  setClaudeClient(undefined);
  await sim.close();
  await prisma.$disconnect();
});

describe("the usage dashboard's routing outcomes", () => {
  it("count requests, tokens and cost routed below the tier default and at it, equal to the events", async () => {
    const d = await getUsageDashboard({ ...ctx, role: "owner", planId: "enterprise" }, { days: 7, scope: "tenant", limiter });
    const events = await routedEvents();
    const down = events.filter((e) => e.route_tier !== e.route_default_tier);
    const atDefault = events.filter((e) => e.route_tier === e.route_default_tier);
    expect(down).toHaveLength(2);
    expect(atDefault).toHaveLength(1);
    expect(d.routing).toEqual([
      { outcome: "down", requests: 2, tokens: down.reduce((s, e) => s + tokensOf(e), 0), costMicros: down.reduce((s, e) => s + Number(e.cost_micros), 0) },
      { outcome: "default", requests: 1, tokens: tokensOf(atDefault[0]!), costMicros: Number(atDefault[0]!.cost_micros) },
      { outcome: "up", requests: 0, tokens: 0, costMicros: 0 },
    ]);
  });

  it("is not part of a member's own view", async () => {
    const d = await getUsageDashboard({ ...ctx, role: "owner", planId: "enterprise" }, { days: 7, scope: "self", limiter });
    expect(d.routing).toBeNull();
  });

  it("keeps the same rows whether folded from the queue or rebuilt from the events, and moves local days with the time zone", async () => {
    await getUsageDashboard({ ...ctx, role: "owner", planId: "enterprise" }, { days: 7, scope: "tenant", limiter }); // folds
    const folded = await rollupRows();
    expect(folded.length).toBeGreaterThan(0);
    await ownerQuery("SELECT rebuild_usage_routing_daily($1::uuid)", [ctx.tenantId]);
    expect(await rollupRows()).toEqual(folded);

    // A zone whose local day differs from the UTC day of these events, whatever the hour they
    // were made at: UTC+14 from 10:00 UTC on, UTC−10 before it (one fixed zone is the same
    // calendar day as UTC for part of every day).
    const [{ hour }] = (await ownerQuery<{ hour: number }>(
      "SELECT extract(hour FROM min(created_at) AT TIME ZONE 'UTC')::int AS hour FROM usage_events WHERE tenant_id = $1 AND route_tier IS NOT NULL",
      [ctx.tenantId],
    )) as [{ hour: number }];
    const zone = hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Honolulu";
    await ownerQuery("UPDATE tenants SET time_zone = $2 WHERE id = $1", [ctx.tenantId, zone]);
    const moved = await rollupRows();
    const expectedDays = await ownerQuery<{ day: string }>(
      "SELECT DISTINCT ((created_at AT TIME ZONE $2)::date)::text AS day FROM usage_events WHERE tenant_id = $1 AND route_tier IS NOT NULL",
      [ctx.tenantId, zone],
    );
    expect([...new Set(moved.map((r) => r.day))].sort()).toEqual(expectedDays.map((r) => r.day).sort());
    expect(moved.every((r) => r.utc_day !== r.day)).toBe(true);
    expect(moved.reduce((s, r) => s + Number(r.requests), 0)).toBe(3);
    await ownerQuery("UPDATE tenants SET time_zone = 'UTC' WHERE id = $1", [ctx.tenantId]);
  });
});

describe("the staff console's routing savings", () => {
  it("prices the routed tokens at the model that answered and at the tier default's model, per tenant", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const savings = await getRoutingSavings(staffId, { month });
    const mine = savings.tenants.find((t) => t.tenantId === ctx.tenantId);
    expect(mine).toBeDefined();

    const prices = await loadPriceBook();
    const latest = (model: string) => {
      const row = prices.filter((p) => p.model === model).sort((a, b) => b.effectiveFrom.getTime() - a.effectiveFrom.getTime())[0];
      if (!row) throw new Error(`no price for ${model}`);
      return row;
    };
    const usage = (e: EventRow) => ({ inputTokens: e.input_tokens, outputTokens: e.output_tokens, cacheWriteTokens: e.cache_write_tokens, cacheWrite1hTokens: e.cache_write_1h_tokens, cacheReadTokens: e.cache_read_tokens });
    let routed = 0;
    let fallback = 0;
    for (const e of await routedEvents()) {
      routed += Number(costMicros(usage(e), latest(e.model)));
      fallback += Number(costMicros(usage(e), latest(e.route_default_model)));
    }
    expect(mine).toMatchObject({ name: "Rollup Corp", requests: 3, routedDown: 2 });
    // The rollup sums a day's tokens before pricing them (one rounding per row, not per call): within half a micro-dollar per call.
    const calls = (await routedEvents()).length;
    expect(Math.abs(mine!.routedCostMicros - routed)).toBeLessThanOrEqual(calls);
    expect(Math.abs(mine!.defaultCostMicros - fallback)).toBeLessThanOrEqual(calls);
    expect(mine!.savingsMicros).toBe(mine!.defaultCostMicros - mine!.routedCostMicros);
    // Two of three calls went to Haiku instead of Opus: a real saving.
    expect(mine!.savingsMicros).toBeGreaterThan(0);
    expect(savings.totals.savingsMicros).toBe(savings.tenants.reduce((s, t) => s + t.savingsMicros, 0));
  });

  it("is empty for a month with no routed calls, and refuses a malformed month", async () => {
    expect((await getRoutingSavings(staffId, { month: "2001-01" })).tenants).toEqual([]);
    await expect(getRoutingSavings(staffId, { month: "2001-13" })).rejects.toThrow(RangeError);
  });
});
