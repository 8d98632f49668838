import { z } from "zod";
import { AppError, notFound } from "@/lib/api/errors";
import type { TenantContext } from "@/lib/db/scope";
import { withScopeSql, type ScopedSql } from "@/lib/db/sql";
import { enqueueJob } from "@/lib/jobs/boss";
import { detectSourceType, SOURCE_TYPES, typeFromFileName, type SourceType } from "@/lib/knowledge/parse";
import { DOCUMENT_LIMITS } from "@/lib/knowledge/protocol";

/**
 * The tenant's knowledge documents: create (upload or pasted text), replace, delete, set
 * visibility, list. Admins and owners write (checked here and by the policies of
 * 0018_knowledge); members list what the policy shows them. Every write is audited
 * (`knowledge.document_created|replaced|deleted|visibility_changed`) in the same
 * transaction, and ingestion is queued after it commits (lib/knowledge/ingest.ts).
 */
export { DOCUMENT_LIMITS };

export type Visibility = "members" | "admins";
export type DocumentStatus = "queued" | "processing" | "ready" | "failed";

export interface KnowledgeDocumentView {
  id: string;
  title: string;
  sourceType: SourceType;
  visibility: Visibility;
  status: DocumentStatus;
  failureReason: string | null;
  version: number;
  /** The version search uses; null before the first is ready. Behind `version` while a replacement is indexed. */
  liveVersion: number | null;
  attempts: number;
  byteSize: number;
  charCount: number | null;
  pageCount: number | null;
  chunkCount: number | null;
  createdById: string;
  updatedById: string;
  createdAt: string;
  updatedAt: string;
  readyAt: string | null;
}

export const visibilitySchema = z.enum(["members", "admins"]);
export const titleSchema = z.string().trim().min(1, "Give the document a title.").max(DOCUMENT_LIMITS.maxTitleChars);

export interface DocumentUpload {
  title: string;
  /** The file's name (its extension is the claimed type) or null for pasted text. */
  fileName: string | null;
  bytes: Uint8Array;
  visibility?: Visibility;
}

interface DocumentRow {
  id: string;
  title: string;
  source_type: SourceType;
  visibility: Visibility;
  status: DocumentStatus;
  failure_reason: string | null;
  version: number;
  live_version: number | null;
  attempts: number;
  byte_size: number;
  char_count: number | null;
  page_count: number | null;
  chunk_count: number | null;
  created_by_id: string;
  updated_by_id: string;
  created_at: Date;
  updated_at: Date;
  ready_at: Date | null;
}

const DOCUMENT_COLUMNS = `id, title, source_type, visibility, status, failure_reason, version, live_version, attempts, byte_size,
  char_count, page_count, chunk_count, created_by_id, updated_by_id, created_at, updated_at, ready_at`;

function toView(r: DocumentRow): KnowledgeDocumentView {
  return {
    id: r.id,
    title: r.title,
    sourceType: r.source_type,
    visibility: r.visibility,
    status: r.status,
    failureReason: r.failure_reason,
    version: r.version,
    liveVersion: r.live_version,
    attempts: r.attempts,
    byteSize: r.byte_size,
    charCount: r.char_count,
    pageCount: r.page_count,
    chunkCount: r.chunk_count,
    createdById: r.created_by_id,
    updatedById: r.updated_by_id,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    readyAt: r.ready_at ? new Date(r.ready_at).toISOString() : null,
  };
}

const MEDIA_TYPES: Record<SourceType, string> = {
  markdown: "text/markdown",
  text: "text/plain",
  html: "text/html",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

/** The checked type of an upload: its name's claim, confirmed by its bytes (415 otherwise). */
export function checkUpload(upload: Pick<DocumentUpload, "fileName" | "bytes">): SourceType {
  if (upload.bytes.byteLength === 0) throw new AppError("validation_failed", "The document is empty.");
  if (upload.bytes.byteLength > DOCUMENT_LIMITS.maxBytes) {
    throw new AppError("payload_too_large", `Documents are limited to ${DOCUMENT_LIMITS.maxBytes / 1024 / 1024} MB.`);
  }
  // Pasted text is read as Markdown: plain prose parses the same, and "# " lines become headings.
  const claimed = upload.fileName === null ? "markdown" : typeFromFileName(upload.fileName);
  if (!claimed) throw new AppError("unsupported_media_type", `Upload Markdown, plain text, HTML, PDF or DOCX (${SOURCE_TYPES.join(", ")}).`);
  const detected = detectSourceType(upload.bytes, claimed);
  if (!detected) throw new AppError("unsupported_media_type", `The file's content is not ${claimed === "text" ? "plain text" : claimed.toUpperCase()}.`);
  return detected;
}

/** Admins and owners only; the policies refuse the write too, this gives the clear error. */
async function requireKnowledgeAdmin(db: ScopedSql): Promise<void> {
  const [row] = await db.query<{ role: string | null }>("SELECT app_member_role()::text AS role");
  if (row?.role !== "owner" && row?.role !== "admin") throw new AppError("forbidden", "Only admins and owners can change the knowledge base.");
}

async function audit(db: ScopedSql, actor: TenantContext, action: string, documentId: string, details: Record<string, unknown>): Promise<void> {
  await db.query("INSERT INTO audit_logs (tenant_id, actor_id, action, target, details) VALUES ($1, $2, $3, $4, $5::jsonb)", [
    actor.tenantId,
    actor.userId,
    action,
    `knowledge_document:${documentId}`,
    JSON.stringify(details),
  ]);
}

/** After the write commits: a failed enqueue leaves the document failed with a reason, not stuck queued. */
async function queueIngestion(actor: TenantContext, documentId: string, version: number): Promise<void> {
  try {
    await enqueueJob("knowledge-ingest", { tenantId: actor.tenantId, documentId, version });
  } catch (error) {
    console.error("[knowledge] could not queue ingestion", error);
    await withScopeSql({ kind: "tenant", ...actor }, (db) =>
      db.query(
        "UPDATE knowledge_documents SET status = 'failed', failure_reason = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND version = $4",
        [actor.tenantId, documentId, "Indexing could not be queued. Replace the document to try again.", version],
        { commit: true },
      ),
    );
  }
}

export async function createDocument(actor: TenantContext, upload: DocumentUpload): Promise<KnowledgeDocumentView> {
  const title = titleSchema.parse(upload.title);
  const visibility = visibilitySchema.parse(upload.visibility ?? "members");
  const sourceType = checkUpload(upload);
  const row = await withScopeSql({ kind: "tenant", ...actor }, async (db) => {
    await requireKnowledgeAdmin(db);
    const [doc] = await db.query<DocumentRow>(
      `INSERT INTO knowledge_documents (tenant_id, title, source_type, visibility, byte_size, created_by_id, updated_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${DOCUMENT_COLUMNS}`,
      [actor.tenantId, title, sourceType, visibility, upload.bytes.byteLength, actor.userId],
    );
    await db.query("INSERT INTO knowledge_sources (tenant_id, document_id, version, media_type, content) VALUES ($1, $2, 1, $3, $4)", [
      actor.tenantId,
      doc!.id,
      MEDIA_TYPES[sourceType],
      Buffer.from(upload.bytes),
    ]);
    await audit(db, actor, "knowledge.document_created", doc!.id, { title, sourceType, visibility, bytes: upload.bytes.byteLength });
    return doc!;
  });
  await queueIngestion(actor, row.id, row.version);
  return toView(row);
}

/**
 * A new version of the document's content (and optionally its title). The live version stays
 * searchable until the new one is ready; the ingestion job then swaps them in one transaction.
 */
export async function replaceDocument(actor: TenantContext, documentId: string, upload: Omit<DocumentUpload, "visibility" | "title"> & { title?: string }): Promise<KnowledgeDocumentView> {
  const id = z.uuid().parse(documentId);
  const title = upload.title === undefined ? undefined : titleSchema.parse(upload.title);
  const sourceType = checkUpload(upload);
  const row = await withScopeSql({ kind: "tenant", ...actor }, async (db) => {
    await requireKnowledgeAdmin(db);
    const [doc] = await db.query<DocumentRow>(
      `UPDATE knowledge_documents
          SET version = version + 1, status = 'queued', failure_reason = NULL, attempts = 0, source_type = $3, byte_size = $4,
              title = COALESCE($5, title), updated_by_id = $6, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 RETURNING ${DOCUMENT_COLUMNS}`,
      [actor.tenantId, id, sourceType, upload.bytes.byteLength, title ?? null, actor.userId],
    );
    if (!doc) throw notFound("No such document.");
    // Versions that were uploaded but never became live (a failed or superseded replacement) go now.
    await db.query(
      "DELETE FROM knowledge_sources WHERE tenant_id = $1 AND document_id = $2 AND version <> $3 AND version IS DISTINCT FROM $4",
      [actor.tenantId, id, doc.version, doc.live_version],
    );
    await db.query("INSERT INTO knowledge_sources (tenant_id, document_id, version, media_type, content) VALUES ($1, $2, $3, $4, $5)", [
      actor.tenantId,
      id,
      doc.version,
      MEDIA_TYPES[sourceType],
      Buffer.from(upload.bytes),
    ]);
    await audit(db, actor, "knowledge.document_replaced", id, { title: doc.title, sourceType, version: doc.version, bytes: upload.bytes.byteLength });
    return doc;
  });
  await queueIngestion(actor, row.id, row.version);
  return toView(row);
}

/** Deletes the document; its chunks and sources go with it (ON DELETE CASCADE). */
export async function deleteDocument(actor: TenantContext, documentId: string): Promise<void> {
  const id = z.uuid().parse(documentId);
  await withScopeSql({ kind: "tenant", ...actor }, async (db) => {
    await requireKnowledgeAdmin(db);
    const [doc] = await db.query<{ title: string }>("DELETE FROM knowledge_documents WHERE tenant_id = $1 AND id = $2 RETURNING title", [actor.tenantId, id]);
    if (!doc) throw notFound("No such document.");
    await audit(db, actor, "knowledge.document_deleted", id, { title: doc.title });
  });
}

/** The document and its chunks change together, so the policies never disagree. */
export async function setDocumentVisibility(actor: TenantContext, documentId: string, visibility: Visibility): Promise<KnowledgeDocumentView> {
  const id = z.uuid().parse(documentId);
  const value = visibilitySchema.parse(visibility);
  return withScopeSql({ kind: "tenant", ...actor }, async (db) => {
    await requireKnowledgeAdmin(db);
    const [before] = await db.query<{ visibility: Visibility }>("SELECT visibility FROM knowledge_documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE", [actor.tenantId, id]);
    if (!before) throw notFound("No such document.");
    const [doc] = await db.query<DocumentRow>(
      `UPDATE knowledge_documents SET visibility = $3, updated_by_id = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DOCUMENT_COLUMNS}`,
      [actor.tenantId, id, value, actor.userId],
    );
    await db.query("UPDATE knowledge_chunks SET visibility = $3 WHERE tenant_id = $1 AND document_id = $2", [actor.tenantId, id, value]);
    if (before.visibility !== value) await audit(db, actor, "knowledge.visibility_changed", id, { title: doc!.title, from: before.visibility, to: value });
    return toView(doc!);
  });
}

/** What the acting member may see, newest change first (members: 'members' documents only, by policy). */
export async function listDocuments(ctx: TenantContext): Promise<KnowledgeDocumentView[]> {
  const rows = await withScopeSql({ kind: "tenant", ...ctx }, (db) =>
    db.query<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE tenant_id = $1 ORDER BY updated_at DESC, id LIMIT 500`, [ctx.tenantId], { commit: true }),
  );
  return rows.map(toView);
}

export async function getDocument(ctx: TenantContext, documentId: string): Promise<KnowledgeDocumentView | null> {
  const id = z.uuid().parse(documentId);
  const [row] = await withScopeSql({ kind: "tenant", ...ctx }, (db) =>
    db.query<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id], { commit: true }),
  );
  return row ? toView(row) : null;
}
