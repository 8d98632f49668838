import type { AttemptRecord } from "@/lib/llm/call-claude";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import { buildUsageEvent, quotaTokens, type UsageEventRow } from "@/lib/ledger/usage-event";
import { writeTurn, type TurnWrite, type TurnWriteResult } from "@/lib/ledger/write-turn";
import type { Caller } from "@/lib/pipeline/caller";
import type { ComposedTurn } from "@/lib/pipeline/compose";
import { recordRoutingSignal, type RoutingSignal } from "@/lib/routing/signals";
import { trackTurnWrite } from "@/lib/chat/turn-writes";
import { priceAt } from "@/lib/usage/price-book";

/**
 * Record step: one settled ledger row per upstream attempt (retried 429/529 included),
 * priced at the moment the call ended, plus the turn's messages — one write
 * (lib/ledger/write-turn.ts), which goes to the outbox whole if the database cannot take it.
 *
 * The write starts here and is not waited for: the answer's `done` goes out beside it
 * (the user does not wait for a commit to see a complete answer), and the user's reads in
 * this process wait for it instead (lib/chat/turn-writes.ts). `written` settles once the
 * write has (null when even the outbox could not take it; the error is logged).
 */
export interface RecordedTurn {
  events: UsageEventRow[];
  /** Tokens the attempts used, for the tokens/min correction. */
  usedTokens: number;
  written: Promise<TurnWriteResult | null>;
}

export async function recordChatTurn(caller: Caller, turn: ComposedTurn, call: { final: TrackedResult; attempts: AttemptRecord[]; startedAt: Date }): Promise<RecordedTurn> {
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
  const written = writeTurn(write).then(
    async (result) => {
      if (!result.conversationFound) console.warn(`[bulkhead] chat ${turn.conversationId}: deleted while its reply was written; the usage is settled, the reply is not kept`);
      const answeredBy = call.attempts.at(-1)?.requestId;
      if (turn.routingSignal && answeredBy && result.conversationFound && call.final.status !== "error") {
        await recordSignal(caller, answeredBy, turn.routingSignal);
      }
      return result;
    },
    (error: unknown) => {
      // writeTurn logged it and tried the outbox; the answer was shown but is not saved.
      console.error(`[bulkhead] chat ${turn.conversationId}: the reply was not saved with its turn (the outbox replays it if it took it)`, error instanceof Error ? error.message : error);
      return null;
    },
  );
  trackTurnWrite(caller, written);
  return { events, usedTokens, written };
}

/** Issue 14: a regenerate on a stronger model after a routed-down answer. A lost signal never costs the user the answer. */
async function recordSignal(caller: Caller, requestId: string, signal: RoutingSignal): Promise<void> {
  try {
    await recordRoutingSignal({ tenantId: caller.tenantId, userId: caller.userId }, requestId, signal);
  } catch (error) {
    console.error("[bulkhead] routing signal not recorded", error);
  }
}
