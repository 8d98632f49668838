"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { deleteDocumentRequest, fetchDocuments, replaceDocumentRequest, setVisibilityRequest, uploadDocument } from "@/components/knowledge/knowledge-api";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { TextField } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { formatDateTime, formatInteger } from "@/lib/format";
import type { DocumentStatus, KnowledgeDocumentView, Visibility } from "@/lib/knowledge/documents";
import type { VectorSearchState } from "@/lib/knowledge/embeddings";
import { ACCEPTED_EXTENSIONS, DOCUMENT_LIMITS } from "@/lib/knowledge/protocol";

const STATUS: Record<DocumentStatus, { label: string; tone: "neutral" | "accent" | "success" | "danger" }> = {
  queued: { label: "Queued", tone: "neutral" },
  processing: { label: "Processing", tone: "accent" },
  ready: { label: "Ready", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
};

const TYPE_LABELS: Record<KnowledgeDocumentView["sourceType"], string> = { markdown: "Markdown", text: "Text", html: "HTML", pdf: "PDF", docx: "DOCX" };
const POLL_MS = 2_000;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const isBusy = (d: KnowledgeDocumentView) => d.status === "queued" || d.status === "processing";

/**
 * The workspace's knowledge base. Admins (`canEdit`) upload files or paste text, replace,
 * delete and set visibility; members see the same list read-only (the server shows them
 * members' documents only; the page passes only those with a live version). While any document is queued or processing the list is polled,
 * so states move queued → processing → ready or failed (with the reason) without a reload.
 */
export function KnowledgePanel({
  slug,
  timeZone,
  initial,
  canEdit,
  vectorSearch,
}: {
  slug: string;
  timeZone: string;
  initial: KnowledgeDocumentView[];
  canEdit: boolean;
  /** Admins: whether search uses vectors here, said under the upload form. */
  vectorSearch?: VectorSearchState;
}) {
  const [documents, setDocuments] = useState(initial);
  // A notice about a queued document lasts while that document is queued or processing; the
  // row's own state says the rest (ready, or failed with the reason).
  const [notice, setNoticeState] = useState<{ text: string; whileBusy?: string } | null>(null);
  const setNotice = (text: string, whileBusy?: string) => setNoticeState({ text, whileBusy });
  const [rowError, setRowError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<KnowledgeDocumentView | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const polling = documents.some(isBusy);

  async function refresh(signal?: AbortSignal) {
    const result = await fetchDocuments(slug, signal);
    if (result.ok) setDocuments(result.data);
  }

  useEffect(() => {
    if (!polling) return;
    const controller = new AbortController();
    const timer = setInterval(() => void refresh(controller.signal).catch(() => {}), POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- refresh only reads slug
  }, [polling, slug]);

  function upsert(doc: KnowledgeDocumentView) {
    setDocuments((all) => [doc, ...all.filter((d) => d.id !== doc.id)]);
  }

  async function onVisibility(doc: KnowledgeDocumentView, visibility: Visibility) {
    setBusyId(doc.id);
    setRowError(null);
    const result = await setVisibilityRequest(slug, doc.id, visibility);
    setBusyId(null);
    if (!result.ok) return setRowError(result.error.message);
    upsert(result.data);
    setNotice(visibility === "admins" ? `“${doc.title}” is now visible to admins only.` : `Members can now read “${doc.title}”.`);
  }

  async function onReplace(doc: KnowledgeDocumentView, file: File) {
    setBusyId(doc.id);
    setRowError(null);
    const result = await replaceDocumentRequest(slug, doc.id, file);
    setBusyId(null);
    if (!result.ok) return setRowError(`${doc.title}: ${result.error.message}`);
    upsert(result.data);
    setNotice(`A new version of “${doc.title}” is queued. The current one stays searchable until it is ready.`, doc.id);
  }

  async function onDelete(doc: KnowledgeDocumentView) {
    setBusyId(doc.id);
    setRowError(null);
    const result = await deleteDocumentRequest(slug, doc.id);
    setBusyId(null);
    if (!result.ok) return setRowError(result.error.message);
    setConfirm(null);
    setDocuments((all) => all.filter((d) => d.id !== doc.id));
    setNotice(`“${doc.title}” is deleted, with its passages.`);
  }

  return (
    <div className="space-y-6">
      {canEdit && (
        <UploadCard
          slug={slug}
          onUploaded={(doc) => {
            upsert(doc);
            setNotice(`“${doc.title}” is queued for indexing.`, doc.id);
          }}
        />
      )}
      {vectorSearch && <SearchModeLine state={vectorSearch} />}
      {notice && (notice.whileBusy === undefined || documents.some((d) => d.id === notice.whileBusy && isBusy(d))) && <Alert tone="success">{notice.text}</Alert>}
      {rowError && <Alert tone="error">{rowError}</Alert>}

      {documents.length === 0 ? (
        <EmptyState
          title="No documents yet"
          description={canEdit ? "Upload handbooks, policies or FAQs: the assistant answers from them and names its sources." : "Your admins have not added any documents the assistant can use yet."}
        />
      ) : (
        <Card className="overflow-hidden">
          <CardHeader>
            <h2 id="knowledge-title" className="font-semibold text-zinc-900">
              Documents
            </h2>
            <p className="mt-1 text-sm text-zinc-600">
              {canEdit ? "Admin-only documents are never shown to members or used in their answers. " : ""}Times are in {timeZone.replace(/_/g, " ")}.
              {polling && <span className="ml-1 text-zinc-500">Updating…</span>}
            </p>
          </CardHeader>
          <ul aria-labelledby="knowledge-title" className="divide-y divide-zinc-100">
            {documents.map((doc) => (
              <DocumentRow
                key={doc.id}
                doc={doc}
                timeZone={timeZone}
                canEdit={canEdit}
                busy={busyId === doc.id}
                onVisibility={(v) => void onVisibility(doc, v)}
                onReplace={(file) => void onReplace(doc, file)}
                onDelete={() => setConfirm(doc)}
              />
            ))}
          </ul>
        </Card>
      )}

      <ConfirmDialog
        open={confirm !== null}
        title={`Delete “${confirm?.title ?? ""}”?`}
        confirmLabel="Delete document"
        busy={confirm !== null && busyId === confirm.id}
        error={null}
        onConfirm={() => confirm && void onDelete(confirm)}
        onCancel={() => setConfirm(null)}
      >
        The document and all its passages are removed. Answers stop using it at once.
      </ConfirmDialog>
    </div>
  );
}

/** A small turning ring inside a busy document's badge: indexing is under way, not stuck. */
function BusyRing() {
  return (
    <svg className="mr-1 size-3 animate-spin motion-reduce:animate-none" viewBox="0 0 24 24" fill="none" aria-hidden="true">
      <circle cx="12" cy="12" r="9" stroke="currentColor" strokeOpacity="0.25" strokeWidth="3" />
      <path d="M21 12a9 9 0 0 0-9-9" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}

const BUSY_HINT: Partial<Record<DocumentStatus, string>> = {
  queued: "waiting for the indexer",
  processing: "splitting into passages and indexing",
};

function StatusLine({ doc }: { doc: KnowledgeDocumentView }) {
  const status = STATUS[doc.status];
  const replacing = doc.liveVersion !== null && doc.liveVersion < doc.version;
  const hint = BUSY_HINT[doc.status];
  return (
    // Polite: screen readers hear a document move to ready or failed as the list refreshes.
    <div className="flex flex-wrap items-center gap-x-2 gap-y-1" aria-live="polite">
      <Badge tone={status.tone}>
        {isBusy(doc) && <BusyRing />}
        {status.label}
      </Badge>
      {hint && !(doc.status === "queued" && doc.attempts > 0) && <span className="text-xs text-zinc-500">{hint}</span>}
      {doc.status === "queued" && doc.attempts > 0 && <span className="text-xs text-zinc-500">retrying (attempt {doc.attempts + 1})</span>}
      {replacing && doc.status !== "failed" && <span className="text-xs text-zinc-500">version {doc.version}; version {doc.liveVersion} stays live until then</span>}
      {doc.status === "failed" && (
        <span className="text-xs text-red-700">
          {doc.failureReason}
          {replacing ? ` Version ${doc.liveVersion} is still live.` : ""}
        </span>
      )}
    </div>
  );
}

function DocumentRow({
  doc,
  timeZone,
  canEdit,
  busy,
  onVisibility,
  onReplace,
  onDelete,
}: {
  doc: KnowledgeDocumentView;
  timeZone: string;
  canEdit: boolean;
  busy: boolean;
  onVisibility: (v: Visibility) => void;
  onReplace: (file: File) => void;
  onDelete: () => void;
}) {
  const fileInput = useRef<HTMLInputElement>(null);
  const facts = [
    TYPE_LABELS[doc.sourceType],
    formatBytes(doc.byteSize),
    doc.pageCount !== null && doc.sourceType === "pdf" ? `${doc.pageCount} pages` : null,
    doc.chunkCount !== null ? `${formatInteger(doc.chunkCount)} ${doc.chunkCount === 1 ? "passage" : "passages"}` : null,
    `updated ${formatDateTime(doc.updatedAt, timeZone)}`,
  ].filter(Boolean);
  return (
    <li className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-start sm:justify-between sm:px-6">
      <div className="min-w-0 flex-1 space-y-1.5">
        {/* The badge sits beside the title, not inside it: a long title wraps (two lines at
            most) instead of truncating the badge away on a phone. */}
        <div className="flex min-w-0 items-start gap-2">
          <p className="line-clamp-2 min-w-0 font-medium break-words text-zinc-900" title={doc.title}>
            {doc.title}
          </p>
          {!canEdit || doc.visibility === "members" ? null : (
            <Badge tone="warning" className="mt-0.5 shrink-0">
              Admins only
            </Badge>
          )}
        </div>
        <p className="text-xs text-zinc-500">{facts.join(" · ")}</p>
        {canEdit && <StatusLine doc={doc} />}
      </div>
      {canEdit && (
        <div className="flex shrink-0 items-center gap-2">
          <label className="sr-only" htmlFor={`visibility-${doc.id}`}>
            Who can read {doc.title}
          </label>
          <div className="w-40">
            <Select id={`visibility-${doc.id}`} value={doc.visibility} disabled={busy} onChange={(e) => onVisibility(e.target.value as Visibility)} className="py-1.5">
              <option value="members">Members</option>
              <option value="admins">Admins only</option>
            </Select>
          </div>
          <input
            ref={fileInput}
            type="file"
            accept={ACCEPTED_EXTENSIONS.join(",")}
            className="hidden"
            aria-label={`Replacement file for ${doc.title}`}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) onReplace(file);
            }}
          />
          <Button variant="secondary" size="sm" disabled={busy} onClick={() => fileInput.current?.click()}>
            Replace
          </Button>
          <Button variant="danger" size="sm" disabled={busy} onClick={onDelete}>
            Delete
          </Button>
        </div>
      )}
    </li>
  );
}

function UploadCard({ slug, onUploaded }: { slug: string; onUploaded: (doc: KnowledgeDocumentView) => void }) {
  const [mode, setMode] = useState<"file" | "text">("file");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    if (mode === "file") form.delete("text");
    else form.delete("file");
    const file = form.get("file");
    if (file instanceof File && file.size > DOCUMENT_LIMITS.maxBytes) {
      setError(`Documents are limited to ${DOCUMENT_LIMITS.maxBytes / 1024 / 1024} MB.`);
      return;
    }
    setBusy(true);
    setError(null);
    setFieldErrors({});
    const result = await uploadDocument(slug, form);
    setBusy(false);
    if (!result.ok) {
      setError(result.error.message);
      setFieldErrors(result.error.fields ?? {});
      return;
    }
    formEl.reset();
    onUploaded(result.data);
  }

  return (
    <Card>
      <CardHeader>
        <h2 className="font-semibold text-zinc-900">Add a document</h2>
        <p className="mt-1 text-sm text-zinc-600">Markdown, plain text, HTML, PDF or DOCX up to {DOCUMENT_LIMITS.maxBytes / 1024 / 1024} MB, or paste text. It is split into passages and indexed in the background.</p>
      </CardHeader>
      <CardBody>
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          <div role="radiogroup" aria-label="Source" className="inline-flex rounded-lg bg-zinc-100 p-1 text-sm">
            {(["file", "text"] as const).map((m) => (
              <button
                key={m}
                type="button"
                role="radio"
                aria-checked={mode === m}
                onClick={() => setMode(m)}
                className={mode === m ? "rounded-md bg-white px-3 py-1 font-medium text-zinc-900 shadow-sm" : "px-3 py-1 text-zinc-600"}
              >
                {m === "file" ? "Upload a file" : "Paste text"}
              </button>
            ))}
          </div>
          <TextField name="title" label="Title" maxLength={DOCUMENT_LIMITS.maxTitleChars} placeholder={mode === "file" ? "Defaults to the file name" : "e.g. Refund policy"} corner={mode === "file" ? "Optional" : undefined} errors={fieldErrors.title} />
          {mode === "file" ? (
            <div>
              <Label htmlFor="field-file">File</Label>
              <input id="field-file" name="file" type="file" accept={ACCEPTED_EXTENSIONS.join(",")} className="mt-1.5 block w-full text-sm text-zinc-700 file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-zinc-800" />
            </div>
          ) : (
            <div>
              <Label htmlFor="field-text">Text</Label>
              <Textarea id="field-text" name="text" rows={6} className="mt-1.5" placeholder="Paste the document’s text. Lines starting with # become headings (Markdown is fine)." />
            </div>
          )}
          {fieldErrors.file && <p className="text-sm text-red-600">{fieldErrors.file.join(" ")}</p>}
          <div>
            <Label htmlFor="field-visibility">Who can read it</Label>
            <Select id="field-visibility" name="visibility" defaultValue="members" className="mt-1.5 max-w-xs">
              <option value="members">Every member</option>
              <option value="admins">Admins and owners only</option>
            </Select>
          </div>
          {error && <Alert tone="error">{error}</Alert>}
          <Button type="submit" loading={busy}>
            Add document
          </Button>
        </form>
      </CardBody>
    </Card>
  );
}

/** How answers find passages here: full text always, vectors when a provider and pgvector are both present. */
function SearchModeLine({ state }: { state: VectorSearchState }) {
  const why =
    state.on
      ? null
      : state.reason === "no_provider"
        ? "Vector search is off: no embedding provider is configured (VOYAGE_API_KEY)."
        : "Vector search is off: this database has no pgvector.";
  return (
    <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-zinc-600" data-testid="knowledge-search-mode">
      <span className="font-medium text-zinc-800">Search:</span>
      <Badge>Full text</Badge>
      {state.on ? (
        <Badge tone="success">+ Vectors · {state.model}</Badge>
      ) : (
        <span className="text-zinc-500">{why}</span>
      )}
    </p>
  );
}
