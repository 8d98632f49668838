"use client";

import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { ApiError } from "@/components/chat/chat-api";
import { addMemoryRequest, deleteMemoryRequest, fetchMemory, setProposalsRequest, updateMemoryRequest } from "@/components/chat/memory-api";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { XMarkIcon } from "@/components/ui/icons";
import { Spinner } from "@/components/ui/spinner";
import { Textarea } from "@/components/ui/textarea";
import { MAX_MEMORY_CHARS, type MemoryFact, type MemoryState } from "@/lib/memory/schemas";

type Load = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; state: MemoryState };

/**
 * The user's memory in this workspace, in a side sheet on the native <dialog> (focus trapped,
 * Escape closes, the chat behind is inert): add, edit and delete facts, accept or dismiss
 * what the background job proposed, and the switch that allows proposals at all.
 */
export function MemoryPanel({ slug, open, onClose }: { slug: string; open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async (signal?: AbortSignal) => {
    setLoad({ status: "loading" });
    const result = await fetchMemory(slug, signal).catch(() => null);
    if (!result || signal?.aborted) return;
    setLoad(result.ok ? { status: "ready", state: result.data } : { status: "error", error: result.error });
  }, [slug]);

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) {
      el.showModal();
      setError(null);
      const ac = new AbortController();
      void reload(ac.signal);
      return () => ac.abort();
    }
    if (!open && el.open) el.close();
  }, [open, reload]);

  const update = (fn: (state: MemoryState) => MemoryState) => setLoad((l) => (l.status === "ready" ? { status: "ready", state: fn(l.state) } : l));
  const replace = (fact: MemoryFact) => update((s) => ({ ...s, memories: s.memories.map((m) => (m.id === fact.id ? fact : m)) }));
  const remove = (id: string) => update((s) => ({ ...s, memories: s.memories.filter((m) => m.id !== id) }));

  const run = async <T,>(call: Promise<{ ok: true; data: T } | { ok: false; error: ApiError }>, then: (data: T) => void): Promise<boolean> => {
    setError(null);
    const result = await call.catch(() => null);
    if (!result) return false;
    if (!result.ok) {
      setError(result.error.fields ? Object.values(result.error.fields).flat()[0] ?? result.error.message : result.error.message);
      return false;
    }
    then(result.data);
    return true;
  };

  const state = load.status === "ready" ? load.state : null;
  const proposals = state?.memories.filter((m) => m.status === "proposed") ?? [];
  const active = state?.memories.filter((m) => m.status === "active") ?? [];

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === dialog.current) onClose();
      }}
      data-testid="memory-panel"
      className="m-0 ml-auto h-dvh max-h-dvh w-full max-w-md bg-white p-0 text-zinc-900 shadow-2xl ring-1 ring-zinc-950/10 backdrop:bg-zinc-950/40"
    >
      <div className="flex h-full flex-col">
        <header className="flex items-start gap-3 border-b border-zinc-200 px-5 py-4">
          <div className="min-w-0 flex-1">
            <h2 id={titleId} className="text-base font-semibold text-zinc-900">
              Memory
            </h2>
            <p className="mt-1 text-sm text-zinc-600">
              What the assistant remembers about you in this workspace. Only you can see it. Add facts here, or say “remember that …” in a chat.
            </p>
          </div>
          <button type="button" onClick={onClose} aria-label="Close memory" className={cn("-mr-1 rounded-lg p-1.5 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900", focusRing)}>
            <XMarkIcon className="size-5" />
          </button>
        </header>

        <div className="flex-1 space-y-6 overflow-y-auto px-5 py-5">
          <AddMemoryForm onAdd={(content) => run(addMemoryRequest(slug, content), (fact) => update((s) => ({ ...s, memories: [fact, ...s.memories.filter((m) => m.id !== fact.id)] })))} />

          {error && (
            <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-red-600/15 ring-inset">
              {error}
            </p>
          )}

          {load.status === "loading" && (
            <div className="flex items-center gap-2 text-sm text-zinc-500">
              <Spinner /> Loading your memory…
            </div>
          )}
          {load.status === "error" && (
            <div className="rounded-lg bg-zinc-50 p-4 text-sm text-zinc-700 ring-1 ring-zinc-200">
              <p>{load.error.message}</p>
              <Button variant="secondary" size="sm" className="mt-3" onClick={() => void reload()}>
                Try again
              </Button>
            </div>
          )}

          {state && proposals.length > 0 && (
            <section aria-labelledby={`${titleId}-proposals`}>
              <h3 id={`${titleId}-proposals`} className="text-sm font-semibold text-zinc-900">
                Suggested from your conversations <Badge tone="accent">{proposals.length}</Badge>
              </h3>
              <p className="mt-1 text-xs text-zinc-500">Not used until you accept them.</p>
              <ul className="mt-3 space-y-2" data-testid="memory-proposals">
                {proposals.map((fact) => (
                  <li key={fact.id} className="rounded-lg bg-indigo-50/60 p-3 ring-1 ring-indigo-100">
                    <p className="text-sm break-words text-zinc-800">{fact.content}</p>
                    <div className="mt-2 flex gap-2">
                      <Button size="sm" onClick={() => void run(updateMemoryRequest(slug, fact.id, { status: "active" }), replace)}>
                        Accept
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => void run(updateMemoryRequest(slug, fact.id, { status: "dismissed" }), () => remove(fact.id))}>
                        Dismiss
                      </Button>
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          )}

          {state && (
            <section aria-labelledby={`${titleId}-facts`}>
              <h3 id={`${titleId}-facts`} className="text-sm font-semibold text-zinc-900">
                Remembered <span className="font-normal text-zinc-500">· {active.length}</span>
              </h3>
              {active.length === 0 ? (
                <p className="mt-2 text-sm text-zinc-500">Nothing yet. Facts you add appear here and are included in your chats.</p>
              ) : (
                <ul className="mt-3 divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200" data-testid="memory-list">
                  {active.map((fact) => (
                    <MemoryRow
                      key={fact.id}
                      fact={fact}
                      onSave={(content) => run(updateMemoryRequest(slug, fact.id, { content }), replace)}
                      onDelete={() => run(deleteMemoryRequest(slug, fact.id), () => remove(fact.id))}
                    />
                  ))}
                </ul>
              )}
            </section>
          )}
        </div>

        {state && (
          <footer className="border-t border-zinc-200 bg-zinc-50/80 px-5 py-4">
            <label className="flex items-start gap-3 text-sm">
              <input
                type="checkbox"
                className="mt-0.5 size-4 rounded border-zinc-300 text-indigo-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                checked={state.proposeFromConversations}
                data-testid="memory-propose-toggle"
                onChange={(e) => {
                  const allowed = e.target.checked;
                  void run(setProposalsRequest(slug, allowed), (value) => update((s) => ({ ...s, proposeFromConversations: value })));
                }}
              />
              <span>
                <span className="font-medium text-zinc-900">Suggest memories from my conversations</span>
                <span className="mt-0.5 block text-zinc-600">A background job reads your messages in this workspace now and then and suggests facts here. Off unless you turn it on.</span>
              </span>
            </label>
          </footer>
        )}
      </div>
    </dialog>
  );
}

function AddMemoryForm({ onAdd }: { onAdd: (content: string) => Promise<boolean> }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    if (await onAdd(text.trim())) setText("");
    setBusy(false);
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-2">
      <label htmlFor={id} className="text-sm font-medium text-zinc-900">
        Add a memory
      </label>
      <Textarea
        id={id}
        value={text}
        onChange={(e) => setText(e.target.value)}
        maxLength={MAX_MEMORY_CHARS}
        rows={2}
        className="min-h-16"
        placeholder="e.g. I work on the payments team and prefer answers with code in TypeScript."
        data-testid="memory-input"
      />
      <div className="flex items-center justify-between gap-3">
        <span className="text-xs text-zinc-500">
          {text.length}/{MAX_MEMORY_CHARS}
        </span>
        <Button type="submit" size="sm" loading={busy} disabled={!text.trim()} data-testid="memory-add">
          Add
        </Button>
      </div>
    </form>
  );
}

function MemoryRow({ fact, onSave, onDelete }: { fact: MemoryFact; onSave: (content: string) => Promise<boolean>; onDelete: () => Promise<boolean> }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(fact.content);
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<boolean>) => {
    setBusy(true);
    const ok = await fn();
    setBusy(false);
    return ok;
  };
  if (editing) {
    return (
      <li className="space-y-2 p-3">
        <Textarea aria-label="Edit memory" value={text} onChange={(e) => setText(e.target.value)} maxLength={MAX_MEMORY_CHARS} rows={2} className="min-h-16" autoFocus />
        <div className="flex justify-end gap-2">
          <Button size="sm" variant="ghost" onClick={() => { setText(fact.content); setEditing(false); }} disabled={busy}>
            Cancel
          </Button>
          <Button size="sm" loading={busy} disabled={!text.trim()} onClick={() => void act(() => onSave(text.trim())).then((ok) => ok && setEditing(false))}>
            Save
          </Button>
        </div>
      </li>
    );
  }
  return (
    <li className="flex items-start gap-2 p-3">
      <p className="min-w-0 flex-1 text-sm break-words text-zinc-800">{fact.content}</p>
      <div className="flex shrink-0 gap-1">
        <Button size="sm" variant="ghost" onClick={() => setEditing(true)} aria-label={`Edit: ${fact.content}`}>
          Edit
        </Button>
        <Button size="sm" variant="ghost" className="text-red-700 hover:bg-red-50 hover:text-red-800" loading={busy} onClick={() => void act(onDelete)} aria-label={`Delete: ${fact.content}`}>
          Delete
        </Button>
      </div>
    </li>
  );
}
