import type { ContextBudget } from "@/lib/context/budget";
import {
  contextBlock, KNOWLEDGE_FRAME, MEMORY_FRAME, memoryText, passageText, SUMMARY_FRAME, summaryText,
  type BlockFrame, type KnowledgePassage, type MemoryItem,
} from "@/lib/context/context-blocks";
import { normaliseTurns, turnTokens, type HistoryMessage, type SourcedTurn, type WindowMessage } from "@/lib/context/history";
import { wrapUserMessage, type SystemTextBlock } from "@/lib/context/system-prompt";
import { estimateInputTokens, estimateTextTokens } from "@/lib/llm/tokens";

/**
 * The one composition of a call's context (ARCHITECTURE.md, step 6), a pure function: the
 * chat turn (lib/pipeline/compose.ts) and the admin console's preview both call it.
 *
 * What is sent, in this order:
 *
 *   system   1. platform rules + canary           ┐ the cached prefix, byte-identical per
 *            2. tenant configuration (breakpoint) ┘ tenant; never trimmed, never changed here
 *            3. <knowledge>             passages for this message, best first, with source ids
 *            4. <user_memory>           the user's active memories, newest first
 *            5. <conversation_summary>  the earlier turns that no longer fit, summarised
 *   messages 6. recent turns, oldest first (the window)
 *            7. the user's message, in <user_message> markers — never trimmed
 *
 * Trimming is deterministic: everything optional is claimed from the budget in a fixed
 * priority order, and the first item that does not fit ends the filling — nothing after it
 * is taken, even if it would fit — so when the budget shrinks, layers go in exactly the
 * reverse order, one item at a time:
 *
 *   dropped first  older turns (everything before the last exchange), oldest first
 *                  the conversation summary (whole)
 *                  knowledge passages, lowest ranked first
 *                  memories, oldest first
 *   dropped last   the last exchange (the user's previous message and the reply to it)
 *   never          the cached prefix and the user's message (if they alone exceed the
 *                  budget they are still sent: input size is validation's job)
 *
 * Why this order: the last exchange is what a follow-up ("and the second one?") refers to;
 * memories are few, short and asked for by the user; knowledge is what grounds the answer to
 * this message; the summary and older turns are what the model can most easily do without.
 * Each layer also has its own cap (lib/context/budget.ts); items past a cap are left out of
 * that layer without ending the filling.
 *
 * Sizes are the estimator's (lib/llm/tokens.ts). An item is charged ceil((its text + a
 * newline) / 4) and each block its frame, which sums to at least what the estimator counts
 * for the joined block, so the composed estimate never exceeds the budget when the
 * mandatory parts fit. The quota's upper bound (inputTokenBound) is computed by the caller
 * over exactly the `system` and `messages` returned here.
 */
export interface ContextInput {
  /** Platform rules + tenant configuration (buildSystemPrompt): kept as they are. */
  prefix: readonly SystemTextBlock[];
  /** Best first. */
  knowledge: readonly KnowledgePassage[];
  /** Newest first. */
  memories: readonly MemoryItem[];
  summary: string | null;
  /** Earlier messages not covered by the summary, oldest first, as stored (user text raw). */
  history: readonly HistoryMessage[];
  userText: string;
  budget: ContextBudget;
}

export interface ComposedContext {
  system: SystemTextBlock[];
  messages: WindowMessage[];
  estimatedInputTokens: number;
  included: { knowledgeIds: string[]; memoryIds: string[]; summary: boolean; priorTurns: number };
  dropped: { knowledge: number; memories: number; summary: boolean; priorTurns: number };
  /** Index in `history` of the first message the window keeps (history.length when none). */
  firstKeptMessage: number;
}

type Layer = "knowledge" | "memory" | "summary" | "turns";

interface Candidate {
  layer: Layer;
  tokens: number;
  take: () => void;
}

export function composeContext(input: ContextInput): ComposedContext {
  const userMessage: WindowMessage = { role: "user", content: wrapUserMessage(input.userText) };
  const mandatory = estimateInputTokens({ system: [...input.prefix], messages: [userMessage] });
  let remaining = input.budget.totalTokens - mandatory;

  const passages: KnowledgePassage[] = [];
  const memories: MemoryItem[] = [];
  let summary: string | null = null;
  // Exchanges kept, newest first.
  const exchanges: SourcedTurn[][] = [];

  const exchangesNewestFirst = pairExchanges(normaliseTurns(input.history));
  const [lastExchange, ...olderExchanges] = exchangesNewestFirst;
  const candidates: Candidate[] = [];
  if (lastExchange) candidates.push(exchangeCandidate(lastExchange, exchanges));
  candidates.push(...layerCandidates("memory", MEMORY_FRAME, input.memories, memoryText, input.budget.memoryTokens, memories));
  candidates.push(...layerCandidates("knowledge", KNOWLEDGE_FRAME, input.knowledge, passageText, input.budget.knowledgeTokens, passages));
  if (input.summary && input.summary.trim() !== "") {
    const text = input.summary;
    const tokens = frameTokens(SUMMARY_FRAME) + itemTokens(summaryText(text));
    if (tokens <= input.budget.summaryTokens) candidates.push({ layer: "summary", tokens, take: () => void (summary = text) });
  }
  for (const exchange of olderExchanges) candidates.push(exchangeCandidate(exchange, exchanges));

  for (const candidate of candidates) {
    if (candidate.tokens > remaining) break;
    remaining -= candidate.tokens;
    candidate.take();
  }

  const system: SystemTextBlock[] = [...input.prefix];
  if (passages.length > 0) system.push(contextBlock(KNOWLEDGE_FRAME, passages.map(passageText)));
  if (memories.length > 0) system.push(contextBlock(MEMORY_FRAME, memories.map(memoryText)));
  if (summary !== null) system.push(contextBlock(SUMMARY_FRAME, [summaryText(summary)]));

  const kept = exchanges.slice().reverse().flat();
  const messages: WindowMessage[] = [...kept.map(({ role, content }) => ({ role, content })), userMessage];
  const priorTurns = kept.length;
  const allPrior = exchangesNewestFirst.reduce((n, e) => n + e.length, 0);
  return {
    system,
    messages,
    estimatedInputTokens: estimateInputTokens({ system, messages }),
    included: { knowledgeIds: passages.map((p) => p.id), memoryIds: memories.map((m) => m.id), summary: summary !== null, priorTurns },
    dropped: {
      knowledge: input.knowledge.length - passages.length,
      memories: input.memories.length - memories.length,
      summary: Boolean(input.summary?.trim()) && summary === null,
      priorTurns: allPrior - priorTurns,
    },
    firstKeptMessage: kept[0]?.from ?? input.history.length,
  };
}

/**
 * (user, assistant) pairs from the newest back. Normalised turns alternate and end with the
 * assistant; an assistant turn with no user turn before it (the first, when the summary
 * covers the question) cannot open the window and is left out.
 */
function pairExchanges(turns: SourcedTurn[]): SourcedTurn[][] {
  const out: SourcedTurn[][] = [];
  let i = turns.length - 1;
  while (i >= 1) {
    const reply = turns[i]!;
    const question = turns[i - 1]!;
    if (reply.role === "assistant" && question.role === "user") {
      out.push([question, reply]);
      i -= 2;
    } else {
      i -= 1;
    }
  }
  return out;
}

function exchangeCandidate(exchange: SourcedTurn[], into: SourcedTurn[][]): Candidate {
  return { layer: "turns", tokens: exchange.reduce((n, t) => n + turnTokens(t), 0), take: () => void into.push(exchange) };
}

/** A layer's items in order up to its cap; the first item also pays for the block's frame. */
function layerCandidates<T>(layer: Layer, frame: BlockFrame, items: readonly T[], render: (item: T) => string, cap: number, into: T[]): Candidate[] {
  const out: Candidate[] = [];
  let used = 0;
  for (const item of items) {
    const tokens = itemTokens(render(item)) + (out.length === 0 ? frameTokens(frame) : 0);
    if (used + tokens > cap) break;
    used += tokens;
    out.push({ layer, tokens, take: () => void into.push(item) });
  }
  return out;
}

function itemTokens(text: string): number {
  return estimateTextTokens(`${text}\n`);
}

function frameTokens(frame: BlockFrame): number {
  return estimateTextTokens(`${frame.open}\n`) + estimateTextTokens(frame.close);
}
