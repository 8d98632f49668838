import { withTenant, type TenantContext } from "@/lib/db/scope";
import { modelDisplayName, modelForTier } from "@/lib/llm/models";

/** What the chat page says about the tenant's assistant (never the prompt or instructions). */
export interface AssistantProfile {
  /** How the welcome panel names the assistant, e.g. "Acme Robotics assistant". */
  name: string;
  companyName: string;
  modelName: string;
}

/** From the tenant's current (highest) config version. */
export async function getAssistantProfile(ctx: TenantContext, fallbackCompanyName: string): Promise<AssistantProfile> {
  const config = await withTenant(ctx, (tx) =>
    tx.tenantConfig.findFirst({
      where: { tenantId: ctx.tenantId },
      orderBy: { version: "desc" },
      select: { companyName: true, modelTier: true },
    }),
  );
  const companyName = config?.companyName.trim() || fallbackCompanyName;
  return {
    name: `${companyName} assistant`,
    companyName,
    modelName: modelDisplayName(modelForTier(config?.modelTier ?? "standard")),
  };
}
