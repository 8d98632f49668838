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

describe("regenerate with a stronger model", () => {
  let esc: TenantContext;
  let escVersion = 1;

  async function configureEsc(modelTier: ModelTier, routingMode: "fixed" | "auto"): Promise<void> {
    escVersion++;
    await withTenant(esc, (tx) =>
      tx.tenantConfig.create({
        data: { tenantId: esc.tenantId, version: escVersion, companyName: "EscCo", persona: "helpful", customInstructions: "", modelTier, maxTokens: 300, routingMode },
      }),
    );
  }

  /** A turn of `request`; the model the simulator received for it and its ledger row. */
  async function escTurn(request: Parameters<typeof chat>[1]) {
    const before = sim.received.all().length;
    const events = await chat(esc, request);
    const end = endOf(events);
    if (end.type !== "done") throw new Error(`turn failed: ${JSON.stringify(end)}`);
    const start = startOf(events);
    const received = sim.received.all().slice(before).filter((e) => e.endpoint === "messages");
    expect(received).toHaveLength(1);
    return { sentModel: received[0]!.model, start, row: await eventFor(start.requestId) };
  }

  const signalsOf = (tenantId: string) =>
    ownerQuery<{ original_request_id: string; request_id: string; original_tier: string; new_tier: string; reason: string; user_id: string; conversation_id: string }>(
      "SELECT * FROM routing_signals WHERE tenant_id = $1 ORDER BY id",
      [tenantId],
    );

  beforeAll(async () => {
    const r = await signUp({ name: "Escalator", email: `${unique("esc")}@routing.test`, password: "long-enough-1", workspaceName: "Escalate Corp" });
    esc = { tenantId: r.tenantId, userId: r.userId };
  });

  it("answers the last message again one tier up, records the decision as escalated and a signal against the routed-down answer", async () => {
    await configureEsc("premium", "auto");
    const first = await escTurn({ message: "hi" });
    expect(first.sentModel).toBe("claude-haiku-4-5");
    const conversationId = first.start.conversationId;

    const second = await escTurn({ conversationId, retry: true, escalate: true });
    expect(second.sentModel).toBe("claude-sonnet-4-6");
    expect(second.row).toMatchObject({ model: "claude-sonnet-4-6", route_tier: "standard", route_default_tier: "premium", route_reason: "escalated" });
    // Priced at its own (Sonnet) rate, not Haiku's.
    expect(BigInt(second.row.cost_micros)).toBe(costMicros(usageOf(second.row), await priceOf("claude-sonnet-4-6")));

    const signals = await signalsOf(esc.tenantId);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      original_request_id: first.start.requestId,
      request_id: second.start.requestId,
      original_tier: "economy",
      new_tier: "standard",
      reason: "greeting",
      user_id: esc.userId,
      conversation_id: conversationId,
    });

    // Again: premium, the cap. A regenerate of a regenerate is not the router's doing: no second signal.
    const third = await escTurn({ conversationId, retry: true, escalate: true });
    expect(third.sentModel).toBe("claude-opus-4-8");
    expect(third.row.route_tier).toBe("premium");
    expect(await signalsOf(esc.tenantId)).toHaveLength(1);

    // The chat page learns the last answer's model from its ledger row (only the last answer's).
    const { getConversationWithMessages } = await import("@/lib/chat/conversations");
    const loaded = await getConversationWithMessages(esc, conversationId);
    expect(loaded.messages.at(-1)).toMatchObject({ role: "assistant", model: "claude-opus-4-8" });
    expect(loaded.messages.slice(0, -1).some((m) => m.model !== undefined)).toBe(false);

    // At the cap: refused before anything is reserved or sent.
    const sent = sim.received.all().length;
    await expect(chat(esc, { conversationId, retry: true, escalate: true })).rejects.toMatchObject({ code: "validation_failed", message: expect.stringContaining("strongest") });
    expect(sim.received.all().length).toBe(sent);
  });

  it("sends the next turn only the answer that replaced the others, not every regenerated one", async () => {
    await configureEsc("premium", "auto");
    const first = await escTurn({ message: "hey" });
    const conversationId = first.start.conversationId;
    await escTurn({ conversationId, retry: true, escalate: true });
    const before = sim.received.all().length;
    expect((await chat(esc, { conversationId, message: "and what about tomorrow?" })).at(-1)?.type).toBe("done");
    const sent = sim.received.all().slice(before).filter((e) => e.endpoint === "messages");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("stays within the configured tier: a standard cap escalates economy to standard and no further", async () => {
    await configureEsc("standard", "auto");
    const first = await escTurn({ message: "hello" });
    expect(first.row.route_tier).toBe("economy");
    const second = await escTurn({ conversationId: first.start.conversationId, retry: true, escalate: true });
    expect(second.sentModel).toBe("claude-sonnet-4-6");
    await expect(chat(esc, { conversationId: first.start.conversationId, retry: true, escalate: true })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("is refused on a fixed tier, where every answer already has the cap", async () => {
    await configureEsc("premium", "fixed");
    const first = await escTurn({ message: "hi" });
    expect(first.sentModel).toBe("claude-opus-4-8");
    await expect(chat(esc, { conversationId: first.start.conversationId, retry: true, escalate: true })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("is refused without an answer to regenerate, and escalate needs retry", async () => {
    await configureEsc("premium", "auto");
    const { chatRequestSchema } = await import("@/lib/chat/schemas");
    const parsed = chatRequestSchema.safeParse({ conversationId: esc.tenantId, message: "x", escalate: true });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toContain("escalate");
    await expect(chat(esc, { conversationId: "00000000-0000-4000-8000-000000000000", retry: true, escalate: true })).rejects.toMatchObject({ code: "not_found" });
  });

  it("shows the admin the rate: escalations over routed-down chat answers in the last 30 days, for its own tenant only", async () => {
    const { getEscalationRate } = await import("@/lib/routing/signals");
    const routedDown = await ownerQuery<{ n: string }>(
      "SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1 AND request_type = 'chat' AND status <> 'started' AND route_tier < route_default_tier",
      [esc.tenantId],
    );
    const expected = Number(routedDown[0]!.n);
    // hi (economy of premium), escalated to standard (below premium), hey and its escalation (the same), the follow-up
    // (economy), hello (economy of standard).
    expect(expected).toBe(6);
    // Signals: hi, hey and hello, economy → standard (the second escalation of hi was not the router's).
    expect(await signalsOf(esc.tenantId)).toHaveLength(3);
    const rate = await getEscalationRate(esc);
    expect(rate).toEqual({ days: 30, escalations: 3, routedDown: expected, rate: 3 / expected });
    // The first describe's tenant has routed-down answers but no signals.
    const other = await getEscalationRate(ctx);
    expect(other.escalations).toBe(0);
    expect(other.routedDown).toBeGreaterThan(0);
  });
});

describe("routing_signals row-level security", () => {
  it("members record only their own signals and cannot read any; admins read only their tenant's", async () => {
    const owner = await signUp({ name: "Sig Owner", email: `${unique("sigo")}@routing.test`, password: "long-enough-1", workspaceName: "Signal Corp" });
    const member = await signUp({ name: "Sig Member", email: `${unique("sigm")}@routing.test`, password: "long-enough-1", workspaceName: "Member Own Corp" });
    await ownerQuery("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')", [owner.tenantId, member.userId]);
    const asMember = { tenantId: owner.tenantId, userId: member.userId };
    const asOwner = { tenantId: owner.tenantId, userId: owner.userId };
    const signal = { conversationId: owner.tenantId, originalRequestId: unique("req_a"), originalTier: "economy" as const, newTier: "standard" as const, reason: "greeting" };
    const { recordRoutingSignal } = await import("@/lib/routing/signals");

    const requestId = unique("req_b");
    await recordRoutingSignal(asMember, requestId, signal);
    // Replayed: recorded once.
    await recordRoutingSignal(asMember, requestId, signal);
    const count = (c: TenantContext) => withTenant(c, async (tx) => Number((await tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM routing_signals`)[0]!.n));
    expect(await count(asMember)).toBe(0);
    expect(await count(asOwner)).toBe(1);
    // The member's own workspace sees nothing of Signal Corp's.
    expect(await count({ tenantId: member.tenantId, userId: member.userId })).toBe(0);

    // In another user's name: refused by the policy.
    await expect(
      withTenant(asMember, (tx) =>
        tx.$executeRaw`INSERT INTO routing_signals (tenant_id, user_id, conversation_id, original_request_id, request_id, original_tier, new_tier, reason)
                       VALUES (${owner.tenantId}::uuid, ${owner.userId}::uuid, ${owner.tenantId}::uuid, 'a', 'b', 'economy', 'standard', 'greeting')`,
      ),
    ).rejects.toThrow(/row-level security/);
  });
});
