import type { ModelTier } from "@/lib/db/generated/enums";

/**
 * Which Claude model each tier routes to, as data: changing a tier's model is a one-line
 * edit here (and a price row in the price book for the new id).
 */
export interface ModelInfo {
  id: string;
  displayName: string;
}

export const TIER_MODELS: Readonly<Record<ModelTier, ModelInfo>> = {
  economy: { id: "claude-haiku-4-5", displayName: "Claude Haiku 4.5" },
  standard: { id: "claude-sonnet-4-6", displayName: "Claude Sonnet 4.6" },
  premium: { id: "claude-opus-4-8", displayName: "Claude Opus 4.8" },
};

export const TIER_LABELS: Readonly<Record<ModelTier, string>> = {
  economy: "Economy",
  standard: "Standard",
  premium: "Premium",
};

/** Display names of every model the price book knows, including ones no tier routes to yet. */
const MODEL_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  "claude-haiku-4-5": "Claude Haiku 4.5",
  "claude-sonnet-4-5": "Claude Sonnet 4.5",
  "claude-sonnet-4-6": "Claude Sonnet 4.6",
  "claude-opus-4-5": "Claude Opus 4.5",
  "claude-opus-4-6": "Claude Opus 4.6",
  "claude-opus-4-7": "Claude Opus 4.7",
  "claude-opus-4-8": "Claude Opus 4.8",
};

export function modelForTier(tier: ModelTier): string {
  return TIER_MODELS[tier].id;
}

/** A readable name for a model id; unknown ids are shown as they are. */
export function modelDisplayName(modelId: string): string {
  return MODEL_DISPLAY_NAMES[modelId] ?? modelId;
}

/**
 * The tier a known model belongs to, by family (the tenant API checks a requested model
 * against the plan's tiers); null for an id the price book does not know.
 */
export function tierOfModel(modelId: string): ModelTier | null {
  if (!(modelId in MODEL_DISPLAY_NAMES)) return null;
  if (modelId.startsWith("claude-haiku")) return "economy";
  if (modelId.startsWith("claude-sonnet")) return "standard";
  if (modelId.startsWith("claude-opus")) return "premium";
  return null;
}
