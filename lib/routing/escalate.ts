import type { ModelTier } from "@/lib/db/generated/enums";
import { TIER_ORDER } from "@/lib/routing/tiers";

/**
 * "Regenerate with a stronger model" (issue 14, item 3): the last answer asked again on the
 * next tier up, never above the tenant's cap (the configured tier within the plan — the
 * same ceiling the router keeps). Pure, and free of the router's rules, so the chat page
 * (which runs in the browser) can tell whether the action exists without loading them.
 */
export { TIER_ORDER } from "@/lib/routing/tiers";

const rank = (tier: ModelTier): number => TIER_ORDER.indexOf(tier);

/** The tiers a request of this tenant may go to, cheapest first: allowed by the plan, at or below the cap. */
export function usableTiers(cap: ModelTier, allowedTiers: readonly ModelTier[]): ModelTier[] {
  return TIER_ORDER.filter((t) => rank(t) <= rank(cap) && (allowedTiers.includes(t) || t === cap));
}

/** The next usable tier above `from`; null when `from` is already the strongest this tenant may use. */
export function nextTierUp(from: ModelTier, usable: readonly ModelTier[]): ModelTier | null {
  return usable.find((t) => rank(t) > rank(from)) ?? null;
}

/** The answer was sent below what the tenant would have had without routing. */
export function wasRoutedDown(tier: ModelTier, defaultTier: ModelTier): boolean {
  return rank(tier) < rank(defaultTier);
}
