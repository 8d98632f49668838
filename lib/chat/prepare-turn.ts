import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/api/errors";
import type { ChatRequest } from "@/lib/chat/schemas";
import { buildHistoryWindow, type HistoryMessage, type WindowMessage } from "@/lib/context/history";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import type { ModelTier } from "@/lib/db/generated/enums";
import type { TenantContext } from "@/lib/db/scope";
import { withScopeSql, type ScopedSql } from "@/lib/db/sql";
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
  return withScopeSql({ kind: "tenant", ...ctx }, async (db) => {
    const turn = await composeTurn(db, ctx, input, plan);
    const reservation = await reserveQuota(db, {
      tenantId: ctx.tenantId,
      quota: plan.monthlyTokenQuota,
      tokens: turn.estimatedInputTokens + turn.maxTokens,
      at,
    }, { commit: true });
    return { ...turn, reservation };
  });
}

interface TurnRow {
  config: {
    company_name: string;
    persona: string;
    allowed_topics: string[];
    restricted_topics: string[];
    custom_instructions: string;
    model_tier: ModelTier;
    max_tokens: number;
  } | null;
  conversation: { id: string; title: string } | null;
  messages: { role: string; content: string; status: string }[];
}

/** Config, conversation and its latest messages in one statement (RLS keeps it to this user). */
const TURN_SQL = `
SELECT
  (SELECT row_to_json(c) FROM (
     SELECT company_name, persona, allowed_topics, restricted_topics, custom_instructions, model_tier, max_tokens
       FROM tenant_configs WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1) c) AS config,
  (SELECT json_build_object('id', id, 'title', title)
     FROM conversations WHERE tenant_id = $1 AND id = $2 AND user_id = $3) AS conversation,
  (SELECT coalesce(json_agg(m ORDER BY m.created_at), '[]'::json) FROM (
     SELECT m.role, m.content, m.status, m.created_at
       FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id AND c.user_id = $3
      WHERE m.tenant_id = $1 AND m.conversation_id = $2
      ORDER BY m.created_at DESC LIMIT ${HISTORY_READ_LIMIT}) m) AS messages`;

async function composeTurn(db: ScopedSql, ctx: TenantContext, input: ChatRequest, plan: Plan): Promise<Omit<PreparedTurn, "reservation">> {
  const [row] = await db.query<TurnRow>(TURN_SQL, [ctx.tenantId, input.conversationId ?? null, ctx.userId]);
  const stored = row?.config;
  if (!stored) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  const config = {
    companyName: stored.company_name,
    persona: stored.persona,
    allowedTopics: stored.allowed_topics,
    restrictedTopics: stored.restricted_topics,
    customInstructions: stored.custom_instructions,
    modelTier: stored.model_tier,
    maxTokens: stored.max_tokens,
  };
  const conversation = row.conversation;
  if (input.conversationId && !conversation) throw new AppError("not_found", "Conversation not found.");
  const prior = row.messages;

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
