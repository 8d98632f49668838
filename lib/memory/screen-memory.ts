import { enforceScreenPolicy, screenMessage } from "@/lib/pipeline/screen";

/**
 * A memory the user writes goes into every later prompt of theirs, so it passes the same
 * screen as a chat message, under the tenant's policy: otherwise the Memory panel would be
 * a way around a "block" policy. (A "remember that …" in chat was screened as the message;
 * proposals come from messages that were.) Throws the chat's 422 message_blocked.
 */
export async function screenMemory(workspace: { tenantId: string; planId: string }, userId: string, content: string): Promise<void> {
  await enforceScreenPolicy({ tenantId: workspace.tenantId, userId, planId: workspace.planId }, content, screenMessage(content), { requestId: null, source: "chat" });
}
