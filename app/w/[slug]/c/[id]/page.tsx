import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ChatClient } from "@/components/chat/chat-client";
import { AppError } from "@/lib/api/errors";
import { getConversationWithMessages } from "@/lib/chat/conversations";
import { loadChatPageData } from "@/lib/chat/page-data";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";

export const metadata: Metadata = { title: "Chat" };

/** A deep link to one conversation: 404 unless it is the signed-in user's, in this workspace. */
export default async function ConversationPage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const { user, workspace } = await requireWorkspace(slug, "member", `/w/${encodeURIComponent(slug)}/c/${encodeURIComponent(id)}`);
  const ctx = { tenantId: workspace.tenantId, userId: user.id };
  const [conversation, data] = await Promise.all([
    getConversationWithMessages(ctx, id).catch((error: unknown) => {
      if (error instanceof AppError && error.code === "not_found") return null;
      throw error;
    }),
    loadChatPageData(ctx, workspace.name, workspace.planId),
  ]);
  if (!conversation) notFound();
  return (
    <ChatClient
      key={conversation.conversation.id}
      slug={workspace.slug}
      assistant={data.assistant}
      simulated={data.simulated}
      initialConversations={data.conversations}
      initialConversation={conversation}
    />
  );
}
