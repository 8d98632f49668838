import type pg from "pg";
import { withScopeSql, type ScopedSql } from "@/lib/db/sql";
import { enqueueTurnWrite } from "@/lib/ledger/outbox";
import type { UsageEventRow } from "@/lib/ledger/usage-event";

/**
 * After a call: everything it changes, as one value (a TurnWrite) applied in ONE statement —
 * the conversation and its messages (for a chat turn), the settlement of every ledger row
 * the turn wrote (one per upstream attempt), and the quota settlement: what those rows
 * reserved and what they used, appended to quota_settlements (0012) and folded into the
 * quota row by the next reservation, reader or background fold — no shared row is locked.
 *
 * Idempotent, so the same value can be replayed from the outbox (lib/ledger/outbox.ts) as
 * often as it is delivered: rows are settled only while still 'started', the quota
 * settlement is appended only for rows this statement settled, and messages and conversation carry ids chosen up
 * front (ON CONFLICT DO NOTHING). If the write fails, the whole value goes to the outbox.
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

const SETTLE_COLUMNS = [
  "status", "settled_at", "model", "input_tokens", "output_tokens", "cache_write_tokens", "cache_write_1h_tokens",
  "cache_read_tokens", "latency_ms", "ttft_ms", "cost_micros", "price_missing", "price_id", "error_type", "estimated", "created_at",
] as const;

const WRITE_TURN_SQL = `
WITH conv AS (
  INSERT INTO conversations (tenant_id, id, user_id, title, created_at, updated_at)
  SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, $5::timestamptz, $6::timestamptz WHERE $7::boolean
  ON CONFLICT DO NOTHING
  RETURNING id
), touched AS (
  UPDATE conversations SET updated_at = $6::timestamptz WHERE tenant_id = $1::uuid AND id = $2::uuid AND NOT $7::boolean
  RETURNING id
), target AS (
  SELECT id FROM conv UNION ALL SELECT id FROM touched
), um AS (
  INSERT INTO messages (tenant_id, id, conversation_id, user_id, role, content, created_at)
  SELECT $1::uuid, $8::uuid, id, $3::uuid, 'user', $9::text, $10::timestamptz FROM target WHERE $9::text IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING id
), am AS (
  INSERT INTO messages (tenant_id, id, conversation_id, user_id, role, content, status, created_at)
  SELECT $1::uuid, $11::uuid, id, $3::uuid, 'assistant', $12::text, $13::text, $6::timestamptz FROM target WHERE $12::text IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING id
), ue AS (
  UPDATE usage_events e SET ${SETTLE_COLUMNS.map((c) => `${c} = v.${c}`).join(", ")}
    FROM json_populate_recordset(NULL::usage_events, $14::json) v
   WHERE e.tenant_id = $1::uuid AND v.tenant_id = $1::uuid AND e.request_id = v.request_id AND e.status = 'started'
  RETURNING e.request_id, e.quota_period, e.reserved_tokens,
            e.input_tokens + e.output_tokens + e.cache_write_tokens + e.cache_read_tokens AS used
), qs AS (
  INSERT INTO quota_settlements (tenant_id, period, released, used)
  SELECT $1::uuid, quota_period, sum(reserved_tokens), sum(used) FROM ue GROUP BY quota_period
)
SELECT (SELECT count(*) FROM target)::int AS targets,
       ARRAY(SELECT request_id FROM ue) AS settled`;

function eventsJson(events: UsageEventRow[]): string {
  return JSON.stringify(
    events.map((e) => ({
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
  );
}

/** Applies a TurnWrite inside the caller's tenant transaction (one statement). */
export async function applyTurnWrite(db: ScopedSql, write: TurnWrite, options: { commit?: boolean } = {}): Promise<TurnWriteResult> {
  const m = write.messages;
  const [row] = await db.query<{ targets: number; settled: string[] }>(
    WRITE_TURN_SQL,
    [
      write.tenantId,
      m?.conversationId ?? null,
      write.userId,
      m?.newConversation?.title ?? "",
      m?.newConversation?.createdAt ?? null,
      m?.assistantMessage.createdAt ?? null,
      Boolean(m?.newConversation),
      m?.userMessage?.id ?? null,
      m?.userMessage?.content ?? null,
      m?.userMessage?.createdAt ?? null,
      m?.assistantMessage.id ?? null,
      m?.assistantMessage.content ?? null,
      m?.assistantMessage.status ?? null,
      eventsJson(write.events),
    ],
    options,
  );
  return { conversationFound: m === null || (row?.targets ?? 0) === 1, settled: row?.settled ?? [] };
}

function scopeOf(write: TurnWrite) {
  return { kind: "tenant" as const, tenantId: write.tenantId, userId: write.userId ?? "" };
}

/** One transaction, one round trip. */
export function applyTurnWriteNow(write: TurnWrite, pool?: pg.Pool): Promise<TurnWriteResult> {
  return withScopeSql(scopeOf(write), (db) => applyTurnWrite(db, write, { commit: true }), pool);
}

/**
 * The turn's final write. If the database cannot take it, the whole write goes to the
 * outbox and is replayed later (the user is told the reply could not be saved; the usage is
 * not lost). Rethrows the original error after enqueueing.
 */
export async function writeTurn(write: TurnWrite): Promise<TurnWriteResult> {
  try {
    return await applyTurnWriteNow(write);
  } catch (error) {
    const ids = write.events.map((e) => e.requestId).join(", ");
    console.error(`[bulkhead] could not write turn ${write.tenantId} [${ids}]; sent to the outbox`, error);
    try {
      await enqueueTurnWrite(write);
    } catch (outboxError) {
      // Both the database and the outbox failed: the log line is all that is left, and the
      // sweeper will settle the rows at their reservation.
      console.error("[bulkhead] outbox write failed too; the sweeper will settle these rows as estimated", { ids, outboxError });
    }
    throw error;
  }
}
