import type { AttemptRecord } from "@/lib/llm/call-claude";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import { buildUsageEvent, quotaTokens, type UsageEventRow } from "@/lib/ledger/usage-event";
import { writeTurn, type TurnWrite, type TurnWriteResult } from "@/lib/ledger/write-turn";
import type { Caller } from "@/lib/pipeline/caller";
import type { ComposedTurn } from "@/lib/pipeline/compose";
import { recordRoutingSignal, type RoutingSignal } from "@/lib/routing/signals";
import { priceAt } from "@/lib/usage/price-book";

/**
 * Record step: one settled ledger row per upstream attempt (retried 429/529 included),
 * priced at the moment the call ended, plus the turn's messages — one write
 * (lib/ledger/write-turn.ts), which goes to the outbox whole if the database cannot take it.
 */
export interface RecordedTurn {
  events: UsageEventRow[];
  result: TurnWriteResult | null;
  /** Tokens the attempts used, for the tokens/min correction. */
  usedTokens: number;
}

export async function recordChatTurn(
  caller: Caller,
  turn: ComposedTurn,
  call: { final: TrackedResult; attempts: AttemptRecord[]; startedAt: Date },
): Promise<RecordedTurn & { error?: unknown }> {
  const endedAt = new Date();
  const price = await priceAt(turn.model, endedAt);
  const events = call.attempts.map((a) =>
    buildUsageEvent(a.result, { tenantId: caller.tenantId, requestId: a.requestId, userId: caller.userId, conversationId: turn.conversationId, requestType: "chat", model: turn.model, endedAt }, price),
  );
  // Distinct, ordered timestamps: history is read back ordered by created_at, and the user
  // spoke when the call started.
  const userAt = call.startedAt;
  const assistantAt = endedAt > userAt ? endedAt : new Date(userAt.getTime() + 1);
  const write: TurnWrite = {
    tenantId: caller.tenantId,
    userId: caller.userId,
    events,
    messages: {
      conversationId: turn.conversationId,
      newConversation: turn.isNewConversation ? { title: turn.title, createdAt: userAt } : null,
      userMessage: turn.userMessageId ? { id: turn.userMessageId, content: turn.userText, createdAt: userAt } : null,
      assistantMessage: {
        id: turn.assistantMessageId,
        content: call.final.text,
        status: call.final.status === "completed" ? "complete" : call.final.status,
        createdAt: assistantAt,
      },
    },
  };
  const usedTokens = events.reduce((sum, e) => sum + quotaTokens(e), 0);
  let result: TurnWriteResult;
  try {
    result = await writeTurn(write);
  } catch (error) {
    return { events, result: null, usedTokens, error };
  }
  const answeredBy = call.attempts.at(-1)?.requestId;
  if (turn.routingSignal && answeredBy && result.conversationFound && call.final.status !== "error") {
    await recordSignal(caller, answeredBy, turn.routingSignal);
  }
  return { events, result, usedTokens };
}

/** Issue 14: a regenerate on a stronger model after a routed-down answer. A lost signal never costs the user the answer. */
async function recordSignal(caller: Caller, requestId: string, signal: RoutingSignal): Promise<void> {
  try {
    await recordRoutingSignal({ tenantId: caller.tenantId, userId: caller.userId }, requestId, signal);
  } catch (error) {
    console.error("[bulkhead] routing signal not recorded", error);
  }
}
