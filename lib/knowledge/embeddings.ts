import { createHash } from "node:crypto";
import type pg from "pg";
import { getPool } from "@/lib/db/client";
import type { ScopedSql } from "@/lib/db/sql";
import { voyageProviderFromEnv } from "@/lib/knowledge/voyage";

/**
 * Vectors for knowledge search, optional. Full-text search (lib/knowledge/search.ts) is the
 * ranking that always runs; when a vector ranking is present its list is merged with the
 * full-text lists by reciprocal rank fusion.
 *
 * Vectors are on when both halves exist:
 * - a provider (text → vector): Voyage AI when VOYAGE_API_KEY is set (lib/knowledge/voyage.ts);
 * - the store: pgvector, where the extension is installed (0026_knowledge_vectors creates
 *   knowledge_embeddings then). The embedded database has it; Debian's PostgreSQL 15 does not.
 * Otherwise search is full-text only, the offline default. The fake provider below is for
 * tests only: it is never chosen by configuration.
 *
 * Ingestion embeds each chunk (lib/knowledge/ingest.ts) with `defaultEmbedder()`; search
 * embeds the query and asks the store for its nearest chunks (`pgvectorRanker`) through the
 * caller's scoped transaction, so row-level security decides what it can reach.
 */
export interface EmbeddingProvider {
  /** What embedded a vector, stored beside it: vectors of different models are never compared. */
  readonly model: string;
  readonly dimensions: number;
  embed(texts: string[], inputType: "document" | "query"): Promise<number[][]>;
}

export interface VectorRanker {
  /** Chunk ids the scope may see, most similar first, at most `limit`. */
  rank(db: ScopedSql, query: string, limit: number, options: { membersOnly: boolean }): Promise<string[]>;
  /** Starts what the ranking needs from outside the database (the query's embedding), so it overlaps the full-text statement. */
  prefetch?(query: string): void;
  /**
   * Does that outside work now, before the caller opens a transaction: a ranker for this
   * query that only reads the database, or null when there is nothing to rank with (the
   * provider failed, or the database has no store).
   */
  prepare?(query: string): Promise<VectorRanker | null>;
}

/** knowledge_embeddings.embedding's dimensions (0026_knowledge_vectors). */
export const EMBEDDING_DIMENSIONS = 1024;

const STORE_SQL =
  "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = 'knowledge_embeddings') AS present";

const stores = new WeakMap<pg.Pool, Promise<boolean>>();
/** The answers already in, for the synchronous choice of a ranker. */
const storesKnown = new WeakMap<pg.Pool, boolean>();

/** Whether this database has the vector store (asked once per pool; a failed check is asked again). */
export function vectorStoreAvailable(pool: pg.Pool = getPool()): Promise<boolean> {
  let known = stores.get(pool);
  if (!known) {
    known = pool.query<{ present: boolean }>(STORE_SQL).then((r) => {
      const present = r.rows[0]?.present === true;
      storesKnown.set(pool, present);
      return present;
    });
    known.catch(() => stores.delete(pool));
    stores.set(pool, known);
  }
  return known;
}

let configured: EmbeddingProvider | null | undefined;

/** The configured provider (Voyage when VOYAGE_API_KEY is set), or null: made once (the environment is read once, at start). */
export function configuredProvider(): EmbeddingProvider | null {
  if (configured === undefined) {
    const provider = voyageProviderFromEnv();
    configured = provider && provider.dimensions === EMBEDDING_DIMENSIONS ? provider : null;
  }
  return configured;
}

/** The provider ingestion embeds with: the configured one (or `provider`), when the store exists too. */
export async function defaultEmbedder(pool: pg.Pool = getPool(), provider: EmbeddingProvider | null = configuredProvider()): Promise<EmbeddingProvider | null> {
  return provider && (await vectorStoreAvailable(pool)) ? provider : null;
}

/** What the admin console says of vectors: on (with the model), or why not. */
export type VectorSearchState = { on: true; model: string } | { on: false; reason: "no_provider" | "no_store" };

export async function vectorSearchState(pool: pg.Pool = getPool(), provider: EmbeddingProvider | null = configuredProvider()): Promise<VectorSearchState> {
  if (!provider) return { on: false, reason: "no_provider" };
  return (await vectorStoreAvailable(pool)) ? { on: true, model: provider.model } : { on: false, reason: "no_store" };
}

/**
 * The ranker search uses when the caller passes none: pgvector with the configured provider,
 * or none (no provider, or a database known to have no store: its queries are not embedded).
 */
export function defaultVectorRanker(): VectorRanker | null {
  const provider = configuredProvider();
  if (!provider || storesKnown.get(getPool()) === false) return null;
  return pgvectorRanker(provider, { requireStore: true });
}

/** pgvector's text form of a vector, what `$n::vector` reads. */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.join(",")}]`;
}

/**
 * Whether the store exists, asked through the caller's own transaction the first time (a
 * turn holding a pooled connection must never wait for a second one: a burst of turns on a
 * fresh process would hold every connection and wait forever), then known for the process pool.
 */
async function storeThrough(db: ScopedSql): Promise<boolean> {
  const pool = getPool();
  const known = storesKnown.get(pool);
  if (known !== undefined) return known;
  const [row] = await db.query<{ present: boolean }>(STORE_SQL);
  const present = row?.present === true;
  storesKnown.set(pool, present);
  return present;
}

export const VECTOR_POLICY = {
  /**
   * A tenant with at most this many live chunks is ranked exactly: its own rows (the primary
   * key's tenant prefix) sorted by distance. `npm run bench -- vectors` on the embedded
   * database (PGlite, WASM): 7.4 ms P50 for 1,000 chunks of 1,024 dimensions, 38 ms for 5,000
   * (the index-ordered statement the same: the planner sorted there too). The HNSW index is over every
   * tenant, and its walk stops after hnsw.max_scan_tuples (20,000) of ANY tenant's rows, so in
   * a large table a small tenant would find only the few of its own rows among them.
   */
  exactUpToChunks: 2_000,
  /**
   * Above that, the HNSW walk must meet `limit` of the tenant's rows among every tenant's: it
   * is allowed 2 × limit ÷ (the tenant's share of the table) rows, at least pgvector's default
   * 20,000; a tenant whose share would need more than this is ranked exactly too.
   */
  maxWalkTuples: 200_000,
} as const;

/**
 * The walk's settings for this statement's transaction and whether to rank exactly. The
 * tenant's chunks: the scope's visible live ones (the partial index
 * knowledge_documents_live_chunks_idx answers it); the table's rows: the planner's estimate.
 * $1 ef_search, $2 limit, $3 exactUpToChunks, $4 maxWalkTuples.
 */
const WALK_SQL = `
WITH mine AS (SELECT coalesce(sum(chunk_count), 0)::float8 AS n FROM knowledge_documents WHERE live_version IS NOT NULL),
     walk AS (SELECT mine.n, ceil(2 * $2::float8 * greatest(c.reltuples::float8, mine.n, 1) / greatest(mine.n, 1)) AS tuples
                FROM mine, pg_catalog.pg_class c WHERE c.oid = 'public.knowledge_embeddings'::regclass)
SELECT set_config('hnsw.iterative_scan', 'strict_order', true),
       set_config('hnsw.ef_search', $1, true),
       set_config('hnsw.max_scan_tuples', greatest(20000, least(walk.tuples, $4::float8))::bigint::text, true),
       (walk.n <= $3::float8 OR walk.tuples > $4::float8) AS exact
  FROM walk`;

const NEAREST_SQL = (order: string) => `
SELECT e.chunk_id
  FROM knowledge_embeddings e
  JOIN knowledge_chunks c ON c.tenant_id = e.tenant_id AND c.id = e.chunk_id
 WHERE e.model = $2 AND ($4 IS FALSE OR c.visibility = 'members')
 ORDER BY ${order}
 LIMIT $3`;
/** Ordered by distance, which the HNSW index gives (iterative scan, strict order) when the planner takes it. */
export const INDEXED_NEAREST_SQL = NEAREST_SQL("e.embedding <=> $1::vector");
/** Exact: "+ 0" is an order no index provides, so the tenant's rows are read and sorted. */
export const EXACT_NEAREST_SQL = NEAREST_SQL("(e.embedding <=> $1::vector) + 0, e.chunk_id");

/**
 * Nearest chunks by cosine distance among this model's embeddings, through the scope's
 * policies (knowledge_embeddings is readable only where its chunk is): exactly for a tenant
 * of up to VECTOR_POLICY.exactUpToChunks chunks; above that in the distance order the
 * all-tenant HNSW index gives, when the planner takes it, walked until `limit` rows of this
 * tenant are found (pgvector's iterative scan, strict order; it stops at
 * hnsw.max_scan_tuples, 20,000 by default).
 *
 * The query's embedding is a network call: `prepare` makes it before any transaction is
 * open (searchKnowledge on a pool, the chat turn before its compose transaction), and the
 * ranker it returns only reads the database. A ranker that was not prepared embeds in
 * `rank`, started by `prefetch` beside the full-text statement. Either way a failed
 * embedding (the provider down past its retries) makes the search full-text only.
 */
export function pgvectorRanker(
  provider: EmbeddingProvider,
  options: { requireStore?: boolean; vector?: number[] | null; exactUpToChunks?: number } = {},
): VectorRanker {
  // The query embedding prefetch started, taken by the rank that follows (a ranker serves one search).
  let started: { query: string; embedding: Promise<number[] | undefined> } | null = null;
  const embedQuery = (query: string) =>
    provider.embed([query], "query").then(
      (v) => v[0],
      (error: unknown) => {
        warnEmbeddingFailed(provider.model, error);
        return undefined;
      },
    );
  return {
    async prepare(query) {
      if (options.vector) return this;
      // Before any transaction: the store is asked on the pool (no connection is held yet).
      if (options.requireStore && !(await vectorStoreAvailable().catch(() => false))) return null;
      const vector = await embedQuery(query);
      return vector ? pgvectorRanker(provider, { ...options, vector }) : null;
    },
    prefetch(query) {
      if (options.vector || started?.query === query) return;
      started = { query, embedding: embedQuery(query) };
    },
    async rank(db, query, limit, { membersOnly }) {
      const embedding = options.vector ?? (started?.query === query ? started.embedding : embedQuery(query));
      started = null;
      // (Not caught: a failed statement has aborted the caller's transaction, which must fail, not commit as if nothing happened.)
      if (options.requireStore && !(await storeThrough(db))) return [];
      const vector = await embedding;
      if (!vector) return [];
      // The tenant's share of the table decides the walk (WALK_SQL), and sets how far it may go.
      const [walk] = await db.query<{ exact: boolean }>(WALK_SQL, [
        String(Math.max(40, limit)),
        limit,
        options.exactUpToChunks ?? VECTOR_POLICY.exactUpToChunks,
        VECTOR_POLICY.maxWalkTuples,
      ]);
      const exact = walk?.exact !== false;
      const rows = await db.query<{ chunk_id: string }>(exact ? EXACT_NEAREST_SQL : INDEXED_NEAREST_SQL, [vectorLiteral(vector), provider.model, limit, membersOnly]);
      return rows.map((r) => r.chunk_id);
    },
  };
}

let lastEmbeddingWarning = 0;

function warnEmbeddingFailed(model: string, error: unknown): void {
  // (Also a failed check for the store: the search is full-text only either way.)
  const now = Date.now();
  if (now - lastEmbeddingWarning < 60_000) return;
  lastEmbeddingWarning = now;
  console.error(`[bulkhead] knowledge search without vectors: embedding the query with ${model} failed:`, error instanceof Error ? error.message : error);
}

/**
 * Tests only. Feature hashing of lower-cased words into `dimensions` buckets, L2-normalised:
 * the same text always gives the same vector, texts sharing words are close. A stand-in for
 * a model, not a semantic embedding. `synonyms` maps a word to the word it is hashed as
 * (a test's stand-in for meaning that full-text search cannot see).
 */
export function fakeEmbeddingProvider(dimensions = EMBEDDING_DIMENSIONS, synonyms: Record<string, string> = {}): EmbeddingProvider & { calls: Array<{ texts: string[]; inputType: string }> } {
  const calls: Array<{ texts: string[]; inputType: string }> = [];
  return {
    model: `fake-hashing-${dimensions}`,
    dimensions,
    calls,
    async embed(texts, inputType) {
      calls.push({ texts, inputType });
      return texts.map((text) => {
        const v = new Array<number>(dimensions).fill(0);
        for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
          const word = synonyms[raw] ?? raw;
          const h = createHash("sha1").update(word).digest();
          v[h.readUInt32BE(0) % dimensions]! += h[4]! & 1 ? 1 : -1;
        }
        const norm = Math.hypot(...v) || 1;
        return v.map((x) => x / norm);
      });
    },
  };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/** Tests: embeds every chunk the scope can see (through RLS) and ranks by cosine similarity. */
export function inMemoryVectorRanker(provider: EmbeddingProvider): VectorRanker {
  return {
    async rank(db, query, limit, { membersOnly }) {
      const rows = await db.query<{ id: string; text: string }>("SELECT id, text FROM knowledge_chunks WHERE ($1 IS FALSE OR visibility = 'members') ORDER BY id", [membersOnly]);
      if (rows.length === 0) return [];
      const [q, ...vectors] = await provider.embed([query, ...rows.map((r) => r.text)], "query");
      return rows
        .map((r, i) => ({ id: r.id, score: cosine(q!, vectors[i]!) }))
        .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
        .slice(0, limit)
        .map((r) => r.id);
    },
  };
}
