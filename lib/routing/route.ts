import type { ModelTier } from "@/lib/db/generated/enums";
import { modelForTier } from "@/lib/llm/models";
import type { RoutingMode } from "@/lib/routing/modes";
import { extractFeatures, type RequestFeatures, type RouteInput } from "@/lib/routing/features";
import { nextTierUp, usableTiers } from "@/lib/routing/escalate";
import { TIER_ORDER } from "@/lib/routing/tiers";
import { MAX_SCORE, ROUTING_RULES, TIER_THRESHOLDS, type RoutingRule, type RuleCode } from "@/lib/routing/rules";

export type { RouteInput } from "@/lib/routing/features";

/**
 * The route step: which model answers this request. Pure and synchronous (no upstream call,
 * no I/O): features from the text, the rule table's score, the tier the score reaches —
 * then bounded by the tenant's cap, which is the configured tier and never above the plan.
 *
 * "fixed": always the configured tier (what every tenant had before routing).
 * "auto":  the cheapest tier the rules find adequate, up to the configured tier.
 */
export { ROUTING_MODES, type RoutingMode } from "@/lib/routing/modes";

export { TIER_ORDER } from "@/lib/routing/tiers";

export interface RoutePolicy {
  mode: RoutingMode;
  /** The configured tier: the fixed tier, or the cap of automatic routing. */
  tier: ModelTier;
  /** What the plan allows. */
  allowedTiers: readonly ModelTier[];
}

/** Why the tier was chosen: a rule's code, or one of the outcomes that no rule explains. */
export type RouteReason = RuleCode | "fixed_tier" | "no_signal" | "capped" | "escalated";

export interface RouteDecision {
  tier: ModelTier;
  model: string;
  /** 0–100: the clamped sum of the matched rules' weights. */
  score: number;
  reason: RouteReason;
  /** Every rule that matched, heaviest first. */
  rules: RuleCode[];
  /** The tier the tenant would have had without routing: its configured tier within the plan. */
  defaultTier: ModelTier;
  /** The tier the rules asked for before the cap. */
  wantedTier: ModelTier;
}

const rank = (tier: ModelTier): number => TIER_ORDER.indexOf(tier);

/** The tenant's ceiling: the configured tier if the plan allows it, else the plan's highest (as compose did before routing). */
export function capTier(policy: Pick<RoutePolicy, "tier" | "allowedTiers">): ModelTier {
  if (policy.allowedTiers.includes(policy.tier)) return policy.tier;
  return [...policy.allowedTiers].sort((a, b) => rank(a) - rank(b)).at(-1) ?? "economy";
}

/** The cheapest allowed tier at or above `wanted` and at or below `cap`; the highest allowed below it when none is. */
export function fitTier(wanted: ModelTier, cap: ModelTier, allowed: readonly ModelTier[]): ModelTier {
  const usable = TIER_ORDER.filter((t) => rank(t) <= rank(cap) && (allowed.includes(t) || t === cap));
  return usable.find((t) => rank(t) >= rank(wanted)) ?? usable.at(-1) ?? cap;
}

export interface ScoredRequest {
  score: number;
  tier: ModelTier;
  matched: RoutingRule[];
}

/** The rules' verdict with no cap: what the request needs. */
export function scoreRequest(features: RequestFeatures, rules: readonly RoutingRule[] = ROUTING_RULES): ScoredRequest {
  let sum = 0;
  let floor = 0;
  const matched: RoutingRule[] = [];
  for (const rule of rules) {
    if (!rule.applies(features)) continue;
    matched.push(rule);
    sum += rule.weight;
    if (rule.floor && rank(rule.floor) > floor) floor = rank(rule.floor);
  }
  const score = Math.max(0, Math.min(MAX_SCORE, sum));
  const hard = matched.some((r) => r.hard);
  const byScore = score >= TIER_THRESHOLDS.premium && hard ? 2 : score >= TIER_THRESHOLDS.standard ? 1 : 0;
  matched.sort((a, b) => b.weight - a.weight);
  return { score, tier: TIER_ORDER[Math.max(byScore, floor)] ?? "premium", matched };
}

export function routeRequest(input: RouteInput, policy: RoutePolicy): RouteDecision {
  const cap = capTier(policy);
  const scored = scoreRequest(extractFeatures(input));
  const rules = scored.matched.map((r) => r.code);
  if (policy.mode === "fixed") {
    return { tier: cap, model: modelForTier(cap), score: scored.score, reason: "fixed_tier", rules, defaultTier: cap, wantedTier: scored.tier };
  }
  const tier = fitTier(scored.tier, cap, policy.allowedTiers);
  const reason: RouteReason = rank(tier) < rank(scored.tier) ? "capped" : explain(scored.matched, tier);
  return { tier, model: modelForTier(tier), score: scored.score, reason, rules, defaultTier: cap, wantedTier: scored.tier };
}

/**
 * "Regenerate with a stronger model": the tier above the previous answer's, within the same
 * cap as routeRequest (whatever the mode: the user asked for it). Null when the previous
 * answer already came from the strongest tier this tenant may use.
 */
export function escalateRequest(input: RouteInput, policy: RoutePolicy, previousTier: ModelTier): RouteDecision | null {
  const cap = capTier(policy);
  const tier = nextTierUp(previousTier, usableTiers(cap, policy.allowedTiers));
  if (!tier) return null;
  const scored = scoreRequest(extractFeatures(input));
  return { tier, model: modelForTier(tier), score: scored.score, reason: "escalated", rules: scored.matched.map((r) => r.code), defaultTier: cap, wantedTier: scored.tier };
}

/**
 * The tenant API's `model: "auto"` (issue 14, item 1): the router in automatic mode up to
 * the tenant's configured tier within its plan, whatever the chat's routing mode. Store
 * `recordedDecision(decision)` on the ledger row (LedgerRequest.routing) and call
 * `decision.model`. `apiRouteInput` reads the request's messages.
 */
export function routeForApi(input: RouteInput, config: { modelTier: ModelTier }, plan: { allowedTiers: readonly ModelTier[] }): RouteDecision {
  return routeRequest(input, { mode: "auto", tier: config.modelTier, allowedTiers: plan.allowedTiers });
}

type ApiContent = string | ReadonlyArray<{ type: string; text?: unknown }>;

/** What the router reads of a Messages API body: the last user turn's text, and how many messages came before it. */
export function apiRouteInput(messages: ReadonlyArray<{ role: string; content: ApiContent }>): RouteInput {
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  const content = lastUser >= 0 ? messages[lastUser]!.content : "";
  const text = typeof content === "string" ? content : content.map((b) => (b.type === "text" && typeof b.text === "string" ? b.text : "")).filter(Boolean).join("\n\n");
  return { text, historyMessages: Math.max(0, lastUser) };
}

/** The heaviest rule behind a tier above economy; for economy, the rule that pulled it down (or the strongest that did not lift it). */
function explain(matched: readonly RoutingRule[], tier: ModelTier): RouteReason {
  if (tier === "economy") {
    const down = matched.at(-1);
    if (down && down.weight < 0) return down.code;
  }
  return matched[0]?.code ?? "no_signal";
}

/** What the ledger row keeps of a decision (usage_events.route_*, 0014_routing). */
export function recordedDecision(decision: RouteDecision): { tier: ModelTier; defaultTier: ModelTier; defaultModel: string; score: number; reason: RouteReason } {
  return { tier: decision.tier, defaultTier: decision.defaultTier, defaultModel: modelForTier(decision.defaultTier), score: decision.score, reason: decision.reason };
}
