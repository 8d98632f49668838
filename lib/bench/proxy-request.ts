import { buildSystemPrompt, wrapUserMessage } from "@/lib/context/system-prompt";
import { modelForTier } from "@/lib/llm/models";
import { defaultTenantConfig } from "@/lib/tenancy/defaults";

/**
 * The one Messages request the benchmark's bare proxy route sends (and the bench sends to
 * the simulator directly): the same model, max_tokens and system prompt as a new workspace's
 * chat turn, with a one-line user message, so the three bench targets differ only in the
 * work done around the upstream call.
 */
export const BENCH_WORKSPACE_NAME = "Bench Workspace";

const USER_TEXT = "Question 0: how should I cache the configuration for a small team?";

export function benchMessagesRequest(): Record<string, unknown> {
  const config = defaultTenantConfig(BENCH_WORKSPACE_NAME);
  return {
    model: modelForTier(config.modelTier),
    max_tokens: config.maxTokens,
    system: buildSystemPrompt(config),
    messages: [{ role: "user", content: wrapUserMessage(USER_TEXT) }],
    stream: true,
  };
}

/** Only a simulator on this machine may be the proxy's upstream: never spend real tokens. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return ["127.0.0.1", "localhost", "::1", "[::1]"].includes(host);
}
