"use client";

import { useId, useRef, useState, type ChangeEvent, type KeyboardEvent } from "react";
import { cn } from "@/components/ui/cn";
import { FieldError } from "@/components/ui/field-error";
import { XMarkIcon } from "@/components/ui/icons";
import { Label } from "@/components/ui/label";
import { normaliseTopic } from "@/lib/admin/config-schema";

/**
 * A list of short tags typed into one input: Enter or comma adds, Backspace in an empty
 * input removes the last, every tag has its own labelled remove button, and each change is
 * announced to screen readers.
 */
export function TagInput({
  name,
  label,
  itemLabel,
  hint,
  tags,
  onChange,
  errors,
  maxCount,
  maxLength,
  conflicts = [],
  conflictLabel,
  placeholder,
}: {
  name: string;
  label: string;
  /** One tag, lower case, for messages and button labels ("allowed topic"). */
  itemLabel: string;
  hint?: string;
  tags: string[];
  onChange: (tags: string[]) => void;
  errors?: string[];
  maxCount: number;
  maxLength: number;
  /** Tags that may not be added here because the other list has them. */
  conflicts?: readonly string[];
  conflictLabel?: string;
  placeholder?: string;
}) {
  const id = `field-${name}`;
  const statusId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");

  /** Adds what it can of `parts`; returns the parts it refused (they stay in the input to fix). */
  function add(parts: string[]): string[] {
    let next = tags;
    const refused: string[] = [];
    for (const raw of parts) {
      const tag = normaliseTopic(raw);
      if (tag === "") continue;
      const key = tag.toLowerCase();
      const problem =
        tag.length > maxLength ? `Keep each ${itemLabel} to ${maxLength} characters.`
        : next.some((t) => t.toLowerCase() === key) ? `“${tag}” is already in the list.`
        : conflicts.some((t) => t.toLowerCase() === key) ? `“${tag}” is already ${conflictLabel ?? "in the other list"}.`
        : next.length >= maxCount ? `At most ${maxCount} ${label.toLowerCase()}.`
        : null;
      if (problem) {
        setProblem(problem);
        refused.push(tag);
      } else {
        next = [...next, tag];
        setProblem(null);
        setAnnouncement(`Added ${itemLabel} ${tag}.`);
      }
    }
    if (next !== tags) onChange(next);
    return refused;
  }

  function remove(index: number) {
    const tag = tags[index];
    if (tag === undefined) return;
    onChange(tags.filter((_, i) => i !== index));
    setProblem(null);
    setAnnouncement(`Removed ${itemLabel} ${tag}.`);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" || event.key === ",") {
      // Enter would submit the whole form.
      event.preventDefault();
      if (text.trim() === "") return;
      setText(add([text]).join(", "));
    } else if (event.key === "Backspace" && text === "" && tags.length > 0) {
      event.preventDefault();
      remove(tags.length - 1);
    }
  }

  function onInput(event: ChangeEvent<HTMLInputElement>) {
    const value = event.target.value;
    if (!value.includes(",")) {
      setText(value);
      return;
    }
    // Pasted "a, b, c": add the finished parts, keep typing the last.
    const parts = value.split(",");
    const rest = parts.pop() ?? "";
    setText([...add(parts), rest.trimStart()].join(", "));
  }

  const messages = [...(problem ? [problem] : []), ...(errors ?? [])];
  const describedBy = [hint ? `${id}-hint` : null, messages.length ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;

  return (
    <div>
      <div className="flex items-baseline justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        <span className="text-xs text-zinc-500 tabular-nums">
          {tags.length} / {maxCount}
        </span>
      </div>
      <div
        onClick={(e) => {
          if (e.target === e.currentTarget) inputRef.current?.focus();
        }}
        className={cn(
          "mt-1.5 flex min-h-11 flex-wrap items-center gap-1.5 rounded-lg bg-white px-2 py-1.5 shadow-sm ring-1 ring-inset focus-within:ring-2",
          messages.length ? "ring-red-400 focus-within:ring-red-500" : "ring-zinc-300 focus-within:ring-indigo-600",
        )}
      >
        {tags.length > 0 && (
          <ul aria-label={label} className="flex max-w-full flex-wrap gap-1.5">
            {tags.map((tag, index) => (
              <li key={tag} className="flex max-w-full items-center gap-0.5 rounded-md bg-zinc-100 py-0.5 pr-0.5 pl-2 text-sm text-zinc-800 ring-1 ring-zinc-200 ring-inset">
                <span className="min-w-0 truncate">{tag}</span>
                <button
                  type="button"
                  onClick={() => {
                    remove(index);
                    inputRef.current?.focus();
                  }}
                  aria-label={`Remove ${itemLabel} ${tag}`}
                  className="flex size-6 shrink-0 items-center justify-center rounded text-zinc-500 hover:bg-zinc-200 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-600"
                >
                  <XMarkIcon className="size-3.5" />
                </button>
              </li>
            ))}
          </ul>
        )}
        <input
          ref={inputRef}
          id={id}
          name={name}
          value={text}
          onChange={onInput}
          onKeyDown={onKeyDown}
          onBlur={() => {
            // Typed but not confirmed: keep it rather than silently dropping it.
            if (text.trim() !== "") setText(add([text]).join(", "));
          }}
          placeholder={tags.length === 0 ? placeholder : "Add another…"}
          autoComplete="off"
          enterKeyHint="enter"
          aria-invalid={messages.length ? true : undefined}
          aria-describedby={describedBy}
          className="min-w-[8rem] flex-1 border-0 bg-transparent px-1 py-1 text-sm text-zinc-900 placeholder:text-zinc-500 focus:outline-none"
        />
      </div>
      {hint && (
        <p id={`${id}-hint`} className="mt-1.5 text-xs text-zinc-500">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} messages={messages} />
      <p id={statusId} role="status" className="sr-only">
        {announcement}
      </p>
    </div>
  );
}
