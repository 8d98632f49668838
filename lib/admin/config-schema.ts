import "@/lib/zod-jitless";
import { z } from "zod";
import { cleanText } from "@/lib/validation/text";
import type { ModelTier } from "@/lib/db/generated/enums";
import { TIER_LABELS } from "@/lib/llm/models";
import { ROUTING_MODES, type RoutingMode } from "@/lib/routing/modes";
import type { PlanLimits } from "@/lib/tenancy/plans";

/**
 * The tenant configuration an admin may save, as one zod schema per plan. Pure (no
 * database): the admin console runs the same rules in the browser before it saves.
 */
export interface TenantConfigFields {
  companyName: string;
  persona: string;
  allowedTopics: string[];
  restrictedTopics: string[];
  customInstructions: string;
  modelTier: ModelTier;
  maxTokens: number;
  /** What the screen step does with a suspicious message (lib/pipeline/screen.ts). */
  screeningPolicy: ScreeningPolicy;
  /** Fixed tier, or automatic routing up to modelTier (lib/routing). */
  routingMode: RoutingMode;
}

export const SCREENING_POLICIES = ["off", "flag", "block"] as const;
export type ScreeningPolicy = (typeof SCREENING_POLICIES)[number];

export const SCREENING_POLICY_LABELS: Readonly<Record<ScreeningPolicy, string>> = {
  off: "Off",
  flag: "Flag",
  block: "Block",
};

export const SCREENING_POLICY_HINTS: Readonly<Record<ScreeningPolicy, string>> = {
  off: "Messages are not screened for prompt injection.",
  flag: "Suspicious messages are answered and listed in the Security tab.",
  block: "Clear injection attempts are refused before they reach the model; weaker signals are flagged.",
};

/** What a plan lets a tenant choose. */
export type PlanChoices = Pick<PlanLimits, "allowedTiers" | "maxTokensCap">;

export const CONFIG_LIMITS = {
  companyName: 100,
  persona: 2000,
  customInstructions: 4000,
  topicLength: 60,
  topicCount: 30,
  minMaxTokens: 64,
} as const;

export const MODEL_TIERS = ["economy", "standard", "premium"] as const satisfies readonly ModelTier[];

export const CONFIG_FIELD_LABELS: Readonly<Record<keyof TenantConfigFields, string>> = {
  companyName: "Company name",
  persona: "Persona",
  allowedTopics: "Allowed topics",
  restrictedTopics: "Restricted topics",
  customInstructions: "Custom instructions",
  modelTier: "Model tier",
  maxTokens: "Max tokens",
  routingMode: "Model routing",
  screeningPolicy: "Prompt-injection screening",
};

/** A topic is one line: runs of whitespace collapse, ends are trimmed. */
export function normaliseTopic(topic: string): string {
  return topic.replace(/\s+/g, " ").trim();
}

const topicKey = (topic: string) => normaliseTopic(topic).toLowerCase();

function topicList(label: string) {
  return z
    .array(
      cleanText()
        .transform(normaliseTopic)
        .pipe(
          z
            .string()
            .min(1, { error: "A topic can’t be empty." })
            .max(CONFIG_LIMITS.topicLength, { error: `A topic is at most ${CONFIG_LIMITS.topicLength} characters.` }),
        ),
      { error: `${label} must be a list of topics.` },
    )
    .max(CONFIG_LIMITS.topicCount, { error: `At most ${CONFIG_LIMITS.topicCount} ${label.toLowerCase()}.` })
    .superRefine((topics, ctx) => {
      const seen = new Set<string>();
      topics.forEach((topic, index) => {
        if (seen.has(topicKey(topic))) ctx.addIssue({ code: "custom", path: [index], message: `“${topic}” is listed twice.` });
        seen.add(topicKey(topic));
      });
    });
}

export function tenantConfigSchema(plan: PlanChoices) {
  return z
    .object({
      companyName: cleanText({ error: "Enter the company name." })
        .trim()
        .min(1, { error: "Enter the company name." })
        .max(CONFIG_LIMITS.companyName, { error: `At most ${CONFIG_LIMITS.companyName} characters.` }),
      persona: cleanText({ error: "Describe the assistant’s persona." })
        .trim()
        .min(1, { error: "Describe the assistant’s persona." })
        .max(CONFIG_LIMITS.persona, { error: `At most ${CONFIG_LIMITS.persona.toLocaleString("en")} characters.` }),
      allowedTopics: topicList("Allowed topics"),
      restrictedTopics: topicList("Restricted topics"),
      customInstructions: cleanText({ error: "Custom instructions must be text." })
        .trim()
        .max(CONFIG_LIMITS.customInstructions, { error: `At most ${CONFIG_LIMITS.customInstructions.toLocaleString("en")} characters.` }),
      modelTier: z
        .enum(MODEL_TIERS, { error: "Choose a model tier." })
        .refine((tier) => plan.allowedTiers.includes(tier), { error: (issue) => `${TIER_LABELS[issue.input as ModelTier]} isn’t included in your plan.` }),
      maxTokens: z
        .number({ error: "Enter a whole number." })
        .int({ error: "Enter a whole number." })
        .min(CONFIG_LIMITS.minMaxTokens, { error: `At least ${CONFIG_LIMITS.minMaxTokens}.` })
        .max(plan.maxTokensCap, { error: `At most ${plan.maxTokensCap.toLocaleString("en")} on your plan.` }),
      // Optional so that a save from an older form keeps the current policy (saveConfig).
      screeningPolicy: z.enum(SCREENING_POLICIES, { error: "Choose off, flag or block." }).optional(),
      // Optional for the same reason: a save without it keeps the current mode.
      routingMode: z.enum(ROUTING_MODES, { error: "Choose fixed or automatic." }).optional(),
    })
    .superRefine((config, ctx) => {
      const allowed = new Set(config.allowedTopics.map(topicKey));
      config.restrictedTopics.forEach((topic, index) => {
        if (allowed.has(topicKey(topic))) {
          ctx.addIssue({ code: "custom", path: ["restrictedTopics", index], message: `“${topic}” can’t be both allowed and restricted.` });
        }
      });
    });
}

export type ConfigFieldErrors = Partial<Record<keyof TenantConfigFields | "_", string[]>>;

/** The error envelope's fields ("allowedTopics.3": [...]) grouped by top-level field. */
export function groupFieldErrors(fields: Record<string, string[]> | undefined): ConfigFieldErrors {
  const out: Record<string, string[]> = {};
  for (const [path, messages] of Object.entries(fields ?? {})) {
    const key = path.split(".")[0] || "_";
    (out[key] ??= []).push(...messages);
  }
  return out;
}
