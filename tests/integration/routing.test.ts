import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveConfig, getCurrentConfig } from "@/lib/admin/config";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { ModelTier } from "@/lib/db/generated/enums";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { costMicros } from "@/lib/llm/pricing";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { chat, endOf, startOf } from "@/tests/helpers/chat";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let sim: RunningSimulator;
let ctx: TenantContext;
let version = 1;

async function configure(modelTier: ModelTier, routingMode: "fixed" | "auto"): Promise<void> {
  version++;
  await withTenant(ctx, (tx) =>
    tx.tenantConfig.create({
      data: { tenantId: ctx.tenantId, version, companyName: "RouteCo", persona: "helpful", customInstructions: "", modelTier, maxTokens: 300, routingMode },
    }),
  );
}

interface EventRow {
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  cost_micros: string;
  route_tier: string | null;
  route_default_tier: string | null;
  route_default_model: string | null;
  route_score: number | null;
  route_reason: string | null;
}

async function eventFor(requestId: string): Promise<EventRow> {
  const [row] = await ownerQuery<EventRow>("SELECT * FROM usage_events WHERE request_id = $1", [requestId]);
  if (!row) throw new Error(`no usage event for ${requestId}`);
  return row;
}

async function priceOf(model: string) {
  const [row] = await ownerQuery<Record<string, string>>("SELECT * FROM price_book WHERE model = $1 ORDER BY effective_from DESC LIMIT 1", [model]);
  if (!row) throw new Error(`no price for ${model}`);
  return {
    inputMicrosPerMTok: BigInt(row.input_micros_per_mtok!),
    outputMicrosPerMTok: BigInt(row.output_micros_per_mtok!),
    cacheWrite5mMicrosPerMTok: BigInt(row.cache_write_5m_micros_per_mtok!),
    cacheWrite1hMicrosPerMTok: BigInt(row.cache_write_1h_micros_per_mtok!),
    cacheReadMicrosPerMTok: BigInt(row.cache_read_micros_per_mtok!),
  };
}

/** One turn; the model the simulator received for it, and its ledger row. */
async function turn(message: string) {
  const marker = unique("m");
  const events = await chat(ctx, { message: `${message} ${marker}` });
  expect(endOf(events).type).toBe("done");
  const start = startOf(events);
  const received = sim.received.all().filter((e) => e.endpoint === "messages" && e.messages.some((m) => m.text.includes(marker)));
  expect(received).toHaveLength(1);
  return { sentModel: received[0]!.model, startModel: start.model, row: await eventFor(start.requestId) };
}

const usageOf = (r: EventRow) => ({
  inputTokens: r.input_tokens,
  outputTokens: r.output_tokens,
  cacheWriteTokens: r.cache_write_tokens,
  cacheWrite1hTokens: r.cache_write_1h_tokens,
  cacheReadTokens: r.cache_read_tokens,
});

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  const r = await signUp({ name: "Router", email: `${unique("router")}@routing.test`, password: "long-enough-1", workspaceName: "Route Corp" });
  ctx = { tenantId: r.tenantId, userId: r.userId };
});

afterAll(async () => {
  setClaudeClient(undefined);
  await sim.close();
  await prisma.$disconnect();
});

describe("automatic routing up to the configured tier", () => {
  it("sends a greeting to the economy model, records the decision and prices it at the economy rate", async () => {
    await configure("premium", "auto");
    const { sentModel, startModel, row } = await turn("hi");
    expect(sentModel).toBe("claude-haiku-4-5");
    expect(startModel).toBe("claude-haiku-4-5");
    expect(row).toMatchObject({ model: "claude-haiku-4-5", route_tier: "economy", route_default_tier: "premium", route_default_model: "claude-opus-4-8", route_reason: "greeting" });
    expect(row.output_tokens).toBeGreaterThan(0);
    const haiku = costMicros(usageOf(row), await priceOf("claude-haiku-4-5"));
    const opus = costMicros(usageOf(row), await priceOf("claude-opus-4-8"));
    expect(BigInt(row.cost_micros)).toBe(haiku);
    expect(BigInt(row.cost_micros)).toBeLessThan(opus);
  });

  it("sends a system-design request to the premium model with its rule as the reason", async () => {
    const { sentModel, row } = await turn("Design a multi-region architecture for a payments API at 20,000 requests per second with failover and exactly-once charges.");
    expect(sentModel).toBe("claude-opus-4-8");
    expect(row).toMatchObject({ route_tier: "premium", route_reason: "system_design" });
    expect(row.route_score).toBeGreaterThanOrEqual(70);
  });

  it("never goes above the configured tier: a premium-grade request on a standard cap is capped", async () => {
    await configure("standard", "auto");
    const { sentModel, row } = await turn("Design a multi-region architecture for a payments API at 20,000 requests per second with failover and exactly-once charges.");
    expect(sentModel).toBe("claude-sonnet-4-6");
    expect(row).toMatchObject({ route_tier: "standard", route_default_tier: "standard", route_reason: "capped" });
  });
});

describe("fixed tier", () => {
  it("sends even a greeting to the configured tier and records fixed_tier", async () => {
    await configure("premium", "fixed");
    const { sentModel, row } = await turn("hi");
    expect(sentModel).toBe("claude-opus-4-8");
    expect(row).toMatchObject({ model: "claude-opus-4-8", route_tier: "premium", route_default_tier: "premium", route_reason: "fixed_tier" });
  });
});

describe("the admin setting", () => {
  it("saving automatic routing from the console switches the next turn to the router, and a save without the field keeps it", async () => {
    // The workspace's own plan (free) allows up to standard; the saves below go through it.
    await configure("standard", "fixed");
    const current = await getCurrentConfig(ctx);
    const { version: _v, createdAt: _c, author: _a, ...fields } = current;
    const saved = await saveConfig(ctx, { ...fields, routingMode: "auto", baseVersion: current.version });
    expect(saved.status).toBe("saved");
    expect(saved.config.routingMode).toBe("auto");
    expect(saved.changes).toContainEqual({ kind: "scalar", field: "routingMode", before: "fixed", after: "auto" });
    version = saved.config.version;
    expect((await turn("hi")).sentModel).toBe("claude-haiku-4-5");

    const { routingMode: _m, ...withoutMode } = fields;
    const again = await saveConfig(ctx, { ...withoutMode, maxTokens: 256, baseVersion: saved.config.version });
    expect(again.config.routingMode).toBe("auto");
    version = again.config.version;
  });

  it("refuses a routing mode that does not exist", async () => {
    const current = await getCurrentConfig(ctx);
    const { version: _v, createdAt: _c, author: _a, ...fields } = current;
    await expect(saveConfig(ctx, { ...fields, routingMode: "cheapest", baseVersion: current.version })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ["routingMode"], message: "Choose fixed or automatic." })],
    });
    expect((await getCurrentConfig(ctx)).version).toBe(current.version);
  });
});
