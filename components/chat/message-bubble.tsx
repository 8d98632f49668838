import { memo } from "react";
import styles from "@/components/chat/chat.module.css";
import type { Escalation, UiMessage } from "@/components/chat/chat-state";
import { RetryIcon, SparklesIcon } from "@/components/chat/icons";
import { MarkdownContent } from "@/components/chat/markdown";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { modelDisplayName } from "@/lib/llm/models";

export function AssistantAvatar({ initial, className }: { initial: string; className?: string }) {
  return (
    <div aria-hidden="true" className={cn("flex size-8 shrink-0 items-center justify-center rounded-full bg-linear-to-br from-indigo-500 to-indigo-700 text-sm font-semibold text-white shadow-sm ring-2 ring-white", className)}>
      {initial}
    </div>
  );
}

export const UserMessage = memo(function UserMessage({ message }: { message: UiMessage }) {
  return (
    <div data-testid="message-user" className="flex justify-end">
      <h3 className="sr-only">You said:</h3>
      <div className="max-w-[85%] rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-[15px] leading-7 whitespace-pre-wrap break-words text-white shadow-sm sm:max-w-[75%]">
        {message.content}
      </div>
    </div>
  );
});

export interface AssistantMessageProps {
  message: UiMessage;
  assistantName: string;
  initial: string;
  /** Present only on the one reply that can be retried right now. */
  onRetry?: () => void;
  /** The last finished answer: name the model that wrote it (issue 14). */
  showModel?: boolean;
  /** Present only on the last answer, when a stronger model is available for it. */
  escalation?: Escalation;
  onEscalate?: () => void;
}

export const AssistantMessage = memo(function AssistantMessage({ message, assistantName, initial, onRetry, showModel, escalation, onEscalate }: AssistantMessageProps) {
  const streaming = message.status === "streaming";
  const waiting = streaming && message.content.length === 0;
  return (
    <div data-testid="message-assistant" data-status={message.status} className="flex gap-3">
      <AssistantAvatar initial={initial} className="mt-0.5 hidden sm:flex" />
      <div className="min-w-0 flex-1">
        <h3 className="sr-only">{assistantName} replied:</h3>
        {waiting ? (
          <div className="text-zinc-400">
            <span className={styles.dots}>
              <span />
              <span />
              <span />
            </span>
            <span className="sr-only">{assistantName} is thinking</span>
          </div>
        ) : message.content ? (
          <MarkdownContent text={message.content} className={streaming ? styles.streaming : undefined} />
        ) : null}

        {message.status === "aborted" && (
          <div className="mt-2">
            <Badge tone="neutral" data-testid="message-stopped">
              Stopped
            </Badge>
          </div>
        )}

        {message.role === "assistant" && message.sources && message.sources.length > 0 && message.status !== "streaming" && <Sources sources={message.sources} />}

        {((showModel && message.model) || (escalation && onEscalate)) && <AnswerFooter message={message} escalation={escalation} onEscalate={onEscalate} />}

        {message.status === "error" && (
          <div role="alert" className="mt-3 flex flex-col gap-3 rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-600/15 ring-inset sm:flex-row sm:items-center sm:justify-between">
            <p>
              <span className="font-medium">{message.content ? "The reply was interrupted." : "The reply failed."}</span>
              {message.error?.message ? ` ${message.error.message}` : null}
            </p>
            {onRetry && (
              <Button size="sm" variant="secondary" onClick={onRetry} data-testid="retry-button" className="self-start sm:self-auto">
                <RetryIcon className="size-4 text-zinc-500" />
                Retry
              </Button>
            )}
          </div>
        )}
      </div>
    </div>
  );
});

/** The knowledge passages the answer was given: document and section, each opening its passage. */
function Sources({ sources }: { sources: NonNullable<UiMessage["sources"]> }) {
  return (
    <div className="mt-3 border-t border-zinc-100 pt-2" data-testid="answer-sources">
      <p className="text-xs font-medium text-zinc-600">Sources</p>
      <ul className="mt-1 space-y-1">
        {sources.map((s) => (
          <li key={s.id}>
            <details className="group rounded-md bg-zinc-50 text-sm ring-1 ring-zinc-950/5">
              <summary className="cursor-pointer list-none px-2.5 py-1.5 text-zinc-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                <span className="font-medium">{s.title}</span>
                {s.section && <span className="text-zinc-600"> › {s.section}</span>}
              </summary>
              <p className="border-t border-zinc-100 px-2.5 py-2 text-[13px] leading-relaxed whitespace-pre-wrap text-zinc-700">{s.excerpt}</p>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Under the last answer: which model wrote it, and (when there is one) the action that asks the next tier up instead. */
function AnswerFooter({ message, escalation, onEscalate }: { message: UiMessage; escalation?: Escalation; onEscalate?: () => void }) {
  return (
    <div className="mt-2 flex min-h-7 flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-500" data-testid="answer-footer">
      {message.model && <span data-testid="answer-model">Answered by {modelDisplayName(message.model)}</span>}
      {escalation && onEscalate && <EscalateButton escalation={escalation} onEscalate={onEscalate} />}
    </div>
  );
}

function EscalateButton({ escalation, onEscalate }: { escalation: Escalation; onEscalate: () => void }) {
  const target = modelDisplayName(escalation.model);
  return (
    <Button
      size="sm"
      variant="ghost"
      onClick={onEscalate}
      data-testid="escalate-button"
      title={`Answer your last message again with ${target}`}
      aria-label={`Regenerate with a stronger model (${target})`}
      className="-ml-2 h-7 px-2 text-xs"
    >
      <SparklesIcon className="size-3.5" />
      Regenerate with a stronger model
    </Button>
  );
}

/** The last user message has no reply (the server failed before answering). */
export function MissingReply({ onRetry }: { onRetry: () => void }) {
  return (
    <div className="flex flex-col gap-3 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset sm:ml-11 sm:flex-row sm:items-center sm:justify-between">
      <p>This message has no reply yet.</p>
      <Button size="sm" variant="secondary" onClick={onRetry} data-testid="retry-button" className="self-start sm:self-auto">
        <RetryIcon className="size-4 text-zinc-500" />
        Retry
      </Button>
    </div>
  );
}
