import { AppError } from "@/lib/api/errors";
import { withTenant, type TenantContext, type Tx } from "@/lib/db/scope";
import { CONVERSATION_LIST_LIMIT, MAX_TITLE_CHARS } from "@/lib/chat/limits";
import type { ChatMessage, ConversationSummary, ConversationWithMessages, MessageRole, MessageStatus } from "@/lib/chat/types";
import { lastAnswerModel } from "@/lib/routing/signals";
import { parseStoredSources } from "@/lib/context/message-sources";
import { turnWritesSettled } from "@/lib/chat/turn-writes";

/**
 * A user's own conversations inside one tenant. Row-level security already hides other
 * users' and tenants' rows; every query still names tenant and user, so the code says
 * what it means and stays correct if a policy is ever loosened.
 *
 * Each read first waits for the user's turn writes still in flight in this process (a reply
 * ends before its write commits: lib/chat/turn-writes.ts), so a reload right after an answer
 * finds it.
 */
export type ChatContext = TenantContext;

const NOT_FOUND_MESSAGE = "Conversation not found.";

/** Any canonical UUID (Postgres would reject anything else with a cast error, i.e. a 500). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isConversationId(id: unknown): id is string {
  return typeof id === "string" && UUID.test(id);
}

function conversationNotFound(): AppError {
  return new AppError("not_found", NOT_FOUND_MESSAGE);
}

/** Throws not_found for a malformed id: "not a uuid" and "not yours" must look the same. */
function assertConversationId(id: unknown): asserts id is string {
  if (!isConversationId(id)) throw conversationNotFound();
}

const summarySelect = { id: true, title: true, updatedAt: true } as const;

function toSummary(row: { id: string; title: string; updatedAt: Date }): ConversationSummary {
  return { id: row.id, title: row.title, updatedAt: row.updatedAt.toISOString() };
}

function toMessage(row: { id: string; role: string; content: string; status: string; createdAt: Date }): ChatMessage {
  // The table's CHECK constraints hold these to the two and three values below.
  return { id: row.id, role: row.role as MessageRole, content: row.content, status: row.status as MessageStatus, createdAt: row.createdAt.toISOString() };
}

async function findOwned(tx: Tx, ctx: ChatContext, id: string) {
  return tx.conversation.findFirst({
    where: { tenantId: ctx.tenantId, userId: ctx.userId, id },
    select: { ...summarySelect, createdAt: true },
  });
}

/** Newest activity first, at most CONVERSATION_LIST_LIMIT. */
export async function listConversations(ctx: ChatContext): Promise<ConversationSummary[]> {
  await turnWritesSettled(ctx);
  const rows = await withTenant(ctx, (tx) =>
    tx.conversation.findMany({
      where: { tenantId: ctx.tenantId, userId: ctx.userId },
      select: summarySelect,
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: CONVERSATION_LIST_LIMIT,
    }),
  );
  return rows.map(toSummary);
}

export async function getConversationOrThrow(ctx: ChatContext, id: unknown): Promise<ConversationSummary & { createdAt: string }> {
  assertConversationId(id);
  await turnWritesSettled(ctx);
  const row = await withTenant(ctx, (tx) => findOwned(tx, ctx, id));
  if (!row) throw conversationNotFound();
  return { ...toSummary(row), createdAt: row.createdAt.toISOString() };
}

/** Oldest first. A conversation that is not the caller's is not_found, never an empty list. */
export async function listMessages(ctx: ChatContext, conversationId: unknown): Promise<ChatMessage[]> {
  return (await getConversationWithMessages(ctx, conversationId)).messages;
}

/** The conversation and its messages, read in one transaction so they agree. */
export async function getConversationWithMessages(ctx: ChatContext, id: unknown): Promise<ConversationWithMessages> {
  assertConversationId(id);
  await turnWritesSettled(ctx);
  return withTenant(ctx, async (tx) => {
    const row = await findOwned(tx, ctx, id);
    if (!row) throw conversationNotFound();
    const messages = await tx.message.findMany({
      where: { tenantId: ctx.tenantId, userId: ctx.userId, conversationId: id },
      select: { id: true, role: true, content: true, status: true, createdAt: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    const shown = messages.map(toMessage);
    const answers = shown.filter((m) => m.role === "assistant").map((m) => m.id);
    if (answers.length > 0) {
      const stored = await tx.messageSource.findMany({ where: { tenantId: ctx.tenantId, userId: ctx.userId, messageId: { in: answers } }, select: { messageId: true, sources: true } });
      const byMessage = new Map(stored.map((r) => [r.messageId, parseStoredSources(r.sources)]));
      for (const m of shown) {
        const sources = byMessage.get(m.id);
        if (sources) m.sources = sources;
      }
    }
    const last = shown.at(-1);
    if (last?.role === "assistant") {
      const model = await lastAnswerModel(tx, ctx, id);
      if (model) last.model = model;
    }
    return { conversation: { ...toSummary(row), createdAt: row.createdAt.toISOString() }, messages: shown };
  });
}

/**
 * Renaming does not bump updatedAt: the list is ordered by activity, and a rename is not
 * activity (it would make the renamed chat jump to the top under the user's cursor).
 */
export async function renameConversation(ctx: ChatContext, id: unknown, title: string): Promise<ConversationSummary> {
  assertConversationId(id);
  const clean = title.trim();
  if (clean.length === 0 || clean.length > MAX_TITLE_CHARS) {
    throw new AppError("validation_failed", "Some fields are invalid.", {
      fields: { title: [`Use 1 to ${MAX_TITLE_CHARS} characters.`] },
    });
  }
  await turnWritesSettled(ctx);
  return withTenant(ctx, async (tx) => {
    const { count } = await tx.conversation.updateMany({
      where: { tenantId: ctx.tenantId, userId: ctx.userId, id },
      data: { title: clean },
    });
    if (count === 0) throw conversationNotFound();
    const row = await findOwned(tx, ctx, id);
    if (!row) throw conversationNotFound();
    return toSummary(row);
  });
}

/** Deletes the conversation; its messages go with it (ON DELETE CASCADE). */
export async function deleteConversation(ctx: ChatContext, id: unknown): Promise<void> {
  assertConversationId(id);
  await turnWritesSettled(ctx);
  const { count } = await withTenant(ctx, (tx) =>
    tx.conversation.deleteMany({ where: { tenantId: ctx.tenantId, userId: ctx.userId, id } }),
  );
  if (count === 0) throw conversationNotFound();
}
