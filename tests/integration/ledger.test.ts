import type Anthropic from "@anthropic-ai/sdk";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import { buildSystemPrompt, wrapUserMessage } from "@/lib/context/system-prompt";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withScopeSql } from "@/lib/db/sql";
import { drainOutbox, enqueueTurnWrite, fileOutbox, pendingTurnWrites, redisOutbox, type OutboxStore } from "@/lib/ledger/outbox";
import { reserveRequest, withdrawRequest, type LedgerRequest } from "@/lib/ledger/reserve";
import { sweepStaleRequests } from "@/lib/ledger/sweeper";
import { buildUsageEvent, type UsageEventRow } from "@/lib/ledger/usage-event";
import { applyTurnWriteNow, type TurnWrite } from "@/lib/ledger/write-turn";
import { createClaudeClient } from "@/lib/llm/anthropic-client";
import { TIER_MODELS } from "@/lib/llm/models";
import { costMicros } from "@/lib/llm/pricing";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { inputTokenBound } from "@/lib/llm/tokens";
import { trackedStream, type TrackedResult } from "@/lib/llm/tracked-call";
import { createRedis, closeRedis } from "@/lib/redis/client";
import { defaultTenantConfig } from "@/lib/tenancy/defaults";
import { invalidatePriceBook, loadPriceBook, priceAt } from "@/lib/usage/price-book";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * The ledger on its own, against the real PostgreSQL: a row before the call, one idempotent
 * write after it, the outbox that carries the whole write, and the sweeper.
 */
let prisma: PrismaClient;
let sim: RunningSimulator;
let client: Anthropic;
let dirs: string[] = [];
const MODEL = TIER_MODELS.economy.id;

beforeAll(async () => {
  prisma = useAppDatabase();
  invalidatePriceBook();
  sim = await startSimulator({ port: 0 });
  client = createClaudeClient({ baseURL: sim.url });
});

afterAll(async () => {
  await sim.close();
  await prisma.$disconnect();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tenant(): Promise<{ tenantId: string; userId: string }> {
  const r = await signUp({ name: "Lena", email: `${unique("ledger")}@l.test`, password: "long-enough-1", workspaceName: "Ledger Co" });
  return { tenantId: r.tenantId, userId: r.userId };
}

function request(ctx: { tenantId: string; userId: string }, extra: Partial<LedgerRequest> = {}): LedgerRequest {
  return {
    tenantId: ctx.tenantId,
    requestId: unique("req_"),
    userId: ctx.userId,
    conversationId: null,
    requestType: "chat",
    model: MODEL,
    estimatedInputTokens: 100,
    maxTokens: 200,
    reserveTokens: 1_000,
    quota: 1_000_000,
    at: new Date(),
    ...extra,
  };
}

const reserve = (r: LedgerRequest) => reserveRequest(r);

/** The quota row after folding the settlements queued for it (as every reader does). */
async function quotaRow(tenantId: string): Promise<{ used: number; reserved: number }> {
  await ownerQuery("SELECT fold_quota($1, NULL)", [tenantId]);
  const rows = await ownerQuery<{ used_tokens: string; reserved_tokens: string }>("SELECT used_tokens, reserved_tokens FROM quota_usage WHERE tenant_id = $1", [tenantId]);
  return { used: rows.reduce((s, r) => s + Number(r.used_tokens), 0), reserved: rows.reduce((s, r) => s + Number(r.reserved_tokens), 0) };
}

async function ledgerRow(tenantId: string, requestId: string) {
  const [row] = await ownerQuery<{ status: string; input_tokens: number; output_tokens: number; estimated: boolean; settled_at: Date | null; reserved_tokens: string; cost_micros: string }>(
    "SELECT status, input_tokens, output_tokens, estimated, settled_at, reserved_tokens, cost_micros FROM usage_events WHERE tenant_id = $1 AND request_id = $2",
    [tenantId, requestId],
  );
  return row;
}

function settled(r: LedgerRequest, usage: Partial<UsageEventRow> = {}, price = { id: null, model: MODEL, effectiveFrom: null, priceMissing: false, inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 5_000_000n, cacheWrite5mMicrosPerMTok: 0n, cacheWrite1hMicrosPerMTok: 0n, cacheReadMicrosPerMTok: 0n }): UsageEventRow {
  const base = buildUsageEvent(
    { usage: { inputTokens: 80, outputTokens: 120, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, latencyMs: 50, ttftMs: 10, status: "completed", errorType: undefined, estimated: false },
    { tenantId: r.tenantId, requestId: r.requestId, userId: r.userId, requestType: "chat", model: MODEL },
    price,
  );
  return { ...base, ...usage };
}

const usageOnly = (r: LedgerRequest, events: UsageEventRow[]): TurnWrite => ({ tenantId: r.tenantId, userId: r.userId, messages: null, events });

describe("a row before the call, settled once after it", () => {
  it("reserve writes a 'started' row holding the reservation; the write settles it and moves exactly that into used", async () => {
    const ctx = await tenant();
    const r = request(ctx);
    await reserve(r);
    expect(await ledgerRow(ctx.tenantId, r.requestId)).toMatchObject({ status: "started", settled_at: null, reserved_tokens: "1000" });
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 0, reserved: 1000 });

    const write = usageOnly(r, [settled(r)]);
    expect((await applyTurnWriteNow(write)).settled).toEqual([r.requestId]);
    expect(await ledgerRow(ctx.tenantId, r.requestId)).toMatchObject({ status: "completed", input_tokens: 80, output_tokens: 120, estimated: false });
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 200, reserved: 0 });

    // Delivered again (an outbox replay, a retried write): nothing changes.
    expect((await applyTurnWriteNow(write)).settled).toEqual([]);
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 200, reserved: 0 });
    const [{ n }] = (await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1", [ctx.tenantId])) as [{ n: string }];
    expect(n).toBe("1");
  });

  it("a settled row cannot be changed or deleted by the application's tenant scope", async () => {
    const ctx = await tenant();
    const r = request(ctx);
    await reserve(r);
    await applyTurnWriteNow(usageOnly(r, [settled(r)]));
    const scope = { kind: "tenant" as const, ...ctx };
    const changed = await withScopeSql(scope, (db) => db.query("UPDATE usage_events SET output_tokens = 0 WHERE request_id = $1 RETURNING 1", [r.requestId]));
    const removed = await withScopeSql(scope, (db) => db.query("DELETE FROM usage_events WHERE request_id = $1 RETURNING 1", [r.requestId]));
    expect(changed).toHaveLength(0);
    expect(removed).toHaveLength(0);
    expect(await ledgerRow(ctx.tenantId, r.requestId)).toMatchObject({ status: "completed", output_tokens: 120 });
  });

  it("withdrawing a request that never left removes its row and releases its reservation", async () => {
    const ctx = await tenant();
    const r = request(ctx);
    await reserve(r);
    await withdrawRequest(ctx, r.requestId);
    expect(await ledgerRow(ctx.tenantId, r.requestId)).toBeUndefined();
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 0, reserved: 0 });
  });

  it("settles the usage even when the conversation was deleted while the reply streamed", async () => {
    const ctx = await tenant();
    const r = request(ctx);
    await reserve(r);
    const now = new Date();
    const result = await applyTurnWriteNow({
      ...usageOnly(r, [settled(r)]),
      messages: {
        conversationId: randomUUID(), // no such conversation (deleted meanwhile)
        newConversation: null,
        userMessage: { id: randomUUID(), content: "q", createdAt: now },
        assistantMessage: { id: randomUUID(), content: "a", status: "complete", createdAt: new Date(now.getTime() + 1) },
      },
    });
    expect(result.conversationFound).toBe(false);
    expect(result.settled).toEqual([r.requestId]);
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 200, reserved: 0 });
  });
});

describe("quota with no overshoot", () => {
  it("six concurrent 20k reservations against a 100k quota: five admitted, and settling each at its bound ends exactly at the quota", async () => {
    const ctx = await tenant();
    const quota = 100_000;
    const rs = Array.from({ length: 6 }, () => request(ctx, { quota, reserveTokens: 20_000 }));
    const outcomes = await Promise.allSettled(rs.map(reserve));
    const admitted = rs.filter((_, i) => outcomes[i]!.status === "fulfilled");
    expect(admitted).toHaveLength(5);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AppError);
    expect((refused.reason as AppError).extra).toMatchObject({ limit: "monthly_quota" });
    // The worst case: every admitted call uses all it reserved. A bound cannot be exceeded.
    await Promise.all(admitted.map((r) => applyTurnWriteNow(usageOnly(r, [settled(r, { inputTokens: 10_000, outputTokens: 10_000 })]))));
    const q = await quotaRow(ctx.tenantId);
    expect(q).toEqual({ used: 100_000, reserved: 0 });
    expect(q.used).toBeLessThanOrEqual(quota);
  });

  it("the bound never under-counts: CJK text, which four-characters-a-token under-counts, is bounded by its bytes", () => {
    const text = "東京の天気はどうですか".repeat(50);
    const request = { system: "s", messages: [{ role: "user", content: text }] };
    expect(inputTokenBound(request)).toBeGreaterThanOrEqual(Buffer.byteLength(text, "utf8"));
    expect(inputTokenBound(request)).toBeGreaterThan(text.length); // at least a token a character
  });

  it("leaves notices at 80 % and 100 % of the plan's quota, once each, when settlements are folded, and then refuses", async () => {
    const ctx = await tenant();
    await ownerQuery("UPDATE tenants SET plan_id = 'free' WHERE id = $1", [ctx.tenantId]);
    const [{ q }] = (await ownerQuery<{ q: string }>("SELECT monthly_token_quota AS q FROM plans WHERE id = 'free'")) as [{ q: string }];
    const planQuota = Number(q);
    const kinds = async () => (await ownerQuery<{ kind: string }>("SELECT kind FROM tenant_notices WHERE tenant_id = $1 ORDER BY id", [ctx.tenantId])).map((k) => k.kind);
    const use = async (fraction: number) => {
      const tokens = Math.round(planQuota * fraction);
      const r = request(ctx, { quota: planQuota, reserveTokens: tokens });
      await reserve(r);
      await applyTurnWriteNow(usageOnly(r, [settled(r, { inputTokens: tokens, outputTokens: 0 })]));
      await quotaRow(ctx.tenantId); // a reader folds the settlement, and leaves notices
      return kinds();
    };
    expect(await use(0.7)).toEqual([]);
    expect(await use(0.15)).toEqual(["quota_80"]);
    expect(await use(0.01)).toEqual(["quota_80"]);
    expect(await use(0.14)).toEqual(["quota_80", "quota_100"]);
    await expect(reserve(request(ctx, { quota: planQuota, reserveTokens: 1 }))).rejects.toMatchObject({ extra: { limit: "monthly_quota" } });
  });

  it("a settlement not yet folded keeps its whole reservation counted: admission stays conservative", async () => {
    const ctx = await tenant();
    const quota = 10_000;
    const r = request(ctx, { quota, reserveTokens: 6_000 });
    await reserve(r);
    await applyTurnWriteNow(usageOnly(r, [settled(r, { inputTokens: 100, outputTokens: 0 })]));
    const [raw] = await ownerQuery<{ used_tokens: string; reserved_tokens: string }>("SELECT used_tokens, reserved_tokens FROM quota_usage WHERE tenant_id = $1", [ctx.tenantId]);
    expect(raw).toEqual({ used_tokens: "0", reserved_tokens: "6000" });
    // The next reservation folds it first, so the room it sees is exact.
    await reserve(request(ctx, { quota, reserveTokens: 9_900 }));
    const [after] = await ownerQuery<{ used_tokens: string; reserved_tokens: string }>("SELECT used_tokens, reserved_tokens FROM quota_usage WHERE tenant_id = $1", [ctx.tenantId]);
    expect(after).toEqual({ used_tokens: "100", reserved_tokens: "9900" });
  });

  it("quota months are the tenant's local months", async () => {
    const ctx = await tenant();
    await ownerQuery("UPDATE tenants SET time_zone = 'Pacific/Auckland' WHERE id = $1", [ctx.tenantId]);
    // 2030-01-31 12:00 UTC is already February 1st in Auckland (UTC+13).
    await reserve(request(ctx, { at: new Date("2030-01-31T12:00:00Z") }));
    const [row] = await ownerQuery<{ period: string }>("SELECT to_char(period, 'YYYY-MM-DD') AS period FROM quota_usage WHERE tenant_id = $1", [ctx.tenantId]);
    expect(row?.period).toBe("2030-02-01");
  });
});

describe("the outbox carries the whole write", () => {
  async function failingThenReplayed(store: OutboxStore) {
    const ctx = await tenant();
    const r = request(ctx);
    await reserve(r);
    const conversationId = randomUUID();
    const now = new Date();
    const write: TurnWrite = {
      ...usageOnly(r, [settled(r)]),
      messages: {
        conversationId,
        newConversation: { title: "Outboxed", createdAt: now },
        // Text that looks like a timestamp must come back from the outbox as text.
        userMessage: { id: randomUUID(), content: "2030-01-31T12:00:00.000Z", createdAt: now },
        assistantMessage: { id: randomUUID(), content: "answer", status: "complete", createdAt: new Date(now.getTime() + 1) },
      },
    };
    // The database is unreachable for the final write.
    const dead = new pg.Pool({ connectionString: "postgres://bh_app@127.0.0.1:1/none", connectionTimeoutMillis: 500 });
    await expect(applyTurnWriteNow(write, dead)).rejects.toThrow();
    await dead.end();
    await enqueueTurnWrite(write, store);
    await enqueueTurnWrite(write, store); // delivered twice: still one entry
    expect(await pendingTurnWrites(store)).toHaveLength(1);
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 0, reserved: 1000 });

    expect(await drainOutbox((w) => applyTurnWriteNow(w), store)).toEqual({ written: 1, duplicates: 0, failed: 0, rejected: 0 });
    expect(await pendingTurnWrites(store)).toEqual([]);
    // Messages, settlement and quota arrived together, exactly once.
    const messages = await ownerQuery<{ role: string; content: string }>("SELECT role, content FROM messages WHERE conversation_id = $1 ORDER BY created_at", [conversationId]);
    expect(messages).toEqual([{ role: "user", content: "2030-01-31T12:00:00.000Z" }, { role: "assistant", content: "answer" }]);
    expect(await ledgerRow(ctx.tenantId, r.requestId)).toMatchObject({ status: "completed", output_tokens: 120 });
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 200, reserved: 0 });

    // A duplicate delivery after the drain changes nothing.
    await enqueueTurnWrite(write, store);
    expect(await drainOutbox((w) => applyTurnWriteNow(w), store)).toEqual({ written: 0, duplicates: 1, failed: 0, rejected: 0 });
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 200, reserved: 0 });
    const [{ n }] = (await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", [conversationId])) as [{ n: string }];
    expect(n).toBe("2");
  }

  it("file store (embedded default): replay applies messages, settlement and quota once; files are private", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "bulkhead-outbox-"));
    dirs.push(dir);
    await failingThenReplayed(fileOutbox(dir));
    expect((await readdir(dir)).filter((f) => f.endsWith(".json"))).toEqual([]);
  });

  it("Redis store (when Redis is configured): the same, off the app's disk", async () => {
    const redis = createRedis({ kind: "redis-tcp", url: "redis://127.0.0.1:6379" });
    const key = `bh:test:outbox:${unique("")}`;
    try {
      await failingThenReplayed(redisOutbox(redis, key));
      expect(await redis.hlen(key)).toBe(0);
    } finally {
      await redis.del(key);
      await closeRedis(redis);
    }
  });
});

describe("the sweeper", () => {
  it("settles a row a dead process left in flight at its reservation's estimate, flagged, and returns reserved to 0", async () => {
    const ctx = await tenant();
    const longAgo = new Date(Date.now() - 60 * 60_000);
    const r = request(ctx, { at: longAgo, estimatedInputTokens: 150, maxTokens: 300, reserveTokens: 900 });
    await reserve(r);
    const live = request(ctx); // in flight now: must be left alone
    await reserve(live);
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 0, reserved: 1900 });

    // Only this test's tenant: other files' rows in flight are theirs to settle.
    const swept = await sweepStaleRequests({ tenantIds: [ctx.tenantId] });
    expect(swept).toEqual({ found: 1, settled: 1 });
    const row = await ledgerRow(ctx.tenantId, r.requestId);
    expect(row).toMatchObject({ status: "error", input_tokens: 150, output_tokens: 300, estimated: true });
    const price = await priceAt(MODEL);
    expect(BigInt(row!.cost_micros)).toBe(costMicros({ inputTokens: 150, outputTokens: 300, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, price));
    expect(await ledgerRow(ctx.tenantId, live.requestId)).toMatchObject({ status: "started" });
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 450, reserved: 1000 });

    // The dead process's write, if it ever arrives, changes nothing.
    expect((await applyTurnWriteNow(usageOnly(r, [settled(r)]))).settled).toEqual([]);
    expect(await quotaRow(ctx.tenantId)).toEqual({ used: 450, reserved: 1000 });
  });
});

describe("usage parsing as tolerant as the SDK's", () => {
  async function call(text: string, extra: Partial<Parameters<typeof trackedStream>[0]> = {}): Promise<TrackedResult> {
    return trackedStream({
      tenantId: randomUUID(),
      requestId: unique("req"),
      requestType: "chat",
      model: MODEL,
      maxTokens: 4096,
      system: buildSystemPrompt(defaultTenantConfig("Tolerant Co")),
      messages: [{ role: "user", content: wrapUserMessage(text) }],
      client,
      ...extra,
    });
  }

  it("a message_delta with only output_tokens (and fields newer than the SDK) is priced on exactly what the simulator billed", async () => {
    const minimal = await call(`${unique("minimal ")} [[sim:usage-minimal]]`);
    const entry = sim.received.last()!;
    expect(minimal.status).toBe("completed");
    expect(minimal.estimated).toBe(false);
    const billed = {
      inputTokens: entry.usage!.input_tokens,
      outputTokens: entry.usage!.output_tokens,
      cacheWriteTokens: entry.usage!.cache_creation_input_tokens,
      cacheWrite1hTokens: 0,
      cacheReadTokens: entry.usage!.cache_read_input_tokens,
    };
    expect(minimal.usage).toEqual(billed);
    const price = (await loadPriceBook()).find((p) => p.model === MODEL)!;
    const expected = costMicros(billed, price);
    expect(costMicros(minimal.usage, price)).toBe(expected);
    expect(expected).toBeGreaterThan(0n);
  });

  it("an upstream that stalls after its first delta is cut by the idle timeout, billed as estimated, reported as an error", async () => {
    const started = Date.now();
    const result = await call(`stall forever [[sim:stall]] ${unique("")}`, { idleTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe("error");
    expect(result.errorType).toBe("timeout_error");
    expect(result.estimated).toBe(true);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBe(sim.received.last()!.usage!.input_tokens);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it("the total limit cuts a stream that keeps sending but runs too long", async () => {
    const result = await call(`slow and long [[sim:slow:20]] ${unique("")}`, { totalTimeoutMs: 300, maxTokens: 2000 });
    expect(result.status).toBe("error");
    expect(result.errorType).toBe("timeout_error");
    expect(result.estimated).toBe(true);
  });

  describe("an abort before message_start", () => {
    let server: Server;
    let port: number;
    const sockets = new Set<import("node:net").Socket>();
    beforeAll(async () => {
      // Accepts the request and never answers: the request has left, nothing came back.
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on("error", () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it("bills the estimated input (the request was sent), flagged", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const result = await call("never answered", { client: createClaudeClient({ baseURL: `http://127.0.0.1:${port}` }), signal: controller.signal, estimatedInputTokens: 321 });
      expect(result.status).toBe("aborted");
      expect(result.sent).toBe(true);
      expect(result.estimated).toBe(true);
      expect(result.usage.inputTokens).toBe(321);
      expect(result.usage.outputTokens).toBe(0);
    });
  });
});
