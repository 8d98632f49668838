import pg from "pg";
import type Anthropic from "@anthropic-ai/sdk";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import { buildSystemPrompt, wrapUserMessage } from "@/lib/context/system-prompt";
import { createPrismaClient } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { createClaudeClient } from "@/lib/llm/anthropic-client";
import { TIER_MODELS } from "@/lib/llm/models";
import { costMicros } from "@/lib/llm/pricing";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { trackedStream, type TrackedResult } from "@/lib/llm/tracked-call";
import { defaultTenantConfig } from "@/lib/tenancy/defaults";
import { drainOutbox, enqueueUsage, isPermanentWriteError, listPendingUsage, startOutboxDrainer, writeUsageEvent } from "@/lib/usage/outbox";
import { persistTurn } from "@/lib/usage/persist-turn";
import { invalidatePriceBook, loadPriceBook, priceAt } from "@/lib/usage/price-book";
import { buildUsageEvent, recordUsage, type UsageEventRow } from "@/lib/usage/record-usage";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let sim: RunningSimulator;
let client: Anthropic;
let ctx: { tenantId: string; userId: string };
let outbox: string;
const MODEL = TIER_MODELS.economy.id;

interface UsageRow {
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  cost_micros: string;
  price_id: string | null;
  price_missing: boolean;
  status: string;
  created_at: Date;
}

const usageRows = (requestId: string) =>
  ownerQuery<UsageRow>("SELECT * FROM usage_events WHERE tenant_id = $1 AND request_id = $2", [ctx.tenantId, requestId]);
const messageCount = async (conversationId: string) =>
  Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", [conversationId]))[0]?.n);

/** A real call through the simulator, priced with the seeded price book. */
async function callAndPrice(text: string): Promise<{ result: TrackedResult; event: UsageEventRow }> {
  const requestId = unique("req");
  const result = await trackedStream({
    tenantId: ctx.tenantId,
    userId: ctx.userId,
    requestId,
    requestType: "chat",
    model: MODEL,
    maxTokens: 200,
    system: buildSystemPrompt(defaultTenantConfig("Usage Co")),
    messages: [{ role: "user", content: wrapUserMessage(text) }],
    client,
  });
  const price = await priceAt(MODEL);
  return { result, event: buildUsageEvent(result, { tenantId: ctx.tenantId, requestId, userId: ctx.userId, requestType: "chat", model: MODEL }, price) };
}

async function newConversation(): Promise<string> {
  return withTenant(ctx, async (tx) => (await tx.conversation.create({ data: { tenantId: ctx.tenantId, userId: ctx.userId, title: "t" }, select: { id: true } })).id);
}

beforeAll(async () => {
  prisma = useAppDatabase();
  invalidatePriceBook();
  sim = await startSimulator({ port: 0 });
  client = createClaudeClient({ baseURL: sim.url });
  ctx = await signUp({ name: "Ursula", email: `${unique("ursula")}@u.test`, password: "correct-horse-9", workspaceName: "Usage Co" });
  outbox = await mkdtemp(path.join(tmpdir(), "bulkhead-outbox-"));
});

afterAll(async () => {
  await sim.close();
  await prisma.$disconnect();
  await rm(outbox, { recursive: true, force: true });
});

describe("price book (migration 0002)", () => {
  it("holds the seeded list prices, readable by the application login", async () => {
    const rows = await loadPriceBook();
    const byModel = new Map(rows.map((r) => [r.model, r]));
    const dollars = { "claude-opus-4-5": 5n, "claude-opus-4-6": 5n, "claude-opus-4-7": 5n, "claude-opus-4-8": 5n, "claude-sonnet-4-5": 3n, "claude-sonnet-4-6": 3n, "claude-haiku-4-5": 1n } as const;
    for (const [model, inputDollars] of Object.entries(dollars)) {
      const row = byModel.get(model);
      const input = inputDollars * 1_000_000n;
      expect(row, model).toMatchObject({
        inputMicrosPerMTok: input,
        outputMicrosPerMTok: input * 5n,
        cacheWrite5mMicrosPerMTok: (input * 125n) / 100n,
        cacheWrite1hMicrosPerMTok: input * 2n,
        cacheReadMicrosPerMTok: input / 10n,
      });
      expect(row?.effectiveFrom.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    }
    // Every tier routes to a priced model.
    for (const { id } of Object.values(TIER_MODELS)) expect(byModel.has(id), id).toBe(true);
  });
});

describe("recordUsage", () => {
  it("writes the event once per request id, priced with the row it names", async () => {
    const { result, event } = await callAndPrice(unique("record me "));
    expect(result.status).toBe("completed");
    const [first, second] = [await withTenant(ctx, (tx) => recordUsage(tx, event)), await withTenant(ctx, (tx) => recordUsage(tx, event))];
    expect(first).toBe(true);
    expect(second).toBe(false);
    const rows = await usageRows(event.requestId);
    expect(rows).toHaveLength(1);
    const row = rows[0] as UsageRow;
    const priceRow = (await ownerQuery<{ id: string }>("SELECT id FROM price_book WHERE model = $1", [MODEL]))[0];
    expect(row.price_id).toBe(priceRow?.id);
    expect(row.price_missing).toBe(false);
    expect(row.input_tokens).toBe(result.usage.inputTokens);
    expect(row.output_tokens).toBe(result.usage.outputTokens);
    expect(row.cache_write_tokens).toBe(result.usage.cacheWriteTokens);
    expect(row.cache_read_tokens).toBe(result.usage.cacheReadTokens);
    expect(BigInt(row.cost_micros)).toBe(costMicros(result.usage, (await loadPriceBook()).find((p) => p.model === MODEL)!));
    expect(BigInt(row.cost_micros)).toBeGreaterThan(0n);
    expect(row.created_at.getTime()).toBe(event.createdAt.getTime());
  });

  it("is idempotent under concurrent writes of the same event", async () => {
    const { event } = await callAndPrice(unique("race me "));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => withTenant(ctx, (tx) => recordUsage(tx, event))));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await usageRows(event.requestId)).toHaveLength(1);
  });
});

describe("file outbox", () => {
  it("keeps an event whose write failed and drains it exactly once", async () => {
    const dir = path.join(outbox, "drain");
    const { event } = await callAndPrice(unique("outbox me "));
    await enqueueUsage(event, { dir });
    await enqueueUsage(event, { dir }); // enqueued twice: still one entry
    expect(await listPendingUsage({ dir })).toEqual([event]);

    // The database is still down: the event stays.
    const down = await drainOutbox(async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
    }, { dir });
    expect(down).toEqual({ written: 0, duplicates: 0, failed: 1, rejected: 0 });
    expect(await listPendingUsage({ dir })).toHaveLength(1);
    expect(await usageRows(event.requestId)).toHaveLength(0);

    const up = await drainOutbox(writeUsageEvent, { dir });
    expect(up).toEqual({ written: 1, duplicates: 0, failed: 0, rejected: 0 });
    expect(await listPendingUsage({ dir })).toEqual([]);
    const rows = await usageRows(event.requestId);
    expect(rows).toHaveLength(1);
    expect(BigInt(rows[0]?.cost_micros ?? -1)).toBe(event.costMicros);

    // A replay (e.g. two instances drained the same file) adds nothing.
    await enqueueUsage(event, { dir });
    expect(await drainOutbox(writeUsageEvent, { dir })).toEqual({ written: 0, duplicates: 1, failed: 0, rejected: 0 });
    expect(await usageRows(event.requestId)).toHaveLength(1);
    expect(await drainOutbox(writeUsageEvent, { dir })).toEqual({ written: 0, duplicates: 0, failed: 0, rejected: 0 });
  });
});

describe("startOutboxDrainer", () => {
  it("drains in the background, once per process", async () => {
    const dir = path.join(outbox, "background");
    const { event } = await callAndPrice(unique("background drain "));
    await enqueueUsage(event, { dir });
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const drainer = startOutboxDrainer({ dir, intervalMs: 20 });
    try {
      expect(startOutboxDrainer({ dir, intervalMs: 20 })).toBe(drainer);
      for (let i = 0; i < 100 && (await listPendingUsage({ dir })).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      drainer.stop();
      info.mockRestore();
    }
    expect(await listPendingUsage({ dir })).toEqual([]);
    expect(await usageRows(event.requestId)).toHaveLength(1);
  });
});

describe("persistTurn", () => {
  it("writes both messages, bumps the conversation and records usage in one transaction", async () => {
    const conversationId = await newConversation();
    const { result, event } = await callAndPrice(unique("persist me "));
    const saved = await persistTurn(ctx, {
      conversationId,
      userMessage: { content: "persist me" },
      assistantMessage: { content: result.text, status: "complete" },
      usageEvent: event,
    });
    expect(saved.usageRecorded).toBe(true);
    const messages = await ownerQuery<{ id: string; role: string; content: string; created_at: Date }>(
      "SELECT id, role, content, created_at FROM messages WHERE conversation_id = $1 ORDER BY created_at",
      [conversationId],
    );
    expect(messages.map((m) => [m.id, m.role])).toEqual([
      [saved.userMessageId, "user"],
      [saved.assistantMessageId, "assistant"],
    ]);
    expect(messages[1]?.content).toBe(result.text);
    const conv = await ownerQuery<{ updated_at: Date }>("SELECT updated_at FROM conversations WHERE id = $1", [conversationId]);
    expect(conv[0]?.updated_at.getTime()).toBe(event.createdAt.getTime());
    expect(await usageRows(event.requestId)).toHaveLength(1);
  });

  it("writes nothing when the usage insert fails, and parks the event in the outbox", async () => {
    const dir = path.join(outbox, "check");
    const conversationId = await newConversation();
    const { event } = await callAndPrice(unique("bad usage "));
    // Violates usage_events' CHECK (1-hour writes ≤ all writes), the last statement of the transaction.
    const bad = { ...event, cacheWrite1hTokens: event.cacheWriteTokens + 1 };
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = await persistTurn(ctx, { conversationId, userMessage: { content: "q" }, assistantMessage: { content: "a", status: "complete" }, usageEvent: bad }, { outbox: { dir } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(isPermanentWriteError(error)).toBe(true);
    expect(await messageCount(conversationId)).toBe(0);
    expect(await usageRows(event.requestId)).toHaveLength(0);
    expect(await listPendingUsage({ dir })).toEqual([bad]);

    // Draining moves it aside instead of retrying it forever.
    expect(await drainOutbox(writeUsageEvent, { dir })).toEqual({ written: 0, duplicates: 0, failed: 0, rejected: 1 });
    log.mockRestore();
    expect(await listPendingUsage({ dir })).toEqual([]);
    expect((await readdir(path.join(dir, "rejected"))).some((f) => f.endsWith(".error.txt"))).toBe(true);
  });

  it("creates a new conversation in the same transaction, or not at all", async () => {
    const { randomUUID } = await import("node:crypto");
    const ok = randomUUID();
    const { result, event } = await callAndPrice(unique("first turn "));
    const startedAt = new Date(event.createdAt.getTime() - 5_000);
    await persistTurn(ctx, {
      conversationId: ok,
      newConversation: { title: "First turn", createdAt: startedAt },
      userMessage: { content: "first turn", createdAt: startedAt },
      assistantMessage: { content: result.text, status: "complete" },
      usageEvent: { ...event, conversationId: ok },
    });
    const conv = await ownerQuery<{ title: string; created_at: Date; updated_at: Date }>("SELECT title, created_at, updated_at FROM conversations WHERE id = $1", [ok]);
    expect(conv).toHaveLength(1);
    expect(conv[0]?.title).toBe("First turn");
    expect(conv[0]?.created_at.getTime()).toBe(startedAt.getTime());
    expect(conv[0]?.updated_at.getTime()).toBe(event.createdAt.getTime());
    expect(await messageCount(ok)).toBe(2);

    const failed = randomUUID();
    const second = await callAndPrice(unique("first turn fails "));
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(
      persistTurn(
        ctx,
        {
          conversationId: failed,
          newConversation: { title: "Never" },
          userMessage: { content: "q" },
          assistantMessage: { content: "a", status: "complete" },
          usageEvent: { ...second.event, inputTokens: -1 },
        },
        { outbox: { dir: path.join(outbox, "new-conv") } },
      ),
    ).rejects.toThrow();
    log.mockRestore();
    expect(await ownerQuery("SELECT 1 FROM conversations WHERE id = $1", [failed])).toHaveLength(0);
    expect(await messageCount(failed)).toBe(0);
  });

  it("when the database is unreachable, the usage event survives in the outbox and is drained later", async () => {
    const dir = path.join(outbox, "down");
    const conversationId = await newConversation();
    const { event } = await callAndPrice(unique("db down "));
    const unreachable = new pg.Pool({ connectionString: "postgresql://bh_app@127.0.0.1:1/nothing", max: 1 });
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(
        persistTurn(ctx, { conversationId, userMessage: { content: "q" }, assistantMessage: { content: "a", status: "complete" }, usageEvent: event }, {
          pool: unreachable,
          outbox: { dir },
        }),
      ).rejects.toThrow();
    } finally {
      log.mockRestore();
      await unreachable.end();
    }
    expect(await usageRows(event.requestId)).toHaveLength(0);
    expect(await listPendingUsage({ dir })).toEqual([event]);
    expect(await drainOutbox(writeUsageEvent, { dir })).toEqual({ written: 1, duplicates: 0, failed: 0, rejected: 0 });
    expect(await usageRows(event.requestId)).toHaveLength(1);
    expect(await messageCount(conversationId)).toBe(0); // the messages were not saved: the caller was told (rethrown)
  });

  it("cannot write into another user's conversation", async () => {
    const other = await signUp({ name: "Otto", email: `${unique("otto")}@o.test`, password: "correct-horse-9", workspaceName: "Otto Co" });
    const theirs = await withTenant(other, async (tx) => (await tx.conversation.create({ data: { tenantId: other.tenantId, userId: other.userId, title: "x" }, select: { id: true } })).id);
    const { event } = await callAndPrice(unique("intruder "));
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(
      persistTurn(ctx, { conversationId: theirs, userMessage: { content: "q" }, assistantMessage: { content: "a", status: "complete" }, usageEvent: event }, { outbox: { dir: path.join(outbox, "intruder") } }),
    ).rejects.toThrow();
    log.mockRestore();
    expect(await messageCount(theirs)).toBe(0);
  });
});
