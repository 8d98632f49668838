import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withScopeSql } from "@/lib/db/sql";
import { defaultOutbox } from "@/lib/ledger/outbox";
import { reserveRequest, type LedgerRequest } from "@/lib/ledger/reserve";
import { buildUsageEvent, type UsageEventRow } from "@/lib/ledger/usage-event";
import { applyTurnWritesNow, writeTurn, writeTurnCarried, type TurnMessages, type TurnWrite } from "@/lib/ledger/write-turn";
import { TIER_MODELS } from "@/lib/llm/models";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { rollupDrift } from "@/tests/helpers/rollup-drift";

/**
 * Group commit of settlements (lib/ledger/write-turn.ts, settle_turns() in
 * 0021_settle_batch): a tenant's concurrent turns settle in one transaction, with every
 * guarantee of a turn settled alone — exact totals, idempotent replay, one bad turn never
 * failing its neighbours (it alone goes to the outbox), never two tenants in one batch, and
 * each user's messages written under that user's policies.
 */
let prisma: PrismaClient;
const MODEL = TIER_MODELS.economy.id;
const PRICE = { id: null, model: MODEL, effectiveFrom: null, priceMissing: false, inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 5_000_000n, cacheWrite5mMicrosPerMTok: 0n, cacheWrite1hMicrosPerMTok: 0n, cacheReadMicrosPerMTok: 0n };

beforeAll(() => {
  prisma = useAppDatabase();
});

afterAll(async () => {
  await prisma.$disconnect();
});

type Who = { tenantId: string; userId: string };

async function tenant(): Promise<Who> {
  const r = await signUp({ name: "Batch Owner", email: `${unique("batch")}@batch.test`, password: "long-enough-1", workspaceName: unique("Batch Co ") });
  return { tenantId: r.tenantId, userId: r.userId };
}

/** A second member of `t` (signed up elsewhere, then added as a member). */
async function member(t: Who): Promise<Who> {
  const r = await signUp({ name: "Batch Member", email: `${unique("member")}@batch.test`, password: "long-enough-1", workspaceName: unique("Elsewhere ") });
  await ownerQuery("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')", [t.tenantId, r.userId]);
  return { tenantId: t.tenantId, userId: r.userId };
}

async function reserved(who: Who, reserveTokens = 1_000): Promise<LedgerRequest> {
  const r: LedgerRequest = {
    tenantId: who.tenantId,
    requestId: unique("req_batch_"),
    userId: who.userId,
    conversationId: null,
    requestType: "chat",
    model: MODEL,
    estimatedInputTokens: 100,
    maxTokens: 200,
    reserveTokens,
    quota: 1e12,
    at: new Date(),
  };
  await reserveRequest(r);
  return r;
}

function event(r: LedgerRequest, input: number, output: number): UsageEventRow {
  return buildUsageEvent(
    { usage: { inputTokens: input, outputTokens: output, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, latencyMs: 40, ttftMs: 8, status: "completed", errorType: undefined, estimated: false },
    { tenantId: r.tenantId, requestId: r.requestId, userId: r.userId, requestType: "chat", model: MODEL },
    PRICE,
  );
}

function newConversation(text = "answer", conversationId: string = randomUUID()): TurnMessages {
  const at = new Date();
  return {
    conversationId,
    newConversation: { title: "Batched", createdAt: at },
    userMessage: { id: randomUUID(), content: "question", createdAt: at },
    assistantMessage: { id: randomUUID(), content: text, status: "complete", createdAt: new Date(at.getTime() + 1) },
  };
}

function followUp(conversationId: string): TurnMessages {
  const at = new Date(Date.now() + 10);
  return {
    conversationId,
    newConversation: null,
    userMessage: { id: randomUUID(), content: "and then?", createdAt: at },
    assistantMessage: { id: randomUUID(), content: "then this", status: "complete", createdAt: new Date(at.getTime() + 1) },
  };
}

const write = (who: Who, events: UsageEventRow[], messages: TurnMessages | null = null): TurnWrite => ({ tenantId: who.tenantId, userId: who.userId, messages, events });

/** Quota and rollups folded, as a reader would. */
async function fold(tenantId: string): Promise<void> {
  await ownerQuery("SELECT fold_quota($1, NULL)", [tenantId]);
  await ownerQuery("SELECT fold_usage_rollups($1)", [tenantId]);
}

async function totals(tenantId: string) {
  const [row] = await ownerQuery<{ settled: string; started: string; tokens: string; used: string; reserved: string; daily_requests: string; daily_tokens: string; monthly_requests: string }>(
    `SELECT (SELECT count(*) FROM usage_events WHERE tenant_id = $1 AND status <> 'started')::text AS settled,
            (SELECT count(*) FROM usage_events WHERE tenant_id = $1 AND status = 'started')::text AS started,
            (SELECT coalesce(sum(input_tokens + output_tokens), 0) FROM usage_events WHERE tenant_id = $1 AND status <> 'started')::text AS tokens,
            (SELECT coalesce(sum(used_tokens), 0) FROM quota_usage WHERE tenant_id = $1)::text AS used,
            (SELECT coalesce(sum(reserved_tokens), 0) FROM quota_usage WHERE tenant_id = $1)::text AS reserved,
            (SELECT coalesce(sum(requests), 0) FROM usage_daily WHERE tenant_id = $1)::text AS daily_requests,
            (SELECT coalesce(sum(input_tokens + output_tokens), 0) FROM usage_daily WHERE tenant_id = $1)::text AS daily_tokens,
            (SELECT coalesce(sum(requests), 0) FROM usage_monthly_tenant WHERE tenant_id = $1)::text AS monthly_requests`,
    [tenantId],
  );
  return row!;
}

const settlementRows = async (tenantId: string) =>
  Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM quota_settlements WHERE tenant_id = $1", [tenantId]))[0]!.n);

const messageCount = async (tenantId: string) => Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM messages WHERE tenant_id = $1", [tenantId]))[0]!.n);

/** This test's entries in the default outbox (other files may have their own there), removed after reading. */
async function takeOutboxed(requestIds: string[]): Promise<string[]> {
  const store = defaultOutbox();
  const found: string[] = [];
  for (const { key, entry } of await store.list()) {
    const id = requestIds.find((r) => entry.includes(r));
    if (!id) continue;
    found.push(id);
    await store.remove(key);
  }
  return found;
}

describe("a tenant's concurrent settlements share one transaction", () => {
  it("40 concurrent turns: two batches (the first alone, the rest together), exact totals in events, quota and rollups", async () => {
    const t = await tenant();
    const rs = await Promise.all(Array.from({ length: 40 }, () => reserved(t)));
    // Every fifth turn has a conversation; the rest are usage only (API-like).
    const writes = rs.map((r, i) => write(t, [event(r, 100 + i, 10 * i)], i % 5 === 0 ? newConversation(`answer ${i}`) : null));
    const results = await Promise.all(writes.map((w) => writeTurn(w)));

    results.forEach((result, i) => {
      expect(result.settled).toEqual([rs[i]!.requestId]);
      expect(result.conversationFound).toBe(true);
    });
    // The first write found nobody waiting and went at once; the 39 behind it shared the next
    // transaction: one quota settlement each, not one per turn.
    expect(await settlementRows(t.tenantId)).toBe(2);
    expect(await messageCount(t.tenantId)).toBe(16);

    await fold(t.tenantId);
    const tokens = rs.reduce((sum, _, i) => sum + 100 + i + 10 * i, 0);
    expect(await totals(t.tenantId)).toEqual({
      settled: "40",
      started: "0",
      tokens: String(tokens),
      used: String(tokens),
      reserved: "0",
      daily_requests: "40",
      daily_tokens: String(tokens),
      monthly_requests: "40",
    });
    expect(await rollupDrift(t.tenantId)).toEqual([]);
  });

  it("replays change nothing: the same writes again (batched, and twice within one batch)", async () => {
    const t = await tenant();
    const rs = await Promise.all(Array.from({ length: 12 }, () => reserved(t)));
    const writes = rs.map((r, i) => write(t, [event(r, 50, 5)], i % 3 === 0 ? newConversation() : null));
    await Promise.all(writes.map((w) => writeTurn(w)));
    await fold(t.tenantId);
    const before = await totals(t.tenantId);
    const messagesBefore = await messageCount(t.tenantId);

    const replayed = await Promise.all(writes.map((w) => writeTurn(w)));
    expect(replayed.every((r) => r.settled.length === 0)).toBe(true);
    // One batch holding every write twice: still nothing to settle, no message twice.
    const doubled = await applyTurnWritesNow([...writes, ...writes]);
    expect(doubled.every((r) => r.settled.length === 0)).toBe(true);

    await fold(t.tenantId);
    expect(await totals(t.tenantId)).toEqual(before);
    expect(await messageCount(t.tenantId)).toBe(messagesBefore);
    expect(await rollupDrift(t.tenantId)).toEqual([]);
  });

  it("a request id in two writes of one batch is settled once, and reported by the first", async () => {
    const t = await tenant();
    const r = await reserved(t);
    const results = await applyTurnWritesNow([write(t, [event(r, 10, 10)]), write(t, [event(r, 10, 10)])]);
    expect(results.map((x) => x.settled)).toEqual([[r.requestId], []]);
    await fold(t.tenantId);
    expect(await totals(t.tenantId)).toMatchObject({ settled: "1", used: "20", reserved: "0" });
  });
});

describe("one bad turn never fails its neighbours", () => {
  it("a batch whose write fails is retried turn by turn: the others settle, the bad one alone goes to the outbox", async () => {
    const t = await tenant();
    const rs = await Promise.all(Array.from({ length: 6 }, () => reserved(t)));
    // PostgreSQL text cannot hold a NUL: this turn's write fails however it is sent.
    const bad = 2;
    const writes = rs.map((r, i) => write(t, [event(r, 100, 100)], newConversation(i === bad ? "broken \u0000 reply" : `fine ${i}`)));
    const outcomes = await Promise.allSettled(writes.map((w) => writeTurn(w)));

    outcomes.forEach((o, i) => {
      if (i === bad) {
        expect(o.status).toBe("rejected");
      } else {
        expect(o.status).toBe("fulfilled");
        expect((o as PromiseFulfilledResult<{ settled: string[] }>).value.settled).toEqual([rs[i]!.requestId]);
      }
    });
    // Exactly the failed turn is in the outbox, whole.
    expect(await takeOutboxed(rs.map((r) => r.requestId))).toEqual([rs[bad]!.requestId]);

    await fold(t.tenantId);
    // Five settled at 200 tokens; the bad one still holds its reservation (the outbox or the sweeper settles it).
    expect(await totals(t.tenantId)).toMatchObject({ settled: "5", started: "1", used: "1000", reserved: "1000" });
    expect(await messageCount(t.tenantId)).toBe(10);
    const [row] = await ownerQuery<{ status: string }>("SELECT status FROM usage_events WHERE tenant_id = $1 AND request_id = $2", [t.tenantId, rs[bad]!.requestId]);
    expect(row?.status).toBe("started");

    // The same turn without the NUL (what a replay with fixed data would send) settles exactly once.
    const fixed = write(t, writes[bad]!.events, newConversation("repaired"));
    expect((await writeTurn(fixed)).settled).toEqual([rs[bad]!.requestId]);
    await fold(t.tenantId);
    expect(await totals(t.tenantId)).toMatchObject({ settled: "6", started: "0", used: "1200", reserved: "0" });
    expect(await rollupDrift(t.tenantId)).toEqual([]);
  });
});

describe("batches never cross a tenant", () => {
  it("two tenants' concurrent turns are settled in batches of their own", async () => {
    const [a, b] = await Promise.all([tenant(), tenant()]);
    const ra = await Promise.all(Array.from({ length: 10 }, () => reserved(a)));
    const rb = await Promise.all(Array.from({ length: 10 }, () => reserved(b)));
    // Interleaved, all at once.
    const writes = ra.flatMap((r, i) => [write(a, [event(r, 10, 1)]), write(b, [event(rb[i]!, 20, 2)])]);
    const results = await Promise.all(writes.map((w) => writeTurn(w)));
    results.forEach((r, i) => expect(r.settled).toEqual([writes[i]!.events[0]!.requestId]));
    // Each tenant: its first write alone, then the rest of its own.
    expect(await settlementRows(a.tenantId)).toBe(2);
    expect(await settlementRows(b.tenantId)).toBe(2);
    await Promise.all([fold(a.tenantId), fold(b.tenantId)]);
    expect(await totals(a.tenantId)).toMatchObject({ settled: "10", used: "110", reserved: "0" });
    expect(await totals(b.tenantId)).toMatchObject({ settled: "10", used: "220", reserved: "0" });
  });

  it("a batch mixing tenants is refused whole, by the code and by the database", async () => {
    const [a, b] = await Promise.all([tenant(), tenant()]);
    const [r1, r2] = [await reserved(a), await reserved(b)];
    await expect(applyTurnWritesNow([write(a, [event(r1, 1, 1)]), write(b, [event(r2, 1, 1)])])).rejects.toThrow(/belongs to its tenant/);

    const eventsJson = (r: LedgerRequest) => JSON.stringify([{ tenant_id: r.tenantId, request_id: r.requestId, status: "completed", settled_at: new Date().toISOString(), model: MODEL, input_tokens: 1, output_tokens: 1, cache_write_tokens: 0, cache_write_1h_tokens: 0, cache_read_tokens: 0, latency_ms: 1, ttft_ms: null, cost_micros: "0", price_missing: false, price_id: null, error_type: null, estimated: false, created_at: new Date().toISOString() }]);
    const scopeA = { kind: "tenant" as const, tenantId: a.tenantId, userId: "" };
    // Another tenant's event, or another tenant named as the batch's: refused, nothing settled.
    await expect(withScopeSql(scopeA, (db) => db.query("SELECT * FROM settle_turns($1::uuid, NULL, $2::json)", [a.tenantId, eventsJson(r2)], { commit: true }))).rejects.toThrow(/another tenant/);
    await expect(withScopeSql(scopeA, (db) => db.query("SELECT * FROM settle_turns($1::uuid, NULL, $2::json)", [b.tenantId, eventsJson(r2)], { commit: true }))).rejects.toThrow(/not this scope's tenant/);
    expect(await totals(b.tenantId)).toMatchObject({ settled: "0", started: "1" });
  });
});

describe("messages stay each user's own", () => {
  it("one batch with two members' turns writes each conversation as its own user", async () => {
    const owner = await tenant();
    const other = await member(owner);
    const [r1, r2] = [await reserved(owner), await reserved(other)];
    const [m1, m2] = [newConversation("for the owner"), newConversation("for the member")];
    const results = await applyTurnWritesNow([write(owner, [event(r1, 5, 5)], m1), write(other, [event(r2, 6, 6)], m2)]);
    expect(results).toEqual([
      { conversationFound: true, settled: [r1.requestId] },
      { conversationFound: true, settled: [r2.requestId] },
    ]);
    const rows = await ownerQuery<{ id: string; user_id: string; n: string }>(
      "SELECT c.id, c.user_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.user_id = c.user_id)::text AS n FROM conversations c WHERE c.tenant_id = $1 ORDER BY c.user_id = $2 DESC",
      [owner.tenantId, owner.userId],
    );
    expect(rows).toEqual([
      { id: m1.conversationId, user_id: owner.userId, n: "2" },
      { id: m2.conversationId, user_id: other.userId, n: "2" },
    ]);
  });

  it("a member's own scope cannot settle another member's turn", async () => {
    const owner = await tenant();
    const other = await member(owner);
    const r = await reserved(other);
    const turns = JSON.stringify([{ ord: 0, tenant_id: owner.tenantId, user_id: other.userId, conversation_id: randomUUID(), new_conversation: true, title: "x", conversation_created_at: new Date().toISOString(), at: new Date().toISOString(), user_message_id: randomUUID(), user_content: "q", user_created_at: new Date().toISOString(), assistant_message_id: randomUUID(), assistant_content: "a", assistant_status: "complete" }]);
    await expect(
      withScopeSql({ kind: "tenant", ...owner }, (db) => db.query("SELECT * FROM settle_turns($1::uuid, $2::json, '[]'::json)", [owner.tenantId, turns], { commit: true })),
    ).rejects.toThrow(/only its own turns/);
    expect(await messageCount(owner.tenantId)).toBe(0);
    expect((await ownerQuery("SELECT 1 FROM usage_events WHERE request_id = $1 AND status = 'started'", [r.requestId])).length).toBe(1);
  });

  it("a new conversation and a follow-up in the same batch are both found; a deleted conversation is not, and its usage still settles", async () => {
    const t = await tenant();
    const [r1, r2, r3] = [await reserved(t), await reserved(t), await reserved(t)];
    const first = newConversation("hello");
    const results = await applyTurnWritesNow([
      write(t, [event(r1, 1, 1)], first),
      write(t, [event(r2, 2, 2)], followUp(first.conversationId)),
      write(t, [event(r3, 3, 3)], followUp(randomUUID())), // deleted while the reply streamed
    ]);
    expect(results.map((r) => r.conversationFound)).toEqual([true, true, false]);
    expect(results.map((r) => r.settled)).toEqual([[r1.requestId], [r2.requestId], [r3.requestId]]);
    expect(await messageCount(t.tenantId)).toBe(4);
    await fold(t.tenantId);
    expect(await totals(t.tenantId)).toMatchObject({ settled: "3", used: "12", reserved: "0" });
  });
});

describe("carried settlements (the tenant API's, lib/ledger/write-turn.ts writeTurnCarried)", () => {
  it("ride with the tenant's next reservation, settle exactly, and go alone within CARRY_MS when none comes", async () => {
    const t = await tenant();
    const first = await reserved({ ...t }, 1_000);
    const carriedWrite = { tenantId: t.tenantId, userId: null, messages: null, events: [event(first, 30, 20)] };
    const landed = writeTurnCarried(carriedWrite);
    // Not written yet: it waits for the next reservation.
    expect((await totals(t.tenantId)).settled).toBe("0");
    const second = await reserved({ ...t }, 1_000);
    const result = await landed;
    expect(result.settled).toEqual([first.requestId]);
    // Alone, after CARRY_MS, when no reservation comes.
    const alone = await writeTurnCarried({ tenantId: t.tenantId, userId: null, messages: null, events: [event(second, 10, 5)] });
    expect(alone.settled).toEqual([second.requestId]);
    await fold(t.tenantId);
    const after = await totals(t.tenantId);
    expect(after).toMatchObject({ settled: "2", started: "0", tokens: "65", used: "65", reserved: "0" });
  });

  it("a failing carried settlement does not fail the reservation it rode with", async () => {
    const t = await tenant();
    const first = await reserved({ ...t }, 1_000);
    const other = await tenant();
    // An event of another tenant makes the batch fail (never two tenants in one write): it is retried alone and outboxed.
    const bad = writeTurnCarried({ tenantId: t.tenantId, userId: null, messages: null, events: [{ ...event(first, 1, 1), tenantId: other.tenantId }] }).then(
      () => "settled",
      () => "refused",
    );
    const next = await reserved({ ...t }, 1_000).then(() => "reserved");
    expect(next).toBe("reserved");
    expect(await bad).toBe("refused");
    await takeOutboxed([first.requestId]);
  });
});
