import type { ModelTier } from "@/lib/db/generated/enums";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import { modelDisplayName, modelForTier } from "@/lib/llm/models";
import { usableTiers } from "@/lib/routing/escalate";
import { capTier } from "@/lib/routing/route";

/** What the chat page says about the tenant's assistant (never the prompt or instructions). */
export interface AssistantProfile {
  /** How the welcome panel names the assistant, e.g. "Acme Robotics assistant". */
  name: string;
  companyName: string;
  modelName: string;
  /**
   * The tiers an answer may come from, cheapest first (the plan's, up to the configured
   * tier): "Regenerate with a stronger model" offers the next one above an answer's tier.
   */
  tiers: ModelTier[];
}

/** From the tenant's current (highest) config version. */
export async function getAssistantProfile(ctx: TenantContext, fallbackCompanyName: string, allowedTiers: readonly ModelTier[]): Promise<AssistantProfile> {
  const config = await withTenant(ctx, (tx) =>
    tx.tenantConfig.findFirst({
      where: { tenantId: ctx.tenantId },
      orderBy: { version: "desc" },
      select: { companyName: true, modelTier: true },
    }),
  );
  const companyName = config?.companyName.trim() || fallbackCompanyName;
  const cap = capTier({ tier: config?.modelTier ?? "standard", allowedTiers });
  return {
    name: `${companyName} assistant`,
    companyName,
    modelName: modelDisplayName(modelForTier(config?.modelTier ?? "standard")),
    tiers: usableTiers(cap, allowedTiers),
  };
}
