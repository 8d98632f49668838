import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/api/errors";
import type { ChatRequest } from "@/lib/chat/schemas";
import { buildHistoryWindow, type HistoryMessage, type WindowMessage } from "@/lib/context/history";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import { modelForTier } from "@/lib/llm/models";
import { estimateInputTokens } from "@/lib/llm/simulator/tokens";

/** Prior messages read for the window; the token budget then trims further. */
const HISTORY_READ_LIMIT = 60;
/** Tokens for system prompt + history + new message (max_tokens comes on top). */
const CONTEXT_BUDGET_TOKENS = 16_000;
const TITLE_CHARS = 60;

export interface PreparedTurn {
  conversationId: string;
  isNewConversation: boolean;
  title: string;
  userText: string;
  /** False for a retry: the user message is already stored. */
  persistUserMessage: boolean;
  model: string;
  maxTokens: number;
  system: SystemTextBlock[];
  messages: WindowMessage[];
  estimatedInputTokens: number;
}

/**
 * Steps 6 of the request path, in ONE short read transaction (never held across the
 * upstream call): this tenant's current config, and this user's conversation history.
 */
export async function prepareTurn(ctx: TenantContext, input: ChatRequest): Promise<PreparedTurn> {
  const { config, conversation, prior } = await withTenant(ctx, async (tx) => {
    const config = await tx.tenantConfig.findFirst({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" } });
    if (!input.conversationId) return { config, conversation: null, prior: [] };
    const conversation = await tx.conversation.findFirst({
      where: { tenantId: ctx.tenantId, id: input.conversationId, userId: ctx.userId },
      select: { id: true, title: true },
    });
    if (!conversation) return { config, conversation: null, prior: [] };
    const rows = await tx.message.findMany({
      where: { tenantId: ctx.tenantId, conversationId: conversation.id },
      orderBy: { createdAt: "desc" },
      take: HISTORY_READ_LIMIT,
      select: { role: true, content: true, status: true },
    });
    return { config, conversation, prior: rows.reverse() };
  });

  if (!config) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  if (input.conversationId && !conversation) throw new AppError("not_found", "Conversation not found.");

  // Failed replies carry no content worth sending back to the model.
  const history: HistoryMessage[] = prior
    .filter((m) => !(m.role === "assistant" && (m.status === "error" || m.content.length === 0)))
    .map((m) => ({ role: m.role === "assistant" ? "assistant" : "user", content: m.content }));

  let userText: string;
  let persistUserMessage = true;
  if (input.retry) {
    const lastUser = history.findLastIndex((m) => m.role === "user");
    if (lastUser < 0) throw new AppError("validation_failed", "There is no message to retry in this conversation.");
    userText = history[lastUser]!.content;
    history.splice(lastUser);
    persistUserMessage = false;
  } else {
    userText = input.message!.trim();
  }

  const system = buildSystemPrompt(config);
  const systemTokens = estimateInputTokens({ system, messages: [] });
  const window = buildHistoryWindow(history, userText, Math.max(0, CONTEXT_BUDGET_TOKENS - systemTokens));
  return {
    conversationId: conversation?.id ?? randomUUID(),
    isNewConversation: !conversation,
    title: conversation?.title ?? titleFrom(userText),
    userText,
    persistUserMessage,
    model: modelForTier(config.modelTier),
    maxTokens: config.maxTokens,
    system,
    messages: window.messages,
    estimatedInputTokens: systemTokens + window.tokens,
  };
}

function titleFrom(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= TITLE_CHARS ? oneLine : `${oneLine.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
}
