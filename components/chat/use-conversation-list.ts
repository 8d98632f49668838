"use client";

import { useCallback, useState } from "react";
import { deleteConversationRequest, fetchConversations, renameConversationRequest } from "@/components/chat/chat-api";
import type { ConversationSummary } from "@/lib/chat/types";

/**
 * The sidebar's conversations: the server's list, kept in step with what this tab does.
 * Rename and delete resolve to an error message for the UI, or null on success.
 */
export function useConversationList(slug: string, initial: ConversationSummary[] | null) {
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(initial);
  const [reloading, setReloading] = useState(false);

  /** New activity puts a conversation at the top (and adds one the server just created). */
  const upsert = useCallback((summary: ConversationSummary) => {
    setConversations((list) => [summary, ...(list ?? []).filter((c) => c.id !== summary.id)]);
  }, []);

  const reload = useCallback(async () => {
    setReloading(true);
    const result = await fetchConversations(slug);
    setReloading(false);
    if (result.ok) setConversations(result.data);
  }, [slug]);

  const rename = useCallback(
    async (id: string, title: string): Promise<string | null> => {
      const result = await renameConversationRequest(slug, id, title);
      if (!result.ok) return result.error.fields?.title?.[0] ?? result.error.message;
      setConversations((list) => list?.map((c) => (c.id === id ? { ...c, title: result.data.title } : c)) ?? null);
      return null;
    },
    [slug],
  );

  const remove = useCallback(
    async (id: string): Promise<string | null> => {
      const result = await deleteConversationRequest(slug, id);
      // Already gone (deleted in another tab) is what the user wanted.
      if (!result.ok && result.error.status !== 404) return result.error.message;
      setConversations((list) => list?.filter((c) => c.id !== id) ?? null);
      return null;
    },
    [slug],
  );

  const titleOf = (id: string | null) => (id ? conversations?.find((c) => c.id === id)?.title : undefined);

  return { conversations, reloading, upsert, reload, rename, remove, titleOf };
}
