import type { Metadata } from "next";
import { ChatClient } from "@/components/chat/chat-client";
import { loadChatPageData } from "@/lib/chat/page-data";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";

export const metadata: Metadata = { title: "Chat" };

/** The workspace's chat, opened on a new conversation. */
export default async function ChatPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { user, workspace } = await requireWorkspace(slug);
  const data = await loadChatPageData({ tenantId: workspace.tenantId, userId: user.id }, workspace.name, workspace.planId);
  return (
    <ChatClient
      key="new"
      slug={workspace.slug}
      assistant={data.assistant}
      simulated={data.simulated}
      initialConversations={data.conversations}
      initialConversation={null}
    />
  );
}
