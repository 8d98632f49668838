import type { ModelTier } from "@/lib/db/generated/enums";
import { costMicros, type PriceRates } from "@/lib/llm/pricing";
import { estimateTextTokens } from "@/lib/llm/tokens";
import { TIER_ORDER, type RouteDecision } from "@/lib/routing/route";

/**
 * Scoring the router against a labelled set (issue 14 item 5). Pure: the script reads the
 * set and the price book, this file does the arithmetic.
 *
 * Cost of a prompt on a tier = its input (the text plus a system prompt of SYSTEM_TOKENS)
 * at the tier model's input rate + its expected output at the output rate. The oracle puts
 * every prompt on its label's tier; "always premium" puts every prompt on premium. Totals
 * are weighted so each label's share of requests matches the traffic mix: a prompt of a
 * class with n prompts in the set and share s of the traffic weighs s / n.
 */
export interface LabelledPrompt {
  id: string;
  text: string;
  /** The smallest tier whose answer is adequate. */
  tier: ModelTier;
  /** The rubric entry the label was given by (eval/routing/README.md). */
  rule?: string;
  outputTokens?: number;
  historyMessages?: number;
}

export type TrafficMix = Readonly<Record<ModelTier, number>>;
export const DEFAULT_MIX: TrafficMix = { economy: 0.7, standard: 0.25, premium: 0.05 };
/** A new workspace's system prompt is about this size (lib/context/system-prompt.ts). */
export const SYSTEM_TOKENS = 600;
/** Expected output when a prompt does not say. */
export const DEFAULT_OUTPUT_TOKENS: Readonly<Record<ModelTier, number>> = { economy: 200, standard: 700, premium: 2_000 };

export interface EvaluatedPrompt {
  prompt: LabelledPrompt;
  decision: RouteDecision;
}

export interface Evaluation {
  count: number;
  /** matrix[label][routed] = prompts. */
  matrix: Record<ModelTier, Record<ModelTier, number>>;
  /** Standard- or premium-labelled prompts routed below their label, ÷ all of them. */
  underRoutedShare: number;
  underRouted: number;
  aboveEconomy: number;
  /** Economy-labelled prompts routed above economy, ÷ economy prompts. */
  overRoutedEconomyShare: number;
  accuracy: number;
  mix: TrafficMix;
  /** Weighted micro-USD per request. */
  routedCost: number;
  oracleCost: number;
  premiumCost: number;
  /** routed ÷ oracle − 1. */
  costOverOracle: number;
  /** 1 − routed ÷ always-premium. */
  savingVsPremium: number;
  misses: EvaluatedPrompt[];
}

const rank = (t: ModelTier) => TIER_ORDER.indexOf(t);

export function promptCost(prompt: LabelledPrompt, tier: ModelTier, rates: Readonly<Record<ModelTier, PriceRates>>): number {
  const usage = {
    inputTokens: SYSTEM_TOKENS + estimateTextTokens(prompt.text),
    outputTokens: prompt.outputTokens ?? DEFAULT_OUTPUT_TOKENS[prompt.tier],
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
  };
  return Number(costMicros(usage, rates[tier]));
}

export function evaluate(results: readonly EvaluatedPrompt[], rates: Readonly<Record<ModelTier, PriceRates>>, mix: TrafficMix = DEFAULT_MIX): Evaluation {
  const zeroRow = (): Record<ModelTier, number> => ({ economy: 0, standard: 0, premium: 0 });
  const matrix: Record<ModelTier, Record<ModelTier, number>> = { economy: zeroRow(), standard: zeroRow(), premium: zeroRow() };
  const perClass = zeroRow();
  for (const r of results) {
    matrix[r.prompt.tier][r.decision.tier]++;
    perClass[r.prompt.tier]++;
  }
  let routedCost = 0;
  let oracleCost = 0;
  let premiumCost = 0;
  let underRouted = 0;
  let aboveEconomy = 0;
  let correct = 0;
  const misses: EvaluatedPrompt[] = [];
  for (const r of results) {
    const label = r.prompt.tier;
    const weight = perClass[label] > 0 ? mix[label] / perClass[label] : 0;
    routedCost += weight * promptCost(r.prompt, r.decision.tier, rates);
    oracleCost += weight * promptCost(r.prompt, label, rates);
    premiumCost += weight * promptCost(r.prompt, "premium", rates);
    if (label !== "economy") aboveEconomy++;
    if (rank(r.decision.tier) < rank(label)) underRouted++;
    if (r.decision.tier === label) correct++;
    else misses.push(r);
  }
  return {
    count: results.length,
    matrix,
    underRouted,
    aboveEconomy,
    underRoutedShare: aboveEconomy > 0 ? underRouted / aboveEconomy : 0,
    overRoutedEconomyShare: perClass.economy > 0 ? (perClass.economy - matrix.economy.economy) / perClass.economy : 0,
    accuracy: results.length > 0 ? correct / results.length : 0,
    mix,
    routedCost,
    oracleCost,
    premiumCost,
    costOverOracle: oracleCost > 0 ? routedCost / oracleCost - 1 : 0,
    savingVsPremium: premiumCost > 0 ? 1 - routedCost / premiumCost : 0,
    misses,
  };
}
