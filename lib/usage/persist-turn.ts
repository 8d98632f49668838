import { withTenant, type ScopeOptions, type TenantContext, type Tx } from "@/lib/db/scope";
import { enqueueUsage, type OutboxOptions } from "@/lib/usage/outbox";
import { recordUsage, type UsageEventRow } from "@/lib/usage/record-usage";

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
  afterWrite?: (tx: Tx) => Promise<void>;
}

export interface PersistedTurn {
  userMessageId: string | null;
  assistantMessageId: string;
  /** False when the usage event was already recorded (a replay). */
  usageRecorded: boolean;
}

export async function persistTurn(
  ctx: TenantContext,
  input: PersistTurnInput,
  options: { scope?: ScopeOptions; outbox?: OutboxOptions } = {},
): Promise<PersistedTurn> {
  const { conversationId, usageEvent } = input;
  // Distinct, ordered timestamps: now() is one value for the whole transaction, and history
  // is read back ordered by created_at. The user spoke when the call started.
  const requestedEnd = input.assistantMessage.createdAt ?? usageEvent.createdAt;
  const userAt = input.userMessage?.createdAt ?? new Date(requestedEnd.getTime() - Math.max(1, usageEvent.latencyMs));
  const endedAt = requestedEnd > userAt ? requestedEnd : new Date(userAt.getTime() + 1);

  try {
    return await withTenant(
      ctx,
      async (tx) => {
        if (input.newConversation) {
          await tx.conversation.create({
            data: {
              tenantId: ctx.tenantId,
              id: conversationId,
              userId: ctx.userId,
              title: input.newConversation.title,
              createdAt: input.newConversation.createdAt ?? userAt,
              updatedAt: endedAt,
            },
            select: { id: true },
          });
        } else {
          // Row-level security makes someone else's conversation invisible: the update then
          // finds no row and throws, and nothing of this turn is written.
          await tx.conversation.update({
            where: { tenantId_id: { tenantId: ctx.tenantId, id: conversationId } },
            data: { updatedAt: endedAt },
            select: { id: true },
          });
        }
        let userMessageId: string | null = null;
        if (input.userMessage) {
          const user = await tx.message.create({
            data: { tenantId: ctx.tenantId, conversationId, userId: ctx.userId, role: "user", content: input.userMessage.content, createdAt: userAt },
            select: { id: true },
          });
          userMessageId = user.id;
        }
        const assistant = await tx.message.create({
          data: {
            tenantId: ctx.tenantId,
            conversationId,
            userId: ctx.userId,
            role: "assistant",
            content: input.assistantMessage.content,
            status: input.assistantMessage.status,
            createdAt: endedAt,
          },
          select: { id: true },
        });
        for (const attempt of input.priorAttempts ?? []) await recordUsage(tx, attempt);
        const usageRecorded = await recordUsage(tx, usageEvent);
        await input.afterWrite?.(tx);
        return { userMessageId, assistantMessageId: assistant.id, usageRecorded };
      },
      options.scope,
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
