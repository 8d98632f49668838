import type pg from "pg";
import { querySelfScoped, type ScopedSql } from "@/lib/db/sql";
import { enqueueTurnWrite } from "@/lib/ledger/outbox";
import type { UsageEventRow } from "@/lib/ledger/usage-event";

/**
 * After a call: everything it changes, as one value (a TurnWrite) applied in ONE statement —
 * the conversation and its messages (for a chat turn), the settlement of every ledger row
 * the turn wrote (one per upstream attempt), and the quota settlement: what those rows
 * reserved and what they used, appended to quota_settlements (0012) and folded into the
 * quota row by the next reservation, reader or background fold — no shared row is locked.
 * A tenant's concurrent turns share that statement and its transaction (writeTurn below).
 *
 * Idempotent, so the same value can be replayed from the outbox (lib/ledger/outbox.ts) as
 * often as it is delivered: rows are settled only while still 'started', the quota
 * settlement is appended only for rows this statement settled, and messages and
 * conversation carry ids chosen up front (ON CONFLICT DO NOTHING). If the write fails, the
 * whole value goes to the outbox.
 */
export interface TurnMessages {
  conversationId: string;
  /** Set when the conversation starts with this turn. */
  newConversation: { title: string; createdAt: Date } | null;
  /** Omitted for a retry (the user message is already stored). */
  userMessage: { id: string; content: string; createdAt: Date } | null;
  assistantMessage: { id: string; content: string; status: "complete" | "aborted" | "error"; createdAt: Date };
}

export interface TurnWrite {
  tenantId: string;
  userId: string | null;
  /** Null for calls with no conversation (the sweeper, the tenant API, background jobs). */
  messages: TurnMessages | null;
  /** One settled row per upstream attempt. */
  events: UsageEventRow[];
}

export interface TurnWriteResult {
  /** False when the conversation was gone (deleted while the reply streamed): usage is still settled. */
  conversationFound: boolean;
  /** Request ids this write settled (an empty list on a replay of a settled turn). */
  settled: string[];
}

/**
 * settle_turns() (0021_settle_batch) settles any number of one tenant's turns in one call:
 * the messages of each user's turns under that user's row-level policies, then one UPDATE
 * of every ledger row still 'started' and one quota_settlements row per quota period. A
 * single turn is a batch of one, so the turn, every outbox replay and the sweeper run the
 * same statement.
 */
const SETTLE_SQL = "SELECT r_found, r_settled FROM settle_turns($1::uuid, $2::json, $3::json)";
/** The same in the batch's scope, set by the statement itself (0023_scoped_ledger_calls): one round trip, one reply. */
const SETTLE_SCOPED_SQL = "SELECT r_found, r_settled FROM scoped.settle_turns($1::uuid, $2::text, $3::json, $4::json)";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function turnsJson(writes: readonly TurnWrite[]): string | null {
  const turns = [];
  for (const [ord, w] of writes.entries()) {
    const m = w.messages;
    if (!m) continue;
    turns.push({
      ord,
      tenant_id: w.tenantId,
      user_id: w.userId,
      conversation_id: m.conversationId,
      new_conversation: m.newConversation !== null,
      title: m.newConversation?.title ?? "",
      conversation_created_at: m.newConversation?.createdAt.toISOString() ?? null,
      at: m.assistantMessage.createdAt.toISOString(),
      user_message_id: m.userMessage?.id ?? null,
      user_content: m.userMessage?.content ?? null,
      user_created_at: m.userMessage?.createdAt.toISOString() ?? null,
      assistant_message_id: m.assistantMessage.id,
      assistant_content: m.assistantMessage.content,
      assistant_status: m.assistantMessage.status,
    });
  }
  return turns.length > 0 ? JSON.stringify(turns) : null;
}

function eventsJson(writes: readonly TurnWrite[]): string {
  return JSON.stringify(
    writes.flatMap((w) =>
      w.events.map((e) => ({
        tenant_id: e.tenantId,
        request_id: e.requestId,
        status: e.status,
        settled_at: e.createdAt.toISOString(),
        model: e.model,
        input_tokens: e.inputTokens,
        output_tokens: e.outputTokens,
        cache_write_tokens: e.cacheWriteTokens,
        cache_write_1h_tokens: e.cacheWrite1hTokens,
        cache_read_tokens: e.cacheReadTokens,
        latency_ms: e.latencyMs,
        ttft_ms: e.timeToFirstTokenMs,
        cost_micros: e.costMicros.toString(),
        price_missing: e.priceMissing,
        price_id: e.priceId,
        error_type: e.errorType,
        estimated: e.estimated,
        created_at: e.createdAt.toISOString(),
      })),
    ),
  );
}

/**
 * Applies one tenant's TurnWrites inside the caller's tenant transaction (one statement);
 * a result per write, in order. A request id listed by two writes counts for the first.
 */
export async function applyTurnWrites(db: ScopedSql, tenantId: string, writes: readonly TurnWrite[], options: { commit?: boolean } = {}): Promise<TurnWriteResult[]> {
  assertOneTenant(tenantId, writes);
  const [row] = await db.query<{ r_found: number[]; r_settled: string[] }>(SETTLE_SQL, [tenantId, turnsJson(writes), eventsJson(writes)], options);
  return resultsOf(writes, row);
}

function assertOneTenant(tenantId: string, writes: readonly TurnWrite[]): void {
  if (writes.some((w) => w.tenantId !== tenantId || w.events.some((e) => e.tenantId !== tenantId))) {
    throw new Error("applyTurnWrites: every write of a batch belongs to its tenant");
  }
}

function resultsOf(writes: readonly TurnWrite[], row: { r_found: number[]; r_settled: string[] } | undefined): TurnWriteResult[] {
  const found = new Set(row?.r_found ?? []);
  const settled = new Set(row?.r_settled ?? []);
  return writes.map((w, ord) => ({
    conversationFound: w.messages === null || found.has(ord),
    settled: w.events.map((e) => e.requestId).filter((id) => settled.delete(id)),
  }));
}

/** Applies a TurnWrite inside the caller's tenant transaction (one statement). */
export async function applyTurnWrite(db: ScopedSql, write: TurnWrite, options: { commit?: boolean } = {}): Promise<TurnWriteResult> {
  return (await applyTurnWrites(db, write.tenantId, [write], options))[0]!;
}

/**
 * The scope of a batch: its tenant, and its user when every write is that user's; the
 * platform acting for the tenant (no user) when the batch spans users (settle_turns then
 * writes each user's messages under that user's policies).
 */
function scopeOf(writes: readonly TurnWrite[]) {
  const users = new Set(writes.map((w) => w.userId ?? ""));
  return { kind: "tenant" as const, tenantId: writes[0]!.tenantId, userId: users.size === 1 ? [...users][0]! : "" };
}

/** One transaction, one statement, one round trip. */
export async function applyTurnWriteNow(write: TurnWrite, pool?: pg.Pool): Promise<TurnWriteResult> {
  return (await applyTurnWritesNow([write], pool))[0]!;
}

/** One tenant's writes in one transaction, one statement and one round trip; all or nothing. */
export async function applyTurnWritesNow(writes: readonly TurnWrite[], pool?: pg.Pool): Promise<TurnWriteResult[]> {
  if (writes.length === 0) return [];
  const scope = scopeOf(writes);
  assertOneTenant(scope.tenantId, writes);
  if (!UUID.test(scope.tenantId) || (scope.userId !== "" && !UUID.test(scope.userId))) throw new Error("scope ids must be uuids");
  const [row] = await querySelfScoped<{ r_found: number[]; r_settled: string[] }>(SETTLE_SCOPED_SQL, [scope.tenantId, scope.userId, turnsJson(writes), eventsJson(writes)], pool);
  return resultsOf(writes, row);
}

// ---------------------------------------------------------------------------
// Group commit: a tenant's concurrent settlements share one transaction
// ---------------------------------------------------------------------------

interface Pending {
  write: TurnWrite;
  resolve: (result: TurnWriteResult) => void;
  reject: (error: unknown) => void;
}

/** Turns in one call of settle_turns at most (the JSON arguments stay small). */
const MAX_BATCH = 200;
/** Per tenant: the settlements waiting while that tenant's batch is on its way. */
const queues = new Map<string, Pending[]>();

/**
 * The turn's final write. A tenant's concurrent turns in this process are settled together:
 * while one batch is on its way to the database, the next turns queue, and all of them go in
 * the next call of settle_turns() — one transaction, one commit for the batch (a group
 * commit, like the reservations of lib/ledger/reserve.ts). A turn alone goes at once.
 * Batches never mix tenants.
 *
 * If the batch fails, each of its turns is written again on its own (idempotent: what the
 * batch did commit is not done twice), so one bad turn never fails its neighbours. A turn
 * the database cannot take even alone goes to the outbox whole and is replayed later (the
 * usage is not lost; the chat has already shown the answer and logs it); its promise rejects
 * with the original error once the outbox has it.
 */
export function writeTurn(write: TurnWrite): Promise<TurnWriteResult> {
  return new Promise((resolve, reject) => {
    const pending: Pending = { write, resolve, reject };
    const waiting = queues.get(write.tenantId);
    if (waiting) {
      waiting.push(pending);
      return;
    }
    const queue: Pending[] = [pending];
    queues.set(write.tenantId, queue);
    void drain(write.tenantId, queue);
  });
}

async function drain(tenantId: string, queue: Pending[]): Promise<void> {
  try {
    while (queue.length > 0) await settleBatch(queue.splice(0, MAX_BATCH));
  } finally {
    queues.delete(tenantId);
  }
}

async function settleBatch(batch: Pending[]): Promise<void> {
  let results: TurnWriteResult[];
  try {
    results = await applyTurnWritesNow(batch.map((p) => p.write));
  } catch (error) {
    await settleEachAlone(batch, error);
    return;
  }
  batch.forEach((p, i) => p.resolve(results[i]!));
}

/** A batch failed: each turn again on its own, and to the outbox only the turn that fails alone. */
async function settleEachAlone(batch: Pending[], error: unknown): Promise<void> {
  if (batch.length === 1) {
    await sendToOutbox(batch[0]!, error);
    return;
  }
  await Promise.all(
    batch.map((p) =>
      applyTurnWriteNow(p.write).then(
        (result) => p.resolve(result),
        (alone: unknown) => sendToOutbox(p, alone),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------
// Carried settlements: the tenant API's, on the next reservation's round trip
// ---------------------------------------------------------------------------

/**
 * How long a carried settlement waits for the tenant's next reservation before it goes on
 * its own. The caller has its answer already (settlement is step 8, after the response).
 */
export const CARRY_MS = 20;
const carried = new Map<string, { pending: Pending[]; timer: ReturnType<typeof setTimeout> }>();

/**
 * writeTurn for a write nobody waits on but the metering (the tenant API: no conversation, the
 * caller has its answer): it waits up to CARRY_MS for the tenant's next reservation
 * (lib/ledger/reserve.ts), which sends it in the same socket write as its own statement — one
 * round trip for both, so a tenant calling one request after the other pays one PostgreSQL
 * round trip per request, not two. Alone after CARRY_MS, through writeTurn's group commit.
 * The same statement, the same idempotence, the same outbox on failure.
 */
export function writeTurnCarried(write: TurnWrite): Promise<TurnWriteResult> {
  return new Promise((resolve, reject) => {
    const pending: Pending = { write, resolve, reject };
    const waiting = carried.get(write.tenantId);
    if (waiting) {
      waiting.pending.push(pending);
      return;
    }
    const timer = setTimeout(() => releaseCarried(write.tenantId), CARRY_MS);
    carried.set(write.tenantId, { pending: [pending], timer });
  });
}

function releaseCarried(tenantId: string): Promise<unknown> {
  const waiting = carried.get(tenantId);
  if (!waiting) return Promise.resolve();
  carried.delete(tenantId);
  clearTimeout(waiting.timer);
  return Promise.allSettled(waiting.pending.map((p) => writeTurn(p.write).then(p.resolve, p.reject)));
}

/**
 * A reader of the tenant's usage in this process (GET /v1/usage) first sends what is carried,
 * so a caller reading its usage right after its calls sees them.
 */
export async function releaseCarriedSettlementsOf(tenantId: string): Promise<void> {
  await releaseCarried(tenantId);
}

/**
 * For the reservation about to leave: the tenant's carried settlements as one statement to send
 * beside it, and what to do with its outcome; null when none wait.
 */
export function takeCarriedSettlements(tenantId: string): { sql: string; params: unknown[]; complete(outcome: PromiseSettledResult<unknown[]>): void } | null {
  const waiting = carried.get(tenantId);
  if (!waiting) return null;
  carried.delete(tenantId);
  clearTimeout(waiting.timer);
  const batch = waiting.pending.slice(0, MAX_BATCH);
  for (const p of waiting.pending.slice(MAX_BATCH)) writeTurn(p.write).then(p.resolve, p.reject);
  const writes = batch.map((p) => p.write);
  const scope = scopeOf(writes);
  try {
    assertOneTenant(tenantId, writes);
  } catch (error) {
    void settleEachAlone(batch, error);
    return null;
  }
  return {
    sql: SETTLE_SCOPED_SQL,
    params: [scope.tenantId, scope.userId, turnsJson(writes), eventsJson(writes)],
    complete(outcome) {
      if (outcome.status === "fulfilled") {
        const results = resultsOf(writes, outcome.value[0] as { r_found: number[]; r_settled: string[] } | undefined);
        batch.forEach((p, i) => p.resolve(results[i]!));
      } else void settleEachAlone(batch, outcome.reason);
    },
  };
}

/** Tests and shutdown: every carried settlement now. */
export async function releaseCarriedSettlements(): Promise<void> {
  await Promise.all([...carried.keys()].map(releaseCarried));
}

/** Never throws: the caller's promise rejects with `error` once the outbox has the write (or could not take it either). */
async function sendToOutbox(pending: Pending, error: unknown): Promise<void> {
  const { write } = pending;
  const ids = write.events.map((e) => e.requestId).join(", ");
  console.error(`[bulkhead] could not write turn ${write.tenantId} [${ids}]; sent to the outbox`, error);
  try {
    await enqueueTurnWrite(write);
  } catch (outboxError) {
    // Both the database and the outbox failed: the log line is all that is left, and the
    // sweeper will settle the rows at their reservation.
    console.error("[bulkhead] outbox write failed too; the sweeper will settle these rows as estimated", { ids, outboxError });
  }
  pending.reject(error);
}
