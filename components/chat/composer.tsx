"use client";

import { forwardRef, useEffect, useId, useImperativeHandle, useRef, type FormEvent, type KeyboardEvent } from "react";
import { messageLength } from "@/components/chat/format";
import { ArrowUpIcon, StopIcon } from "@/components/chat/icons";
import { cn, focusRing } from "@/components/ui/cn";
import { MAX_MESSAGE_CHARS } from "@/lib/chat/limits";

export interface ComposerHandle {
  focus(): void;
}

export interface ComposerProps {
  value: string;
  onChange(value: string): void;
  onSend(): void;
  onStop(): void;
  /** A turn is in flight: Send becomes Stop. */
  busy: boolean;
  /** Sending is not possible right now (loading a conversation, rate-limited). */
  sendDisabled?: boolean;
  sendDisabledReason?: string;
  placeholder: string;
}

const MAX_HEIGHT_PX = 240;
const numberFormat = new Intl.NumberFormat("en");

/**
 * The message box: grows with its text up to a limit, Enter sends, Shift+Enter adds a
 * line. It stays editable while a reply streams (the next message can be drafted), but
 * nothing is sent until the turn ends.
 */
export const Composer = forwardRef<ComposerHandle, ComposerProps>(function Composer(
  { value, onChange, onSend, onStop, busy, sendDisabled = false, sendDisabledReason, placeholder },
  ref,
) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const counterId = useId();
  const errorId = useId();
  const hintId = useId();
  useImperativeHandle(ref, () => ({ focus: () => textarea.current?.focus() }), []);

  useEffect(() => {
    const el = textarea.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
    el.style.overflowY = el.scrollHeight > MAX_HEIGHT_PX ? "auto" : "hidden";
  }, [value]);

  const { count, showCounter, over } = messageLength(value);
  const empty = value.trim().length === 0;
  const canSend = !busy && !sendDisabled && !empty && over === 0;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (canSend) onSend();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME candidate (Japanese, Chinese…) must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const describedBy = [hintId, showCounter ? counterId : null, over > 0 ? errorId : null].filter(Boolean).join(" ");

  return (
    <form onSubmit={submit} className="mx-auto w-full max-w-3xl px-3 pb-3 sm:px-6 sm:pb-5" aria-label="Send a message">
      <div
        className={cn(
          "relative flex items-end gap-2 rounded-2xl bg-white p-2 shadow-sm ring-1 transition-shadow ring-inset focus-within:ring-2",
          over > 0 ? "ring-red-400 focus-within:ring-red-500" : "ring-zinc-300 focus-within:ring-indigo-600",
        )}
      >
        <label htmlFor={`${hintId}-input`} className="sr-only">
          Message
        </label>
        <textarea
          id={`${hintId}-input`}
          ref={textarea}
          data-testid="composer-input"
          rows={1}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={placeholder}
          aria-invalid={over > 0 || undefined}
          aria-describedby={describedBy}
          className="max-h-60 min-h-10 flex-1 resize-none border-0 bg-transparent px-2 py-2 text-[15px] leading-6 text-zinc-900 placeholder:text-zinc-400 focus:outline-none"
        />
        {busy ? (
          // Keyed: Send and Stop are different controls, not one button that changes colour.
          <button
            key="stop"
            type="button"
            onClick={onStop}
            data-testid="stop-button"
            aria-label="Stop generating"
            title="Stop generating"
            className={cn("flex size-10 shrink-0 items-center justify-center rounded-xl bg-zinc-900 text-white shadow-sm hover:bg-zinc-700", focusRing)}
          >
            <StopIcon className="size-4" />
          </button>
        ) : (
          <button
            key="send"
            type="submit"
            data-testid="send-button"
            aria-label="Send message"
            title={sendDisabled && sendDisabledReason ? sendDisabledReason : "Send (Enter)"}
            disabled={!canSend}
            className={cn(
              "flex size-10 shrink-0 items-center justify-center rounded-xl bg-indigo-600 text-white shadow-sm transition-colors hover:bg-indigo-500",
              "disabled:cursor-not-allowed disabled:bg-zinc-200 disabled:text-zinc-400 disabled:shadow-none",
              focusRing,
            )}
          >
            <ArrowUpIcon className="size-5" />
          </button>
        )}
      </div>
      <div className={cn("mt-1.5 min-h-5 items-start justify-between gap-3 px-1 text-xs", showCounter || over > 0 ? "flex" : "hidden sm:flex")}>
        <p id={hintId} className={cn("text-zinc-500", over > 0 ? "sr-only" : "hidden sm:block")}>
          <kbd className="font-sans font-medium text-zinc-600">Enter</kbd> to send · <kbd className="font-sans font-medium text-zinc-600">Shift</kbd>+
          <kbd className="font-sans font-medium text-zinc-600">Enter</kbd> for a new line
        </p>
        {over > 0 ? (
          <p id={errorId} className="font-medium text-red-600" data-testid="composer-error">
            {numberFormat.format(over)} {over === 1 ? "character" : "characters"} over the {numberFormat.format(MAX_MESSAGE_CHARS)}-character limit. Shorten your message to send it.
          </p>
        ) : null}
        {showCounter && (
          <p id={counterId} className={cn("ml-auto shrink-0 tabular-nums", over > 0 ? "font-medium text-red-600" : "text-zinc-500")} data-testid="composer-counter">
            {numberFormat.format(count)} / {numberFormat.format(MAX_MESSAGE_CHARS)}
          </p>
        )}
      </div>
    </form>
  );
});
