import { withScopeSql } from "@/lib/db/sql";
import type { JobContext } from "@/lib/jobs/boss";
import type { JobPayload } from "@/lib/jobs/queues";
import { chunkBlocks, type Chunk } from "@/lib/knowledge/chunk";
import { defaultEmbedder, EMBEDDING_DIMENSIONS, vectorLiteral, type EmbeddingProvider } from "@/lib/knowledge/embeddings";
import { DocumentContentError, parseDocument, type SourceType } from "@/lib/knowledge/parse";

/**
 * The `knowledge-ingest` job: one version of one document, parsed, chunked and indexed in
 * the tenant's platform scope (bh_tenant, no user: the policies let it write this tenant's
 * knowledge and nothing else).
 *
 *   queued ──► processing ──► ready            (chunks of this version live, older ones gone)
 *                  │
 *                  ├── content error ──► failed (reason shown; no retry: the same bytes fail again)
 *                  └── other error ──► queued (retried with backoff) … ──► failed after the last attempt
 *
 * Parsing (and, with vectors on, embedding the chunks: lib/knowledge/embeddings.ts) happens
 * outside any transaction; a provider that fails is retried as any other error. The swap (insert the new chunks and terms, delete
 * the previous version's, mark ready) is one transaction, so a search sees the old version
 * or the new one, never both or neither. A job for a version that was superseded or deleted
 * meanwhile does nothing.
 */
export const INGEST_LIMITS = {
  maxChunks: 5_000,
  maxTermsPerDocument: 20_000,
} as const;

export type IngestPayload = JobPayload<"knowledge-ingest">;

interface ClaimedRow {
  title: string;
  source_type: SourceType;
  visibility: string;
  content: Buffer;
  language: string;
}

export type IngestOutcome = "ready" | "failed" | "skipped";

export interface IngestOptions {
  /** Embeds the chunks when vectors are on (lib/knowledge/embeddings.ts defaultEmbedder); null: none. Tests pass their own. */
  embedder?: EmbeddingProvider | null;
}

export async function ingestDocument(payload: IngestPayload, ctx: Pick<JobContext, "finalAttempt" | "retryCount">, options: IngestOptions = {}): Promise<IngestOutcome> {
  const scope = { kind: "tenant" as const, tenantId: payload.tenantId, userId: "" };
  const claimed = await withScopeSql(scope, async (db) => {
    const [row] = await db.query<{ title: string; source_type: SourceType; visibility: string }>(
      `UPDATE knowledge_documents SET status = 'processing', failure_reason = NULL, attempts = attempts + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND version = $3 AND status IN ('queued', 'processing')
        RETURNING title, source_type, visibility`,
      [payload.tenantId, payload.documentId, payload.version],
    );
    if (!row) return null;
    const [source] = await db.query<{ content: Buffer; language: string }>(
      `SELECT s.content, t.knowledge_language AS language FROM knowledge_sources s JOIN tenants t ON t.id = s.tenant_id
        WHERE s.tenant_id = $1 AND s.document_id = $2 AND s.version = $3`,
      [payload.tenantId, payload.documentId, payload.version],
    );
    return source ? ({ ...row, ...source } as ClaimedRow) : null;
  });
  if (!claimed) return "skipped";

  try {
    const parsed = await parseDocument(new Uint8Array(claimed.content), claimed.source_type);
    const chunks = chunkBlocks(parsed.blocks);
    if (chunks.length > INGEST_LIMITS.maxChunks) {
      throw new DocumentContentError(`The document is too long (${chunks.length} passages; at most ${INGEST_LIMITS.maxChunks}). Split it into smaller documents.`);
    }
    // Vectors (when on) are fetched before the swap's transaction: no transaction waits on the network.
    const embedder = options.embedder === undefined ? await defaultEmbedder() : options.embedder;
    // A provider still failing on the last attempt: the document goes live searchable by full
    // text (its passages without vectors until it is replaced), rather than failed.
    const vectors = embedder
      ? await embedChunks(embedder, claimed.title, chunks).catch((error: unknown) => {
          if (!ctx.finalAttempt) throw error;
          console.error(`[bulkhead] knowledge document ${payload.documentId}: indexed without vectors (${embedder.model} failed on the last attempt)`, error instanceof Error ? error.message : error);
          return null;
        })
      : null;
    const swapped = await swapInVersion(payload, claimed, chunks, { pageCount: parsed.pageCount, charCount: parsed.charCount }, vectors);
    return swapped ? "ready" : "skipped";
  } catch (error) {
    if (error instanceof DocumentContentError) {
      await markFailed(payload, error.message);
      return "failed";
    }
    if (ctx.finalAttempt) {
      await markFailed(payload, `Indexing failed after ${ctx.retryCount + 1} attempts. Replace the document to try again.`);
    } else {
      await markRetrying(payload);
    }
    throw error;
  }
}

/**
 * The document's words for the tenant's vocabulary (knowledge_terms): lower-cased, 3–32
 * letters or digits (not all digits), each with the number of chunks it occurs in (title
 * and heading words count in every chunk they head); at most the cap, first seen first.
 */
export function countTerms(title: string, chunks: Array<Pick<Chunk, "headingPath" | "text">>): Map<string, number> {
  const counts = new Map<string, number>();
  const wordsOf = (text: string) => (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 3 && w.length <= 32 && !/^\d+$/.test(w));
  for (const chunk of chunks) {
    for (const word of new Set(wordsOf([title, ...chunk.headingPath, chunk.text].join(" ")))) {
      if (!counts.has(word) && counts.size >= INGEST_LIMITS.maxTermsPerDocument) continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}

interface ChunkVectors {
  model: string;
  /** By chunk ordinal. */
  vectors: Map<number, number[]>;
}

/** Each chunk as it is searched: the title and heading path, then the text (as its tsvector is made). */
async function embedChunks(embedder: EmbeddingProvider, title: string, chunks: Chunk[]): Promise<ChunkVectors> {
  const vectors = await embedder.embed(chunks.map((c) => [title, ...c.headingPath, c.text].join("\n")), "document");
  if (vectors.length !== chunks.length || vectors.some((v) => v.length !== EMBEDDING_DIMENSIONS)) {
    throw new Error(`embedding provider ${embedder.model} answered ${vectors.length} vectors for ${chunks.length} passages, or not of ${EMBEDDING_DIMENSIONS} dimensions`);
  }
  return { model: embedder.model, vectors: new Map(chunks.map((c, i) => [c.ordinal, vectors[i]!])) };
}

/** Heading paths travel as one text per chunk, split back in SQL (unnest cannot take ragged arrays). */
const PATH_SEPARATOR = "\u001f";

async function swapInVersion(payload: IngestPayload, doc: ClaimedRow, chunks: Chunk[], stats: { pageCount: number; charCount: number }, vectors: ChunkVectors | null): Promise<boolean> {
  const scope = { kind: "tenant" as const, tenantId: payload.tenantId, userId: "" };
  const terms = countTerms(doc.title, chunks);
  return withScopeSql(scope, async (db) => {
    const [current] = await db.query<{ version: number }>(
      "SELECT version FROM knowledge_documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
      [payload.tenantId, payload.documentId],
    );
    if (!current || current.version !== payload.version) return false;
    await db.query("DELETE FROM knowledge_chunks WHERE tenant_id = $1 AND document_id = $2", [payload.tenantId, payload.documentId]);
    // The title and heading path weigh more (A) than the body (D) in ts_rank_cd.
    const inserted = await db.query<{ id: string; ordinal: number }>(
      `INSERT INTO knowledge_chunks (tenant_id, document_id, version, ordinal, heading_path, text, token_count, visibility, search_vector)
       SELECT $1, $2, $3, u.ordinal, hp.path, u.text, u.tokens, $4,
              setweight(to_tsvector($5::regconfig, array_to_string($6::text || hp.path, ' ')), 'A') || to_tsvector($5::regconfig, u.text)
         FROM unnest($7::int[], $8::text[], $9::text[], $10::int[]) AS u(ordinal, heading, text, tokens),
              LATERAL (SELECT CASE WHEN u.heading = '' THEN '{}'::text[] ELSE string_to_array(u.heading, $11) END AS path) hp
       RETURNING id, ordinal`,
      [
        payload.tenantId,
        payload.documentId,
        payload.version,
        doc.visibility,
        doc.language,
        doc.title,
        chunks.map((c) => c.ordinal),
        chunks.map((c) => c.headingPath.join(PATH_SEPARATOR)),
        chunks.map((c) => c.text),
        chunks.map((c) => c.tokenCount),
        PATH_SEPARATOR,
      ],
    );
    // The old version's embeddings went with its chunks (ON DELETE CASCADE, 0026_knowledge_vectors).
    if (vectors) {
      await db.query(
        `INSERT INTO knowledge_embeddings (tenant_id, chunk_id, model, embedding)
         SELECT $1, u.id, $2, u.embedding::vector FROM unnest($3::uuid[], $4::text[]) AS u(id, embedding)`,
        [payload.tenantId, vectors.model, inserted.map((r) => r.id), inserted.map((r) => vectorLiteral(vectors.vectors.get(r.ordinal)!))],
      );
    }
    // The tenant's vocabulary (0018_knowledge): words and chunk counts are only ever added.
    await db.query("SELECT knowledge_add_terms($1::text[], $2::int[])", [[...terms.keys()], [...terms.values()]]);
    await db.query("DELETE FROM knowledge_sources WHERE tenant_id = $1 AND document_id = $2 AND version <> $3", [payload.tenantId, payload.documentId, payload.version]);
    await db.query(
      `UPDATE knowledge_documents
          SET status = 'ready', failure_reason = NULL, live_version = $3, chunk_count = $4, page_count = $5, char_count = $6,
              ready_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [payload.tenantId, payload.documentId, payload.version, chunks.length, stats.pageCount, stats.charCount],
    );
    return true;
  });
}

async function markFailed(payload: IngestPayload, reason: string): Promise<void> {
  await withScopeSql({ kind: "tenant", tenantId: payload.tenantId, userId: "" }, (db) =>
    db.query(
      "UPDATE knowledge_documents SET status = 'failed', failure_reason = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND version = $3",
      [payload.tenantId, payload.documentId, payload.version, reason.slice(0, 500)],
      { commit: true },
    ),
  );
}

async function markRetrying(payload: IngestPayload): Promise<void> {
  await withScopeSql({ kind: "tenant", tenantId: payload.tenantId, userId: "" }, (db) =>
    db.query(
      "UPDATE knowledge_documents SET status = 'queued', updated_at = now() WHERE tenant_id = $1 AND id = $2 AND version = $3 AND status = 'processing'",
      [payload.tenantId, payload.documentId, payload.version],
      { commit: true },
    ),
  ).catch((error: unknown) => console.error("[knowledge] could not mark a retry", error));
}
