import type { ModelTier } from "@/lib/db/generated/enums";

/** The tiers, cheapest first: the order every "above" and "below" of routing means. */
export const TIER_ORDER = ["economy", "standard", "premium"] as const satisfies readonly ModelTier[];
