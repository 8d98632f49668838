import { createHash } from "node:crypto";
import type { ScopedSql } from "@/lib/db/sql";

/**
 * Vectors for knowledge search, optional. Full-text search (lib/knowledge/search.ts) is the
 * ranking that always runs; when a vector ranking is present its list is merged with the
 * full-text lists by reciprocal rank fusion.
 *
 * What exists in this build:
 * - `EmbeddingProvider`: text → vector. The deterministic fake below (tests only).
 * - `VectorRanker`: query → chunk ids, best first, through the caller's scoped transaction.
 *   `inMemoryVectorRanker` (tests) embeds the scope's visible chunks on the fly.
 *
 * What does not, and why: a Voyage AI provider (VOYAGE_API_KEY) and a pgvector-backed ranker.
 * Neither Debian's PostgreSQL 15 packages nor PGlite 0.5.14 here have pgvector
 * (`ls /usr/share/postgresql/15/extension | grep vector` is empty), and this machine has no
 * network for Voyage, so neither could be run or tested; `defaultVectorRanker()` returns
 * null and the search is full-text only. Turning vectors on means: a migration adding
 * `embedding vector(n)` to knowledge_chunks with an HNSW index (where pgvector is installed),
 * the ingestion job embedding each chunk through the provider, and a ranker that orders by
 * `embedding <=> $query` inside a SECURITY DEFINER function like knowledge_rank (for the same
 * index-under-RLS reason, see 0018_knowledge).
 */
export interface EmbeddingProvider {
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
}

export interface VectorRanker {
  /** Chunk ids the scope may see, most similar first, at most `limit`. */
  rank(db: ScopedSql, query: string, limit: number): Promise<string[]>;
}

/** The ranker search uses when the caller passes none: none is available in this build. */
export function defaultVectorRanker(): VectorRanker | null {
  return null;
}

/**
 * Feature hashing of lower-cased words into `dimensions` buckets, L2-normalised: the same
 * text always gives the same vector, texts sharing words are close. A stand-in for a model
 * in tests, not a semantic embedding.
 */
export function fakeEmbeddingProvider(dimensions = 64): EmbeddingProvider {
  return {
    name: "fake-hashing",
    dimensions,
    async embed(texts) {
      return texts.map((text) => {
        const v = new Array<number>(dimensions).fill(0);
        for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
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
    async rank(db, query, limit) {
      const rows = await db.query<{ id: string; text: string }>("SELECT id, text FROM knowledge_chunks ORDER BY id");
      if (rows.length === 0) return [];
      const [q, ...vectors] = await provider.embed([query, ...rows.map((r) => r.text)]);
      return rows
        .map((r, i) => ({ id: r.id, score: cosine(q!, vectors[i]!) }))
        .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
        .slice(0, limit)
        .map((r) => r.id);
    },
  };
}
