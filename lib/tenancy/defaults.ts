import type { ModelTier } from "@/lib/db/generated/enums";

export const DEFAULT_PLAN_ID = "free";

export function defaultTenantConfig(companyName: string) {
  return {
    companyName,
    persona: "A friendly, precise assistant who answers clearly and briefly.",
    allowedTopics: [] as string[],
    restrictedTopics: [] as string[],
    customInstructions: "",
    modelTier: "standard" as ModelTier,
    maxTokens: 1024,
  };
}
