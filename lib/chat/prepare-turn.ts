import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/api/errors";
import type { ChatRequest } from "@/lib/chat/schemas";
import { buildHistoryWindow, type HistoryMessage, type WindowMessage } from "@/lib/context/history";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import { withTenant, type TenantContext, type Tx } from "@/lib/db/scope";
import { reserveQuota, type QuotaReservation } from "@/lib/limits/quota";
import { modelForTier } from "@/lib/llm/models";
import { estimateInputTokens } from "@/lib/llm/simulator/tokens";
import type { Plan } from "@/lib/tenancy/plans";

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
  /** The monthly quota held for this call: estimated input + max_tokens. */
  reservation: QuotaReservation;
}

/**
 * Steps 5–6 of the request path in ONE short transaction (never held across the upstream
 * call): this tenant's current config and this user's conversation history are read, the
 * context is composed, and the monthly quota is reserved last, so its row lock is held
 * only for the commit.
 */
export async function prepareTurn(ctx: TenantContext, input: ChatRequest, plan: Plan, at = new Date()): Promise<PreparedTurn> {
  return withTenant(ctx, async (tx) => {
    const turn = await composeTurn(tx, ctx, input, plan);
    const reservation = await reserveQuota(tx, {
      tenantId: ctx.tenantId,
      quota: plan.monthlyTokenQuota,
      tokens: turn.estimatedInputTokens + turn.maxTokens,
      at,
    });
    return { ...turn, reservation };
  });
}

async function composeTurn(tx: Tx, ctx: TenantContext, input: ChatRequest, plan: Plan): Promise<Omit<PreparedTurn, "reservation">> {
  const config = await tx.tenantConfig.findFirst({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" } });
  if (!config) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  let conversation: { id: string; title: string } | null = null;
  let prior: { role: string; content: string; status: string }[] = [];
  if (input.conversationId) {
    conversation = await tx.conversation.findFirst({
      where: { tenantId: ctx.tenantId, id: input.conversationId, userId: ctx.userId },
      select: { id: true, title: true },
    });
    if (!conversation) throw new AppError("not_found", "Conversation not found.");
    const rows = await tx.message.findMany({
      where: { tenantId: ctx.tenantId, conversationId: conversation.id },
      orderBy: { createdAt: "desc" },
      take: HISTORY_READ_LIMIT,
      select: { role: true, content: true, status: true },
    });
    prior = rows.reverse();
  }

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
    // The plan bounds what the config may ask for (the admin console enforces it too).
    model: modelForTier(plan.allowedTiers.includes(config.modelTier) ? config.modelTier : (plan.allowedTiers.at(-1) ?? "economy")),
    maxTokens: Math.min(config.maxTokens, plan.maxTokensCap),
    system,
    messages: window.messages,
    estimatedInputTokens: systemTokens + window.tokens,
  };
}

function titleFrom(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= TITLE_CHARS ? oneLine : `${oneLine.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
}
