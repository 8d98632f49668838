import type pg from "pg";
import { AppError } from "@/lib/api/errors";
import type { TenantContext } from "@/lib/db/scope";
import { withScopeSql, type ScopedSql } from "@/lib/db/sql";
import { enqueueUsage, type OutboxOptions } from "@/lib/usage/outbox";
import type { UsageEventRow } from "@/lib/usage/record-usage";

/**
 * After a chat call ends: the turn's messages and its usage event in ONE short transaction
 * (never held across the upstream call). If that transaction fails, the usage event still
 * must not be lost: it goes to the file outbox, which replays it later; the error is rethrown
 * so the caller can tell the user the reply was not saved.
 */
export interface TurnMessageInput {
  content: string;
  /** Defaults: the user message when the call started, the assistant message when it ended. */
  createdAt?: Date;
}

export interface AssistantMessageInput extends TurnMessageInput {
  status: "complete" | "aborted" | "error";
}

export interface PersistTurnInput {
  conversationId: string;
  /**
   * Set when the conversation starts with this turn: it is created (with id conversationId)
   * in the same transaction, so a failed turn leaves no empty conversation behind.
   */
  newConversation?: { title: string; createdAt?: Date };
  /** Omitted when the user message was saved earlier (e.g. a regenerate). */
  userMessage?: TurnMessageInput;
  assistantMessage: AssistantMessageInput;
  usageEvent: UsageEventRow;
  /** Earlier attempts of the same turn that reached the API (retried 429/529): one event each. */
  priorAttempts?: UsageEventRow[];
  /** More writes that must commit with the turn (quota settlement). */
  afterWrite?: (db: ScopedSql) => Promise<void>;
}

export interface PersistedTurn {
  userMessageId: string | null;
  assistantMessageId: string;
  /** False when the usage event was already recorded (a replay). */
  usageRecorded: boolean;
}

const USAGE_COLUMNS =
  "tenant_id, request_id, user_id, conversation_id, request_type, model, input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, latency_ms, ttft_ms, cost_micros, price_missing, price_id, status, error_type, created_at";

/**
 * The whole turn in one statement: conversation (created or touched), messages, and one
 * usage event per attempt (idempotent on tenant + request id). Row-level security hides
 * other users' conversations, so `targets` is 0 for them and the turn is refused.
 */
const PERSIST_SQL = `
WITH conv AS (
  INSERT INTO conversations (tenant_id, id, user_id, title, created_at, updated_at)
  SELECT $1, $2, $3, $4, $5, $6 WHERE $7::boolean
  RETURNING id
), touched AS (
  UPDATE conversations SET updated_at = $6 WHERE tenant_id = $1 AND id = $2 AND NOT $7::boolean
  RETURNING id
), target AS (
  SELECT id FROM conv UNION ALL SELECT id FROM touched
), um AS (
  INSERT INTO messages (tenant_id, conversation_id, user_id, role, content, created_at)
  SELECT $1, id, $3, 'user', $8, $9 FROM target WHERE $8::text IS NOT NULL
  RETURNING id
), am AS (
  INSERT INTO messages (tenant_id, conversation_id, user_id, role, content, status, created_at)
  SELECT $1, id, $3, 'assistant', $10, $11, $6 FROM target
  RETURNING id
), ue AS (
  INSERT INTO usage_events (${USAGE_COLUMNS})
  SELECT ${USAGE_COLUMNS} FROM json_populate_recordset(NULL::usage_events, $12::json)
  ON CONFLICT (tenant_id, request_id) DO NOTHING
  RETURNING request_id
)
SELECT (SELECT count(*) FROM target)::int AS targets,
       (SELECT id FROM um) AS user_message_id,
       (SELECT id FROM am) AS assistant_message_id,
       ARRAY(SELECT request_id FROM ue) AS recorded`;

function usageJson(events: UsageEventRow[]): string {
  return JSON.stringify(
    events.map((e) => ({
      tenant_id: e.tenantId,
      request_id: e.requestId,
      user_id: e.userId,
      conversation_id: e.conversationId,
      request_type: e.requestType,
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
      status: e.status,
      error_type: e.errorType,
      created_at: e.createdAt.toISOString(),
    })),
  );
}

export async function persistTurn(
  ctx: TenantContext,
  input: PersistTurnInput,
  options: { pool?: pg.Pool; outbox?: OutboxOptions } = {},
): Promise<PersistedTurn> {
  const { conversationId, usageEvent } = input;
  const events = [...(input.priorAttempts ?? []), usageEvent];
  // Distinct, ordered timestamps: now() is one value for the whole transaction, and history
  // is read back ordered by created_at. The user spoke when the call started.
  const requestedEnd = input.assistantMessage.createdAt ?? usageEvent.createdAt;
  const userAt = input.userMessage?.createdAt ?? new Date(requestedEnd.getTime() - Math.max(1, usageEvent.latencyMs));
  const endedAt = requestedEnd > userAt ? requestedEnd : new Date(userAt.getTime() + 1);

  try {
    return await withScopeSql(
      { kind: "tenant", ...ctx },
      async (db) => {
        const [row] = await db.query<{ targets: number; user_message_id: string | null; assistant_message_id: string | null; recorded: string[] }>(PERSIST_SQL, [
          ctx.tenantId,
          conversationId,
          ctx.userId,
          input.newConversation?.title ?? "",
          input.newConversation?.createdAt ?? userAt,
          endedAt,
          Boolean(input.newConversation),
          input.userMessage?.content ?? null,
          userAt,
          input.assistantMessage.content,
          input.assistantMessage.status,
          usageJson(events),
        ]);
        if (!row || row.targets !== 1 || !row.assistant_message_id) throw new AppError("not_found", "Conversation not found.");
        await input.afterWrite?.(db);
        return {
          userMessageId: row.user_message_id,
          assistantMessageId: row.assistant_message_id,
          usageRecorded: row.recorded.includes(usageEvent.requestId),
        };
      },
      options.pool,
    );
  } catch (error) {
    console.error(`[bulkhead] could not save turn ${usageEvent.tenantId}/${usageEvent.requestId}; usage event sent to the outbox`, error);
    try {
      for (const event of [...(input.priorAttempts ?? []), usageEvent]) await enqueueUsage(event, options.outbox);
    } catch (outboxError) {
      // Both the database and the disk failed: the log line is all that is left.
      console.error("[bulkhead] usage outbox write failed; usage event lost", { event: { ...usageEvent, costMicros: usageEvent.costMicros.toString() }, outboxError });
    }
    throw error;
  }
}
