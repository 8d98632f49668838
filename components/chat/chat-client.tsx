"use client";

import { usePathname } from "next/navigation";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { fetchConversation, type ApiError } from "@/components/chat/chat-api";
import { chatStateFrom, emptyChatState, escalationFor, retryableMessageKey } from "@/components/chat/chat-state";
import { Composer, type ComposerHandle } from "@/components/chat/composer";
import { ConversationSidebar } from "@/components/chat/conversation-sidebar";
import { messageLength, speakableText } from "@/components/chat/format";
import { SidebarIcon } from "@/components/chat/icons";
import { MemoryPanel } from "@/components/chat/memory-panel";
import { MessageList, MessageSkeleton } from "@/components/chat/message-list";
import { ConversationOpenError, RateLimitBanner, SendErrorNotice, SimulatorBadge, useRateLimit } from "@/components/chat/notices";
import { useChatSession, type TurnResult } from "@/components/chat/use-chat-session";
import { useConversationList } from "@/components/chat/use-conversation-list";
import { WelcomePanel } from "@/components/chat/welcome-panel";
import { cn, focusRing } from "@/components/ui/cn";
import type { ConversationSummary, ConversationWithMessages } from "@/lib/chat/types";
import type { ModelTier } from "@/lib/db/generated/enums";
import { modelDisplayName } from "@/lib/llm/models";

export interface ChatClientProps {
  slug: string;
  assistant: { name: string; companyName: string; modelName: string; tiers: ModelTier[] };
  simulated: boolean;
  /** null: the list failed to load on the server. */
  initialConversations: ConversationSummary[] | null;
  /** Set on /w/[slug]/c/[id]. */
  initialConversation: ConversationWithMessages | null;
}

type View = { status: "ready" } | { status: "loading"; id: string } | { status: "error"; id: string; error: ApiError };
const conversationIdFromPath = (pathname: string | null): string | null => pathname?.match(/\/c\/([^/]+)\/?$/)?.[1] ?? null;

export function ChatClient({ slug, assistant, simulated: initialSimulated, initialConversations, initialConversation }: ChatClientProps) {
  const basePath = `/w/${encodeURIComponent(slug)}`;
  const pathFor = useCallback((id: string | null) => (id ? `${basePath}/c/${id}` : basePath), [basePath]);
  const initial = assistant.companyName.trim().charAt(0).toUpperCase() || "A";

  const list = useConversationList(slug, initialConversations);
  const [view, setView] = useState<View>({ status: "ready" });
  const [draft, setDraft] = useState("");
  const [sendError, setSendError] = useState<string | null>(null);
  const rateLimit = useRateLimit();
  const [simulated, setSimulated] = useState(initialSimulated);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [memoryOpen, setMemoryOpen] = useState(false);
  const memoryToggle = useRef<HTMLButtonElement>(null);
  const [announcement, setAnnouncement] = useState("");

  const composer = useRef<ComposerHandle>(null);
  const drawerToggle = useRef<HTMLButtonElement>(null);
  const drawer = useRef<HTMLElement>(null);
  const loadController = useRef<AbortController | null>(null);
  /** The conversation the URL should show; URL changes we did not make (back/forward) differ from it. */
  const routeId = useRef<string | null>(initialConversation?.conversation.id ?? null);
  /** Bumped whenever another conversation (or a new chat) opens: a turn settling later belongs to a screen that is gone. */
  const navigation = useRef(0);
  const turnNavigation = useRef(0);

  const onSettled = useCallback(
    (result: TurnResult) => {
      const { conversationId } = result;
      const stillHere = turnNavigation.current === navigation.current;
      // Only the conversation still on screen moves the URL (the user may have left it).
      if (conversationId && stillHere && routeId.current !== conversationId) {
        routeId.current = conversationId;
        window.history.replaceState(null, "", pathFor(conversationId));
      }
      if (result.outcome === "rejected") {
        if (result.message) setDraft((current) => (current.trim() ? current : result.message ?? ""));
        const apiError = result.apiError;
        if (apiError?.status === 429) rateLimit.hit(apiError);
        else if (result.error) {
          setSendError(result.error.message);
        }
        setAnnouncement(result.error ? `Not sent. ${result.error.message}` : "Not sent.");
      } else if (result.outcome === "completed") {
        setAnnouncement(`${assistant.name} replied: ${speakableText(result.text)}`);
      } else if (result.outcome === "aborted") {
        setAnnouncement("Reply stopped.");
      } else {
        setAnnouncement(`The reply failed. ${result.error?.message ?? ""}`);
      }
      if (stillHere) composer.current?.focus();
    },
    [assistant.name, pathFor, rateLimit.hit],
  );

  const [initialState] = useState(() => (initialConversation ? chatStateFrom(initialConversation.conversation, initialConversation.messages) : emptyChatState));
  const { state, dispatch, send, retry, stop, busy } = useChatSession(
    slug,
    initialState,
    {
      onStarted: (event) => {
        setSimulated(event.simulated);
        list.upsert({ id: event.conversationId, title: event.title, updatedAt: new Date().toISOString() });
        setAnnouncement(`${assistant.name} is replying…`);
      },
      onSettled,
    },
  );

  const openConversation = useCallback(
    async (id: string) => {
      navigation.current += 1;
      stop();
      loadController.current?.abort();
      const ac = new AbortController();
      loadController.current = ac;
      setSendError(null);
      setView({ status: "loading", id });
      let result: Awaited<ReturnType<typeof fetchConversation>>;
      try {
        result = await fetchConversation(slug, id, ac.signal);
      } catch {
        return; // Superseded by another click.
      }
      if (ac.signal.aborted) return;
      if (result.ok) {
        dispatch({ type: "load", conversationId: result.data.conversation.id, title: result.data.conversation.title, messages: result.data.messages });
        setView({ status: "ready" });
      } else {
        dispatch({ type: "reset" });
        setView({ status: "error", id, error: result.error });
      }
    },
    [dispatch, slug, stop],
  );

  const closeDrawer = useCallback((restoreFocus: boolean) => {
    setDrawerOpen(false);
    if (restoreFocus) drawerToggle.current?.focus();
  }, []);

  const titleRef = useRef<HTMLHeadingElement>(null);
  const selectConversation = (id: string) => {
    // From the phone drawer, focus would be left on a link that just hid: put it on the title.
    if (drawerOpen) requestAnimationFrame(() => titleRef.current?.focus());
    closeDrawer(false);
    if (id === state.conversationId && view.status === "ready") return;
    routeId.current = id;
    window.history.pushState(null, "", pathFor(id));
    void openConversation(id);
  };

  const startNewChat = useCallback(
    (history: "push" | "replace" = "push") => {
      navigation.current += 1;
      stop();
      loadController.current?.abort();
      closeDrawer(false);
      if (routeId.current !== null || window.location.pathname !== basePath) {
        routeId.current = null;
        window.history[history === "push" ? "pushState" : "replaceState"](null, "", basePath);
      }
      dispatch({ type: "reset" });
      setView({ status: "ready" });
      setSendError(null);
      requestAnimationFrame(() => composer.current?.focus());
    },
    [basePath, closeDrawer, dispatch, stop],
  );

  // Back and forward: follow the URL when it points somewhere we did not put it.
  const pathname = usePathname();
  useEffect(() => {
    const id = conversationIdFromPath(pathname);
    if (id === routeId.current) return;
    routeId.current = id;
    if (id) void openConversation(id);
    else {
      navigation.current += 1;
      stop();
      dispatch({ type: "reset" });
      setView({ status: "ready" });
    }
  }, [pathname, openConversation, dispatch, stop]);

  // The phone drawer: Escape closes it, and focus moves in when it opens.
  useEffect(() => {
    if (!drawerOpen) return;
    drawer.current?.querySelector<HTMLElement>("[data-testid=new-chat-button]")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !document.querySelector("dialog[open]")) closeDrawer(true);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [drawerOpen, closeDrawer]);

  const rateLimited = rateLimit.limited;

  const onSend = () => {
    const message = draft.trim();
    if (!message || messageLength(message).over > 0 || rateLimited || view.status === "loading") return;
    setSendError(null);
    // From "conversation not found", a message starts a new conversation.
    if (view.status === "error") setView({ status: "ready" });
    turnNavigation.current = navigation.current;
    if (send(message, state.conversationId)) {
      setDraft("");
      composer.current?.focus();
    }
  };

  const onRetry = () => {
    if (!state.conversationId || rateLimited) return;
    setSendError(null);
    turnNavigation.current = navigation.current;
    retry(state.conversationId);
  };

  const escalation = rateLimited ? null : escalationFor(state, assistant.tiers);
  const onEscalate = () => {
    if (!state.conversationId || !escalation) return;
    setSendError(null);
    turnNavigation.current = navigation.current;
    if (retry(state.conversationId, true)) setAnnouncement(`Regenerating with ${modelDisplayName(escalation.model)}…`);
  };

  const deleteConversation = async (id: string): Promise<string | null> => {
    const error = await list.remove(id);
    if (error) return error;
    if (state.conversationId === id || (view.status !== "ready" && view.id === id)) startNewChat("replace");
    setAnnouncement("Conversation deleted.");
    return null;
  };

  const title =
    view.status === "loading"
      ? (list.titleOf(view.id) ?? "Loading…")
      : (list.titleOf(state.conversationId) ?? state.title ?? "New chat");
  const retryKey = rateLimited ? null : retryableMessageKey(state);

  let body: ReactNode;
  if (view.status === "loading") {
    body = <MessageSkeleton />;
  } else if (view.status === "error") {
    const failedId = view.id;
    body = <ConversationOpenError error={view.error} onRetry={() => void openConversation(failedId)} onNewChat={() => startNewChat("replace")} />;
  } else if (state.messages.length === 0) {
    body = (
      <WelcomePanel
        assistantName={assistant.name}
        companyName={assistant.companyName}
        modelName={assistant.modelName}
        initial={initial}
        onPick={(prompt) => {
          setDraft(prompt);
          composer.current?.focus();
        }}
      />
    );
  } else {
    body = (
      <MessageList
        messages={state.messages}
        assistantName={assistant.name}
        initial={initial}
        retryKey={retryKey}
        onRetry={onRetry}
        escalation={escalation}
        onEscalate={onEscalate}
        conversationKey={state.conversationId ?? "new"}
      />
    );
  }

  return (
    <div className="relative flex h-[calc(100dvh-3.5rem-1px)] min-h-[24rem] overflow-hidden">
      {drawerOpen && <div className="fixed inset-0 z-40 bg-zinc-950/40 md:hidden" aria-hidden="true" onClick={() => closeDrawer(true)} />}
      <aside
        ref={drawer}
        id="chat-sidebar"
        aria-label="Conversations"
        className={cn(
          "fixed inset-y-0 left-0 z-50 w-[min(20rem,85vw)] border-r border-zinc-200 bg-white transition-[translate,visibility] duration-200 ease-out",
          "md:static md:z-auto md:w-72 md:translate-x-0 md:bg-zinc-50/80 md:transition-none lg:w-80",
          drawerOpen ? "translate-x-0 shadow-2xl md:shadow-none" : "max-md:invisible max-md:-translate-x-full",
        )}
      >
        <ConversationSidebar
          slug={slug}
          conversations={list.conversations}
          activeId={view.status === "ready" ? state.conversationId : view.id}
          reloading={list.reloading}
          onReload={() => void list.reload()}
          onSelect={selectConversation}
          onNew={() => startNewChat()}
          onRename={list.rename}
          onDelete={deleteConversation}
          onClose={() => closeDrawer(true)}
        />
      </aside>

      <main className="flex min-w-0 flex-1 flex-col bg-white md:bg-zinc-50/30">
        <div className="flex h-12 shrink-0 items-center gap-2 border-b border-zinc-200/80 px-3 sm:px-4">
          <button
            ref={drawerToggle}
            type="button"
            onClick={() => setDrawerOpen(true)}
            aria-controls="chat-sidebar"
            aria-expanded={drawerOpen}
            aria-label="Show conversations"
            data-testid="sidebar-toggle"
            className={cn("-ml-1 rounded-lg p-2 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 md:hidden", focusRing)}
          >
            <SidebarIcon className="size-5" />
          </button>
          <h1 ref={titleRef} tabIndex={-1} className="min-w-0 flex-1 truncate text-sm font-semibold text-zinc-900 focus:outline-none" data-testid="conversation-title">
            {title}
          </h1>
          {simulated && <SimulatorBadge />}
          <button
            ref={memoryToggle}
            type="button"
            onClick={() => setMemoryOpen(true)}
            aria-haspopup="dialog"
            data-testid="memory-toggle"
            className={cn("rounded-lg px-2.5 py-1.5 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900", focusRing)}
          >
            Memory
          </button>
        </div>
        <MemoryPanel
          slug={slug}
          open={memoryOpen}
          onClose={() => {
            setMemoryOpen(false);
            memoryToggle.current?.focus();
          }}
        />

        {body}

        <div className="shrink-0 bg-linear-to-t from-white via-white to-white/0 pt-2 md:from-zinc-50/30 md:via-zinc-50/30">
          {(rateLimited || sendError) && (
            <div className="mx-auto mb-2 w-full max-w-3xl space-y-2 px-3 sm:px-6">
              {rateLimited && <RateLimitBanner secondsLeft={rateLimit.secondsLeft} initialSeconds={rateLimit.initialSeconds} limit={rateLimit.limit} />}
              {sendError && <SendErrorNotice message={sendError} onDismiss={() => setSendError(null)} />}
            </div>
          )}
          <Composer
            ref={composer}
            value={draft}
            onChange={setDraft}
            onSend={onSend}
            onStop={stop}
            busy={busy}
            sendDisabled={rateLimited || view.status === "loading"}
            sendDisabledReason={rateLimited ? "Waiting for the request limit to reset" : "Loading the conversation"}
            placeholder={`Message ${assistant.companyName}…`}
          />
        </div>
        <div aria-live="polite" className="sr-only" data-testid="chat-announcer">
          {announcement}
        </div>
      </main>
    </div>
  );
}
