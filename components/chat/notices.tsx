"use client";

import { useCallback, useEffect, useState } from "react";
import type { ApiError } from "@/components/chat/chat-api";
import { describeLimit } from "@/components/chat/format";
import { FlaskIcon } from "@/components/chat/icons";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ChatIcon, XMarkIcon } from "@/components/ui/icons";
import { formatWait } from "@/lib/format";

/** Seconds left until `until` (epoch ms), ticking once a second; 0 when it has passed. */
function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/** 429 without a usable Retry-After: wait this long before offering to send again. */
const DEFAULT_RETRY_SECONDS = 10;

/** The workspace's request limit after a 429: when it lifts, and a per-second countdown. */
export function useRateLimit() {
  const [state, setState] = useState<{ until: number; initialSeconds: number; limit?: string } | null>(null);
  const secondsLeft = useCountdown(state?.until ?? null);
  useEffect(() => {
    if (state && secondsLeft === 0) setState(null);
  }, [state, secondsLeft]);
  const hit = useCallback((error: ApiError) => {
    const seconds = error.retryAfterSeconds ?? DEFAULT_RETRY_SECONDS;
    setState({ until: Date.now() + seconds * 1000, initialSeconds: seconds, limit: error.limit });
  }, []);
  const limited = state !== null && secondsLeft > 0;
  return { limited, secondsLeft, initialSeconds: state?.initialSeconds ?? 0, limit: state?.limit, hit };
}

/**
 * The 429 banner. Screen readers hear the wait once (when it appears); the ticking number
 * is hidden from them so they are not interrupted every second.
 */
export function RateLimitBanner({ secondsLeft, initialSeconds, limit }: { secondsLeft: number; initialSeconds: number; limit?: string }) {
  const what = describeLimit(limit);
  return (
    <div data-testid="rate-limit-banner" className="flex items-start gap-3 rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset">
      <svg className="mt-0.5 size-5 shrink-0 text-amber-500" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
        <path fillRule="evenodd" clipRule="evenodd" d="M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16Zm.75-13a.75.75 0 0 0-1.5 0v5c0 .414.336.75.75.75h4a.75.75 0 0 0 0-1.5h-3.25V5Z" />
      </svg>
      <p>
        <span role="status" className="sr-only">
          You’ve hit {what}. Try again in {formatWait(initialSeconds)}.
        </span>
        <span aria-hidden="true">
          <span className="font-medium">You’ve hit {what}</span> — try again in{" "}
          <span className="font-semibold tabular-nums" data-testid="rate-limit-countdown">
            {formatWait(secondsLeft)}
          </span>
          .
        </span>
      </p>
    </div>
  );
}

/** An error that stopped a message before any reply started (the message is back in the box). */
export function SendErrorNotice({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return (
    <div className="relative" data-testid="send-error">
      <Alert tone="error" className="pr-11">
        {message}
      </Alert>
      <button type="button" onClick={onDismiss} aria-label="Dismiss" className={cn("absolute top-2.5 right-2.5 rounded-md p-1 text-red-700/70 hover:bg-red-100 hover:text-red-800", focusRing)}>
        <XMarkIcon className="size-4" />
      </button>
    </div>
  );
}

export function SimulatorBadge({ className }: { className?: string }) {
  return (
    <span
      data-testid="simulator-badge"
      title="No Anthropic API key is configured: a local simulator that speaks the Messages API writes the replies."
      className={cn("inline-flex shrink-0 items-center gap-1.5 rounded-full bg-amber-50 px-2.5 py-1 text-xs font-medium text-amber-800 ring-1 ring-amber-600/20 ring-inset", className)}
    >
      <FlaskIcon className="size-3.5 text-amber-600" />
      <span className="sm:hidden">Simulated replies</span>
      <span className="hidden sm:inline">Replies come from the Claude simulator</span>
    </span>
  );
}

/** A conversation that could not be opened (404 looks the same for "deleted" and "not yours"). */
export function ConversationOpenError({ error, onRetry, onNewChat }: { error: ApiError; onRetry: () => void; onNewChat: () => void }) {
  const missing = error.status === 404;
  return (
    <div className="flex min-h-0 flex-1 items-center justify-center overflow-y-auto p-4" data-testid="conversation-open-error">
      <EmptyState
        className="w-full max-w-md bg-white"
        icon={<ChatIcon className="size-6" />}
        title={missing ? "Conversation not found" : "Couldn’t open this conversation"}
        description={missing ? "It may have been deleted, or it belongs to someone else." : error.message}
        action={
          <div className="flex gap-2">
            {!missing && (
              <Button variant="secondary" onClick={onRetry}>
                Try again
              </Button>
            )}
            <Button onClick={onNewChat}>Start a new chat</Button>
          </div>
        }
      />
    </div>
  );
}
