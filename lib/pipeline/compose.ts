import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/api/errors";
import type { ChatRequest } from "@/lib/chat/schemas";
import type { ContextJob } from "@/lib/context/background-jobs";
import { CONTEXT_BUDGET } from "@/lib/context/budget";
import { composeContext, type ComposedContext } from "@/lib/context/compose-context";
import type { HistoryMessage, WindowMessage } from "@/lib/context/history";
import { knownToHaveNoKnowledge, noteKnowledgePresence, searchTurnKnowledge } from "@/lib/context/knowledge-source";
import { defaultVectorRanker, type VectorRanker } from "@/lib/knowledge/embeddings";
import { getPool } from "@/lib/db/client";
import { contextJobsFor } from "@/lib/context/turn-jobs";
import { detectRememberRequest } from "@/lib/memory/remember";
import { MAX_MEMORIES } from "@/lib/memory/schemas";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import { tenantCanary } from "@/lib/security/canary";
import type { ModelTier } from "@/lib/db/generated/enums";
import type { ScopedSql } from "@/lib/db/sql";
import type { LedgerRouting } from "@/lib/ledger/reserve";
import { inputTokenBound } from "@/lib/llm/tokens";
import type { Caller } from "@/lib/pipeline/caller";
import { escalateRequest, recordedDecision, routeRequest, type RoutingMode } from "@/lib/routing/route";
import { findPreviousAnswer, signalFor, type PreviousAnswer, type RoutingSignal } from "@/lib/routing/signals";
import type { Plan } from "@/lib/tenancy/plans";
import { boundedMemo } from "@/lib/cache/memo";

/**
 * Compose step: this tenant's current configuration and this user's conversation, memory
 * and conversation summary, read in one statement (row-level security keeps all of it to
 * this tenant and user; an explicit "remember that …" is stored by the same statement),
 * plus the knowledge passages for the message, composed into system prompt and window by
 * the one composition function (lib/context/compose-context.ts: layers, priority order and
 * budget are documented there). It also sizes the call: the estimate of its input (for
 * tokens/min and the sweeper) and an upper bound over exactly what is sent (for the quota
 * reservation, which must never under-count). Background work the turn makes due
 * (summarising dropped turns, memory proposals) is enqueued, never waited for.
 */
const HISTORY_READ_LIMIT = 60;
const TITLE_CHARS = 60;

export interface TurnSource {
  id: string;
  documentId: string;
  title: string;
  section: string | null;
  /** The passage's opening, as the reply's source shows it. */
  excerpt: string;
}

const SOURCE_EXCERPT_CHARS = 600;

export interface ComposedTurn {
  /** The knowledge passages the context kept (the reply's sources). */
  sources: TurnSource[];
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
  /**
   * The cached prefix at the head of `system` (platform rules and tenant configuration): what
   * the leak watch protects. The context blocks after it (knowledge, memory, summary) are the
   * tenant's and the user's own material, which a reply may quote.
   */
  prefix: readonly SystemTextBlock[];
  messages: WindowMessage[];
  estimatedInputTokens: number;
  /** Never below the true input count (lib/llm/tokens.ts). */
  inputTokenBound: number;
  /** What the context layers contributed and what the budget left out (lib/context/compose-context.ts). */
  context: Pick<ComposedContext, "included" | "dropped">;
  /** Set when the message was an explicit "remember that …" and the fact was stored. */
  remembered: { id: string; content: string } | null;
  /** Background work this turn made due; already enqueued. */
  backgroundJobs: ContextJob[];
}

interface TurnRow {
  config: {
    version: number;
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
  messages: { role: string; content: string; status: string; created_at: string }[];
  owner_verified: boolean;
  /** Active memories, newest first; a fact stored by this statement comes first. */
  memories: { id: string; content: string }[];
  remembered: { id: string; content: string } | null;
  summary: { summary: string; covered_until: string | null; memory_scanned_until: string | null } | null;
  propose_memories: boolean;
  has_knowledge: boolean;
  is_member: boolean;
  session_current: boolean;
}

// The remember CTE runs only when $4 holds a fact; re-stating one the user already has (or
// dismissed as a proposal) makes it theirs and active again.
// $5: the session version to verify, for a caller whose membership came from the identify
// cache (lib/tenancy/workspace.ts identifyMemberCached), else NULL. The statement then is the
// identify step: is_member (app_tenant_id() checks the membership) and session_current, and
// its only write (the remember CTE) happens only for a current session; every other row it
// reads is already limited by row-level security to a member's.
const TURN_SQL = `
WITH caller AS (
  SELECT (SELECT app_tenant_id()) IS NOT NULL AS is_member,
         ($5::int IS NULL OR (SELECT u.session_version FROM users u WHERE u.id = $3::uuid) = $5::int) AS session_current
), remembered AS (
  INSERT INTO user_memories (tenant_id, user_id, content, source, status)
  SELECT $1::uuid, $3::uuid, $4::text, 'user', 'active' FROM caller WHERE $4::text IS NOT NULL
     AND caller.is_member AND caller.session_current
     AND (SELECT count(*) FROM user_memories WHERE tenant_id = $1::uuid AND user_id = $3::uuid AND status IN ('active', 'proposed')) < ${MAX_MEMORIES}
  ON CONFLICT (tenant_id, user_id, md5(lower(content)))
  DO UPDATE SET content = EXCLUDED.content, source = 'user', status = 'active', updated_at = now()
  RETURNING id, content
), summary AS (
  SELECT summary, covered_until, memory_scanned_until FROM conversation_summaries
   WHERE tenant_id = $1::uuid AND conversation_id = $2::uuid AND user_id = $3::uuid
)
SELECT
  (SELECT row_to_json(c) FROM (
     SELECT version, company_name, persona, allowed_topics, restricted_topics, custom_instructions, model_tier, max_tokens, routing_mode
       FROM tenant_configs WHERE tenant_id = $1::uuid ORDER BY version DESC LIMIT 1) c) AS config,
  (SELECT json_build_object('id', id, 'title', title)
     FROM conversations WHERE tenant_id = $1::uuid AND id = $2::uuid AND user_id = $3::uuid) AS conversation,
  (SELECT coalesce(json_agg(m ORDER BY m.created_at), '[]'::json) FROM (
     SELECT m.role, m.content, m.status, m.created_at
       FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id AND c.user_id = $3::uuid
      WHERE m.tenant_id = $1::uuid AND m.conversation_id = $2::uuid
        AND m.created_at > coalesce((SELECT covered_until FROM summary), '-infinity'::timestamptz)
      ORDER BY m.created_at DESC LIMIT ${HISTORY_READ_LIMIT}) m) AS messages,
  EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.tenant_id = $1::uuid AND m.role = 'owner' AND u.email_verified_at IS NOT NULL) AS owner_verified,
  (SELECT coalesce(json_agg(json_build_object('id', f.id, 'content', f.content) ORDER BY f.ord, f.at DESC, f.id), '[]'::json) FROM (
     SELECT id, content, 0 AS ord, now() AS at FROM remembered
     UNION ALL
     (SELECT id, content, 1, updated_at FROM user_memories
       WHERE tenant_id = $1::uuid AND user_id = $3::uuid AND status = 'active' AND id NOT IN (SELECT id FROM remembered)
       ORDER BY updated_at DESC, id LIMIT ${CONTEXT_BUDGET.memoryFacts})) f) AS memories,
  (SELECT row_to_json(r) FROM remembered r) AS remembered,
  (SELECT row_to_json(s) FROM summary s) AS summary,
  coalesce((SELECT propose_from_conversations FROM user_memory_settings
             WHERE tenant_id = $1::uuid AND user_id = $3::uuid), false) AS propose_memories,
  EXISTS (SELECT 1 FROM knowledge_chunks WHERE tenant_id = $1::uuid) AS has_knowledge,
  caller.is_member,
  caller.session_current
FROM caller`;

/**
 * The cached prefix (platform rules + tenant configuration) of a tenant's configuration
 * version. A version never changes once saved (a change is a new version), so it is built
 * once per process and version: escaping a long configuration is the prefix's whole cost
 * (0.2 ms a turn for 5,600 characters of instructions). A small LRU over tenants.
 */
const prefixCache = boundedMemo<string, readonly SystemTextBlock[]>(1_024);

function systemPromptOf(tenantId: string, config: NonNullable<TurnRow["config"]>): readonly SystemTextBlock[] {
  return prefixCache.get(`${tenantId}:${config.version}`, () => {
    const built = buildSystemPrompt(
      {
        companyName: config.company_name,
        persona: config.persona,
        allowedTopics: config.allowed_topics,
        restrictedTopics: config.restricted_topics,
        customInstructions: config.custom_instructions,
      },
      { canary: tenantCanary(tenantId) }, // issue 12: the tenant's canary, watched for in the reply; also the cached prefix's per-tenant salt
    );
    // Shared by every turn of the version: frozen, so no step can change another turn's prefix.
    for (const block of built) {
      if (block.cache_control) Object.freeze(block.cache_control);
      Object.freeze(block);
    }
    return Object.freeze(built);
  });
}

export interface ComposeOptions {
  /**
   * The vector ranker for the new message, prepared before this transaction opened (the chat
   * turn: lib/pipeline/chat-turn.ts), or null for full text only; by default the configured one.
   */
  vectors?: VectorRanker | null;
}

export async function composeTurn(db: ScopedSql, caller: Caller, input: ChatRequest, plan: Plan, options: ComposeOptions = {}): Promise<ComposedTurn> {
  // Route (issue 14): a regenerate on a stronger model reads the previous answer's decision first (an extra round trip for that action only).
  const previous = input.escalate && input.conversationId ? await findPreviousAnswer(db, caller, input.conversationId) : null;
  const scope = { tenantId: caller.tenantId, userId: caller.userId };
  const vectors = options.vectors === undefined ? defaultVectorRanker() : options.vectors;
  const knowledgeOptions = { budgetTokens: CONTEXT_BUDGET.knowledgeTokens, limit: CONTEXT_BUDGET.knowledgePassages, vectors };
  // A new message's knowledge search and the turn's statement go out together in the one
  // transaction (the pool's pipeline mode: one write, answers in order), the statement ending
  // it, so knowledge costs no round trip of its own; a retry learns its text from that
  // statement and searches after it.
  const newText = input.retry ? null : input.message!.trim();
  // A tenant known to have no knowledge skips the search (knowledge-source.ts).
  const skipSearch = newText !== null && knownToHaveNoKnowledge(caller.tenantId);
  const search = newText === null || skipSearch ? null : searchTurnKnowledge(db, scope, newText, knowledgeOptions);
  const fact = newText === null ? null : detectRememberRequest(newText);
  const verify = caller.unverified?.sessionVersion ?? null;
  // The statement ends the transaction when nothing follows it in the same transaction: a
  // vector search has statements after its first (then withScopeSql commits at its end).
  const endsTransaction = newText !== null && (search === null || vectors === null);
  const turn = db.query<TurnRow>(TURN_SQL, [caller.tenantId, input.conversationId ?? null, caller.userId, fact, verify], { commit: endsTransaction });
  const [knowledgeFirst, [row]] = await Promise.all([search, turn]);
  if (row && (!row.is_member || !row.session_current)) {
    // The cached identity no longer holds (membership ended, or the session was ended): as the identify step answers.
    caller.unverified?.forget();
    throw new AppError("not_found", "Workspace not found.");
  }
  const stored = row?.config;
  if (!stored) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  noteKnowledgePresence(caller.tenantId, row.has_knowledge);
  const conversation = row.conversation;
  if (input.conversationId && !conversation) throw new AppError("not_found", "Conversation not found.");

  // Failed replies carry no content worth sending back to the model.
  const answered = row.messages.filter((m) => !(m.role === "assistant" && (m.status === "error" || m.content.length === 0)));
  // A regenerated answer (issue 14: "Regenerate with a stronger model") replaces the one before it: only the last of consecutive answers is history.
  const kept = answered.filter((m, i) => !(m.role === "assistant" && answered[i + 1]?.role === "assistant"));
  const history: HistoryMessage[] = kept.map((m) => ({ role: m.role === "assistant" ? "assistant" : "user", content: m.content }));

  let userText: string;
  let retry = false;
  if (input.retry) {
    const lastUser = history.findLastIndex((m) => m.role === "user");
    if (lastUser < 0) throw new AppError("validation_failed", "There is no message to retry in this conversation.");
    userText = history[lastUser]!.content;
    history.splice(lastUser);
    retry = true;
  } else {
    userText = newText!;
  }
  const knowledge =
    knowledgeFirst ??
    (skipSearch
      ? // Skipped, and the statement (which ended the transaction) says knowledge has appeared since: search in a fresh one.
        row.has_knowledge ? await searchTurnKnowledge(getPool(), scope, userText, knowledgeOptions) : []
      : await searchTurnKnowledge(db, scope, userText, knowledgeOptions));

  const system = systemPromptOf(caller.tenantId, stored);
  // --- route (issue 14): the model within the plan's cap; "fixed" keeps the configured tier.
  const policy = { mode: stored.routing_mode, tier: stored.model_tier, allowedTiers: plan.allowedTiers };
  const routeInput = { text: userText, historyMessages: history.length };
  const route = input.escalate ? escalatedRoute(previous, routeInput, policy) : routeRequest(routeInput, policy);
  const routingSignal = input.escalate && previous && conversation ? signalFor(previous, conversation.id, route.tier) : null;
  // --- end route
  const composed = composeContext({
    prefix: system,
    knowledge,
    memories: row.memories,
    summary: row.summary?.summary || null,
    history,
    userText,
    budget: CONTEXT_BUDGET,
  });
  const conversationId = conversation?.id ?? randomUUID();
  const backgroundJobs =
    conversation && (row.owner_verified || plan.monthlyPriceMicros > 0n)
      ? contextJobsFor({
          caller,
          conversationId,
          history: kept.slice(0, history.length),
          firstKeptMessage: composed.firstKeptMessage,
          readWasFull: row.messages.length === HISTORY_READ_LIMIT,
          memoryScannedUntil: row.propose_memories ? (row.summary?.memory_scanned_until ?? "-infinity") : null,
        })
      : [];
  // Enqueued by the pipeline once the turn is reserved (chat-turn.ts): a turn refused by its
  // quota or limits starts no background work.
  const keptIds = new Set(composed.included.knowledgeIds);
  const sources: TurnSource[] = knowledge
    .filter((p) => keptIds.has(p.id))
    .map((p) => ({ id: p.id, documentId: p.documentId, title: p.title, section: p.section ?? null, excerpt: p.text.length > SOURCE_EXCERPT_CHARS ? `${p.text.slice(0, SOURCE_EXCERPT_CHARS - 1).trimEnd()}…` : p.text }));
  return {
    sources,
    conversationId,
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
    system: composed.system,
    prefix: system,
    messages: composed.messages,
    estimatedInputTokens: composed.estimatedInputTokens,
    // Over exactly what is sent: every context block and turn is counted.
    inputTokenBound: inputTokenBound({ system: composed.system, messages: composed.messages }),
    ownerVerified: row.owner_verified,
    context: { included: composed.included, dropped: composed.dropped },
    remembered: row.remembered,
    backgroundJobs,
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
