import { normaliseTopic, type TenantConfigFields } from "@/lib/admin/config-schema";

/** The form's state: like the config, but max tokens as typed (the field may be empty). */
export interface ConfigDraft extends Omit<TenantConfigFields, "maxTokens"> {
  maxTokens: string;
}

export function toDraft(config: TenantConfigFields): ConfigDraft {
  return {
    companyName: config.companyName,
    persona: config.persona,
    allowedTopics: [...config.allowedTopics],
    restrictedTopics: [...config.restrictedTopics],
    customInstructions: config.customInstructions,
    modelTier: config.modelTier,
    maxTokens: String(config.maxTokens),
    screeningPolicy: config.screeningPolicy,
    routingMode: config.routingMode,
  };
}

/**
 * The draft as the server will store it (trimmed, topics normalised): comparing this with
 * the current version decides whether there is anything to save.
 */
export function fromDraft(draft: ConfigDraft): TenantConfigFields {
  return {
    companyName: draft.companyName.trim(),
    persona: draft.persona.trim(),
    allowedTopics: draft.allowedTopics.map(normaliseTopic),
    restrictedTopics: draft.restrictedTopics.map(normaliseTopic),
    customInstructions: draft.customInstructions.trim(),
    modelTier: draft.modelTier,
    maxTokens: draft.maxTokens.trim() === "" ? Number.NaN : Number(draft.maxTokens),
    screeningPolicy: draft.screeningPolicy,
    routingMode: draft.routingMode,
  };
}
