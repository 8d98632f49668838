import type { ModelTier } from "@/lib/db/generated/enums";
import { GatewayError } from "@/lib/gateway/errors";
import { TIER_MODELS } from "@/lib/llm/models";
import { TIER_ORDER } from "@/lib/routing/route";
import type { Plan } from "@/lib/tenancy/plans";

/**
 * GET /v1/models: the models the tenant's plan allows, in the Models API's shape (the SDK's
 * `client.models.list()` pages through it), plus "auto" (the router, issue 14). `created_at`
 * is a fixed date per tier in this build, not fetched from Anthropic (the SDK only needs a
 * timestamp there).
 */
interface ModelInfo {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

const RELEASED: Readonly<Record<ModelTier, string>> = {
  economy: "2025-10-15T00:00:00Z",
  standard: "2026-02-17T00:00:00Z",
  premium: "2026-09-01T00:00:00Z",
};

const AUTO: ModelInfo = { type: "model", id: "auto", display_name: "Automatic (cheapest adequate model within your plan)", created_at: "2026-12-01T00:00:00Z" };

export function planModels(plan: Pick<Plan, "allowedTiers">): ModelInfo[] {
  const tiers = [...TIER_ORDER].reverse().filter((t) => plan.allowedTiers.includes(t));
  return [...tiers.map((t) => ({ type: "model" as const, id: TIER_MODELS[t].id, display_name: TIER_MODELS[t].displayName, created_at: RELEASED[t] })), AUTO];
}

export function listModels(plan: Pick<Plan, "allowedTiers">): { data: ModelInfo[]; has_more: false; first_id: string | null; last_id: string | null } {
  const data = planModels(plan);
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

export function retrieveModel(plan: Pick<Plan, "allowedTiers">, id: string): ModelInfo {
  const found = planModels(plan).find((m) => m.id === id);
  if (!found) throw new GatewayError(404, "not_found_error", `model: ${id}`);
  return found;
}
