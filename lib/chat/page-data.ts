import { describeClaudeBackend } from "@/lib/llm/anthropic-client";
import { getAssistantProfile, type AssistantProfile } from "@/lib/chat/assistant";
import { listConversations } from "@/lib/chat/conversations";
import type { ConversationSummary } from "@/lib/chat/types";
import type { TenantContext } from "@/lib/db/scope";
import { getPlan } from "@/lib/tenancy/plans";

export interface ChatPageData {
  assistant: AssistantProfile;
  simulated: boolean;
  /** null when the list could not be loaded: the page still opens, the sidebar offers a retry. */
  conversations: ConversationSummary[] | null;
}

/** What both chat pages (/w/[slug] and /w/[slug]/c/[id]) need besides the conversation itself. */
export async function loadChatPageData(ctx: TenantContext, workspaceName: string, planId: string): Promise<ChatPageData> {
  const [conversations, assistant] = await Promise.all([
    listConversations(ctx).catch((error: unknown) => {
      console.error("[bulkhead] listing conversations failed", error);
      return null;
    }),
    getPlan(planId)
      .then((plan) => getAssistantProfile(ctx, workspaceName, plan.allowedTiers))
      .catch((error: unknown): AssistantProfile => {
        console.error("[bulkhead] reading the assistant profile failed", error);
        // No tiers: no "Regenerate with a stronger model" until the page can say which.
        return { name: `${workspaceName} assistant`, companyName: workspaceName, modelName: "Claude", tiers: [] };
      }),
  ]);
  return { assistant, simulated: describeClaudeBackend() === "simulator", conversations };
}
