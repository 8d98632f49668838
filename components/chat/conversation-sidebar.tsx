"use client";

import { useEffect, useRef, useState, type FormEvent, type MouseEvent } from "react";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatUpdatedAt } from "@/components/chat/format";
import { PencilIcon, TrashIcon } from "@/components/chat/icons";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { PlusIcon, XMarkIcon } from "@/components/ui/icons";
import { MAX_TITLE_CHARS } from "@/lib/chat/limits";
import type { ConversationSummary } from "@/lib/chat/types";

export interface ConversationSidebarProps {
  slug: string;
  /** null: the list failed to load. */
  conversations: ConversationSummary[] | null;
  activeId: string | null;
  reloading: boolean;
  onReload(): void;
  onSelect(id: string): void;
  onNew(): void;
  /** Resolve to an error message, or null on success. */
  onRename(id: string, title: string): Promise<string | null>;
  onDelete(id: string): Promise<string | null>;
  /** Phone width: the sidebar is a drawer with a close button. */
  onClose?: () => void;
}

export function ConversationSidebar({ slug, conversations, activeId, reloading, onReload, onSelect, onNew, onRename, onDelete, onClose }: ConversationSidebarProps) {
  const [confirming, setConfirming] = useState<ConversationSummary | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const confirmDelete = async () => {
    if (!confirming) return;
    setDeleting(true);
    const error = await onDelete(confirming.id);
    setDeleting(false);
    if (error) setDeleteError(error);
    else setConfirming(null);
  };

  return (
    <div className="flex h-full flex-col">
      <div className="flex items-center gap-2 p-3">
        <Button variant="secondary" onClick={onNew} data-testid="new-chat-button" className="flex-1 justify-start">
          <PlusIcon className="size-4 text-zinc-500" />
          New chat
        </Button>
        {onClose && (
          <button type="button" onClick={onClose} aria-label="Close conversations" className={cn("rounded-lg p-2 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 md:hidden", focusRing)}>
            <XMarkIcon className="size-5" />
          </button>
        )}
      </div>
      <h2 id="conversations-heading" className="px-5 pt-1 pb-2 text-xs font-medium tracking-wide text-zinc-500 uppercase">
        Conversations
      </h2>
      <nav aria-labelledby="conversations-heading" className="min-h-0 flex-1 overflow-y-auto px-2 pb-3">
        {conversations === null ? (
          <div role="alert" className="mx-1 rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-600/15 ring-inset" data-testid="conversation-list-error">
            <p className="font-medium">Couldn’t load your conversations.</p>
            <Button size="sm" variant="secondary" className="mt-2" onClick={onReload} loading={reloading}>
              Try again
            </Button>
          </div>
        ) : conversations.length === 0 ? (
          <p className="px-3 py-2 text-sm text-zinc-500" data-testid="conversation-list-empty">
            No conversations yet. Your chats will appear here.
          </p>
        ) : (
          <ul data-testid="conversation-list" className="space-y-0.5">
            {conversations.map((c) => (
              <ConversationItem
                key={c.id}
                slug={slug}
                conversation={c}
                active={c.id === activeId}
                onSelect={onSelect}
                onRename={onRename}
                onAskDelete={() => {
                  setDeleteError(null);
                  setConfirming(c);
                }}
              />
            ))}
          </ul>
        )}
      </nav>
      <ConfirmDialog
        open={confirming !== null}
        title="Delete this conversation?"
        confirmLabel="Delete"
        busy={deleting}
        onConfirm={confirmDelete}
        onCancel={() => setConfirming(null)}
      >
        <p>
          “<span className="font-medium text-zinc-900">{confirming?.title}</span>” and all its messages will be deleted for good.
        </p>
        {deleteError && <p className="mt-3 font-medium text-red-700">{deleteError}</p>}
      </ConfirmDialog>
    </div>
  );
}

function ConversationItem({
  slug,
  conversation,
  active,
  onSelect,
  onRename,
  onAskDelete,
}: {
  slug: string;
  conversation: ConversationSummary;
  active: boolean;
  onSelect(id: string): void;
  onRename(id: string, title: string): Promise<string | null>;
  onAskDelete(): void;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(conversation.title);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  // Unmounting the focused input can fire blur: do not save a second time on the way out.
  const closing = useRef(false);

  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  const stopEditing = () => {
    closing.current = true;
    setEditing(false);
    setError(null);
    // Back to the button that started it, so keyboard users keep their place.
    requestAnimationFrame(() => renameButton.current?.focus());
  };

  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (saving) return;
    const title = draft.trim();
    if (title === conversation.title) return stopEditing();
    if (title.length === 0 || title.length > MAX_TITLE_CHARS) {
      setError(`Use 1 to ${MAX_TITLE_CHARS} characters.`);
      return;
    }
    setSaving(true);
    const failure = await onRename(conversation.id, title);
    setSaving(false);
    if (failure) setError(failure);
    else stopEditing();
  };

  const href = `/w/${encodeURIComponent(slug)}/c/${conversation.id}`;
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    // Let the browser handle new-tab and new-window clicks.
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    onSelect(conversation.id);
  };

  if (editing) {
    const errorId = `rename-error-${conversation.id}`;
    return (
      <li data-testid="conversation-item" className="px-1 py-1">
        <form onSubmit={save}>
          <input
            ref={input}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={() => {
              if (!closing.current) void save();
            }}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setDraft(conversation.title);
                stopEditing();
              }
            }}
            maxLength={MAX_TITLE_CHARS + 20}
            aria-label="Conversation title"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            disabled={saving}
            data-testid="rename-input"
            className="block w-full rounded-md border-0 bg-white px-2.5 py-1.5 text-sm text-zinc-900 shadow-sm ring-2 ring-indigo-600 ring-inset focus:outline-none aria-invalid:ring-red-500"
          />
          {error && (
            <p id={errorId} className="mt-1 px-1 text-xs text-red-600">
              {error}
            </p>
          )}
        </form>
      </li>
    );
  }

  return (
    <li data-testid="conversation-item" data-active={active || undefined} className="group relative">
      <a
        href={href}
        onClick={onClick}
        aria-current={active ? "page" : undefined}
        className={cn(
          "block rounded-lg py-2 pr-16 pl-3 transition-colors",
          // The list is tight: the ring sits on the item's edge instead of outside it.
          "focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-indigo-600",
          active ? "bg-indigo-50 text-indigo-900" : "text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900",
        )}
      >
        <span className="block truncate text-sm font-medium">{conversation.title}</span>
        <time dateTime={conversation.updatedAt} suppressHydrationWarning className={cn("block text-xs", active ? "text-indigo-700" : "text-zinc-500")}>
          {formatUpdatedAt(conversation.updatedAt)}
        </time>
      </a>
      <div
        className={cn(
          "absolute inset-y-0 right-1.5 flex items-center gap-0.5",
          // Touch screens have no hover: keep the actions visible below md.
          active ? "opacity-100" : "opacity-100 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100",
        )}
      >
        <button
          ref={renameButton}
          type="button"
          onClick={() => {
            closing.current = false;
            setDraft(conversation.title);
            setError(null);
            setEditing(true);
          }}
          aria-label={`Rename “${conversation.title}”`}
          title="Rename"
          data-testid="rename-button"
          className={cn("rounded-md p-1.5 text-zinc-400 hover:bg-white hover:text-zinc-700 hover:shadow-sm", focusRing)}
        >
          <PencilIcon className="size-4" />
        </button>
        <button
          type="button"
          onClick={onAskDelete}
          aria-label={`Delete “${conversation.title}”`}
          title="Delete"
          data-testid="delete-button"
          className={cn("rounded-md p-1.5 text-zinc-400 hover:bg-white hover:text-red-600 hover:shadow-sm", focusRing)}
        >
          <TrashIcon className="size-4" />
        </button>
      </div>
    </li>
  );
}
