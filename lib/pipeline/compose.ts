import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/api/errors";
import type { ChatRequest } from "@/lib/chat/schemas";
import { buildHistoryWindow, type HistoryMessage, type WindowMessage } from "@/lib/context/history";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import { tenantCanary } from "@/lib/security/canary";
import type { ModelTier } from "@/lib/db/generated/enums";
import type { ScopedSql } from "@/lib/db/sql";
import type { LedgerRouting } from "@/lib/ledger/reserve";
import { estimateInputTokens, inputTokenBound } from "@/lib/llm/tokens";
import type { Caller } from "@/lib/pipeline/caller";
import { escalateRequest, recordedDecision, routeRequest, type RoutingMode } from "@/lib/routing/route";
import { findPreviousAnswer, signalFor, type PreviousAnswer, type RoutingSignal } from "@/lib/routing/signals";
import type { Plan } from "@/lib/tenancy/plans";

/**
 * Compose step: this tenant's current configuration and this user's conversation, read in
 * one statement (row-level security keeps both to this tenant and user), turned into the
 * system prompt and the history window within the context budget. It also sizes the call:
 * the estimate of its input (for tokens/min and the sweeper) and an upper bound (for the
 * quota reservation, which must never under-count).
 */
const HISTORY_READ_LIMIT = 60;
/** Tokens for system prompt + history + new message (max_tokens comes on top). */
const CONTEXT_BUDGET_TOKENS = 16_000;
const TITLE_CHARS = 60;

export interface ComposedTurn {
  /** An owner of the workspace has verified their email (a free quota starts only then). */
  ownerVerified: boolean;
  conversationId: string;
  isNewConversation: boolean;
  title: string;
  userText: string;
  /** Chosen up front so the write is idempotent; null for a retry (already stored). */
  userMessageId: string | null;
  assistantMessageId: string;
  model: string;
  /** Why `model` was chosen, stored on the ledger row. */
  routing: LedgerRouting;
  /** A regenerate on a stronger model after a routed-down answer: recorded with the new answer. */
  routingSignal: RoutingSignal | null;
  maxTokens: number;
  system: SystemTextBlock[];
  messages: WindowMessage[];
  estimatedInputTokens: number;
  /** Never below the true input count (lib/llm/tokens.ts). */
  inputTokenBound: number;
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
    routing_mode: RoutingMode;
  } | null;
  conversation: { id: string; title: string } | null;
  messages: { role: string; content: string; status: string }[];
  owner_verified: boolean;
}

const TURN_SQL = `
SELECT
  (SELECT row_to_json(c) FROM (
     SELECT company_name, persona, allowed_topics, restricted_topics, custom_instructions, model_tier, max_tokens, routing_mode
       FROM tenant_configs WHERE tenant_id = $1::uuid ORDER BY version DESC LIMIT 1) c) AS config,
  (SELECT json_build_object('id', id, 'title', title)
     FROM conversations WHERE tenant_id = $1::uuid AND id = $2::uuid AND user_id = $3::uuid) AS conversation,
  (SELECT coalesce(json_agg(m ORDER BY m.created_at), '[]'::json) FROM (
     SELECT m.role, m.content, m.status, m.created_at
       FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id AND c.user_id = $3::uuid
      WHERE m.tenant_id = $1::uuid AND m.conversation_id = $2::uuid
      ORDER BY m.created_at DESC LIMIT ${HISTORY_READ_LIMIT}) m) AS messages,
  EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.tenant_id = $1::uuid AND m.role = 'owner' AND u.email_verified_at IS NOT NULL) AS owner_verified`;

export async function composeTurn(db: ScopedSql, caller: Caller, input: ChatRequest, plan: Plan): Promise<ComposedTurn> {
  // Route (issue 14): a regenerate on a stronger model reads the previous answer's decision first (an extra round trip for that action only).
  const previous = input.escalate && input.conversationId ? await findPreviousAnswer(db, caller, input.conversationId) : null;
  // One statement: it ends the transaction in the same round trip.
  const [row] = await db.query<TurnRow>(TURN_SQL, [caller.tenantId, input.conversationId ?? null, caller.userId], { commit: true });
  const stored = row?.config;
  if (!stored) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  const conversation = row.conversation;
  if (input.conversationId && !conversation) throw new AppError("not_found", "Conversation not found.");

  // Failed replies carry no content worth sending back to the model.
  const history: HistoryMessage[] = row.messages
    .filter((m) => !(m.role === "assistant" && (m.status === "error" || m.content.length === 0)))
    .map((m) => ({ role: m.role === "assistant" ? "assistant" : "user", content: m.content }));

  let userText: string;
  let retry = false;
  if (input.retry) {
    const lastUser = history.findLastIndex((m) => m.role === "user");
    if (lastUser < 0) throw new AppError("validation_failed", "There is no message to retry in this conversation.");
    userText = history[lastUser]!.content;
    history.splice(lastUser);
    retry = true;
  } else {
    userText = input.message!.trim();
  }

  const system = buildSystemPrompt({
    companyName: stored.company_name,
    persona: stored.persona,
    allowedTopics: stored.allowed_topics,
    restrictedTopics: stored.restricted_topics,
    customInstructions: stored.custom_instructions,
  }, { canary: tenantCanary(caller.tenantId) }); // issue 12: the tenant's canary, watched for in the reply; also the cached prefix's per-tenant salt
  // --- route (issue 14): the model within the plan's cap; "fixed" keeps the configured tier.
  const policy = { mode: stored.routing_mode, tier: stored.model_tier, allowedTiers: plan.allowedTiers };
  const routeInput = { text: userText, historyMessages: history.length };
  const route = input.escalate ? escalatedRoute(previous, routeInput, policy) : routeRequest(routeInput, policy);
  const routingSignal = input.escalate && previous && conversation ? signalFor(previous, conversation.id, route.tier) : null;
  // --- end route
  const systemTokens = estimateInputTokens({ system, messages: [] });
  const window = buildHistoryWindow(history, userText, Math.max(0, CONTEXT_BUDGET_TOKENS - systemTokens));
  return {
    conversationId: conversation?.id ?? randomUUID(),
    isNewConversation: !conversation,
    title: conversation?.title ?? titleFrom(userText),
    userText,
    userMessageId: retry ? null : randomUUID(),
    assistantMessageId: randomUUID(),
    // The plan bounds what the config may ask for (the admin console enforces it too): routeRequest caps at both.
    model: route.model,
    routing: recordedDecision(route),
    routingSignal,
    maxTokens: Math.min(stored.max_tokens, plan.maxTokensCap),
    system,
    messages: window.messages,
    estimatedInputTokens: systemTokens + window.tokens,
    inputTokenBound: inputTokenBound({ system, messages: window.messages }),
    ownerVerified: row.owner_verified,
  };
}

/** Route (issue 14): "Regenerate with a stronger model" — one tier above the previous answer's, within the cap, or a 422. */
function escalatedRoute(previous: PreviousAnswer | null, input: Parameters<typeof escalateRequest>[0], policy: Parameters<typeof escalateRequest>[1]) {
  if (!previous?.tier) throw new AppError("validation_failed", "There is no answer to regenerate with a stronger model in this conversation.");
  const route = escalateRequest(input, policy, previous.tier);
  if (!route) throw new AppError("validation_failed", "This answer already came from the strongest model this workspace allows.");
  return route;
}

function titleFrom(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= TITLE_CHARS ? oneLine : `${oneLine.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
}
