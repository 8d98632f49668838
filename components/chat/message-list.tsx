"use client";

import { useEffect, useLayoutEffect, useRef, type ReactNode } from "react";
import type { Escalation, UiMessage } from "@/components/chat/chat-state";
import { AssistantMessage, MissingReply, UserMessage } from "@/components/chat/message-bubble";

/** Within this many pixels of the bottom counts as "reading the latest": keep following. */
const STICK_THRESHOLD_PX = 96;

export interface MessageListProps {
  messages: UiMessage[];
  assistantName: string;
  initial: string;
  retryKey: string | null;
  onRetry: () => void;
  /** "Regenerate with a stronger model" for the last answer, when available. */
  escalation: Escalation | null;
  onEscalate: () => void;
  /** Changes when another conversation opens: jump to its end without animation. */
  conversationKey: string;
  footer?: ReactNode;
}

export function MessageList({ messages, assistantName, initial, retryKey, onRetry, escalation, onEscalate, conversationKey, footer }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useLayoutEffect(() => {
    stick.current = true;
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [conversationKey]);

  // Follow new content only while the reader is at the bottom; scrolling up to re-read stops it.
  const last = messages.at(-1);
  const lastLength = last?.content.length ?? 0;
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, lastLength, last?.status]);

  // A message just sent always scrolls into view.
  const lastUserKey = [...messages].reverse().find((m) => m.role === "user")?.key;
  useEffect(() => {
    stick.current = true;
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lastUserKey]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_THRESHOLD_PX;
  };

  const lastMessage = messages.at(-1);
  return (
    <div ref={scroller} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto overscroll-contain" data-testid="message-list">
      <section aria-label="Messages" className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-4 py-6 sm:px-6">
        {messages.map((m) =>
          m.role === "user" ? (
            <UserMessage key={m.key} message={m} />
          ) : (
            <AssistantMessage
              key={m.key}
              message={m}
              assistantName={assistantName}
              initial={initial}
              onRetry={m.key === retryKey ? onRetry : undefined}
              showModel={m === lastMessage && (m.status === "complete" || m.status === "aborted")}
              escalation={m.key === escalation?.key ? escalation : undefined}
              onEscalate={m.key === escalation?.key ? onEscalate : undefined}
            />
          ),
        )}
        {lastMessage?.role === "user" && lastMessage.key === retryKey && <MissingReply onRetry={onRetry} />}
        {footer}
      </section>
    </div>
  );
}

/** Shown while a conversation's messages load. */
export function MessageSkeleton() {
  const rows: Array<{ side: "user" | "assistant"; widths: string[] }> = [
    { side: "user", widths: ["w-48"] },
    { side: "assistant", widths: ["w-full", "w-11/12", "w-2/3"] },
    { side: "user", widths: ["w-64"] },
    { side: "assistant", widths: ["w-full", "w-5/6"] },
  ];
  return (
    <div className="min-h-0 flex-1 overflow-hidden" aria-busy="true" data-testid="message-skeleton">
      <span className="sr-only" role="status">
        Loading conversation…
      </span>
      <div aria-hidden="true" className="mx-auto flex w-full max-w-3xl animate-pulse flex-col gap-6 px-4 py-6 sm:px-6">
        {rows.map((row, i) =>
          row.side === "user" ? (
            <div key={i} className="flex justify-end">
              <div className={`h-10 max-w-[75%] rounded-2xl rounded-br-md bg-zinc-200 ${row.widths[0]}`} />
            </div>
          ) : (
            <div key={i} className="flex gap-3">
              <div className="hidden size-8 shrink-0 rounded-full bg-zinc-200 sm:block" />
              <div className="flex-1 space-y-2.5 pt-1">
                {row.widths.map((w, j) => (
                  <div key={j} className={`h-3.5 rounded bg-zinc-200 ${w}`} />
                ))}
              </div>
            </div>
          ),
        )}
      </div>
    </div>
  );
}
