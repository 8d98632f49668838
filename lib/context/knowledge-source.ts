import { expiringCache } from "@/lib/cache/memo";
import type { KnowledgePassage } from "@/lib/context/context-blocks";
import type pg from "pg";
import type { ScopedSql } from "@/lib/db/sql";
import { defaultVectorRanker, type VectorRanker } from "@/lib/knowledge/embeddings";
import { SEARCH_POLICY, searchKnowledge } from "@/lib/knowledge/search";

/**
 * The turn's knowledge passages: the knowledge base's hybrid search (lib/knowledge/search.ts)
 * within the knowledge layer's budget, in the turn's own scoped transaction, so row-level
 * security keeps it to the tenant and admin-only documents to admins. Mapped to what the
 * context block shows: the chunk id as the passage id, the document title and heading path
 * as its source.
 */
export interface KnowledgeScope {
  tenantId: string;
  userId: string;
}

export async function searchTurnKnowledge(
  db: ScopedSql | pg.Pool,
  scope: KnowledgeScope,
  query: string,
  options: { budgetTokens: number; limit: number; vectors?: VectorRanker | null },
): Promise<KnowledgePassage[]> {
  const result = await searchKnowledge(db, { kind: "tenant", tenantId: scope.tenantId, userId: scope.userId }, query, options);
  return result.passages.map((p) => ({
    id: p.chunkId,
    documentId: p.documentId,
    title: p.documentTitle,
    section: p.headingPath.length > 0 ? p.headingPath.join(" › ") : null,
    text: p.text,
  }));
}

/**
 * Whether a tenant has any knowledge at all, as the last turn in this process saw it (the
 * turn's statement reports it for free): a tenant without documents — most of them — then
 * skips the search's round trip. Entries last PRESENCE_TTL_MS; a tenant's first document is
 * searched from the first turn that sees it (the turn then searches after its statement).
 */
export const PRESENCE_TTL_MS = 5_000;
const presence = expiringCache<string, boolean>(10_000, PRESENCE_TTL_MS);

export function knownToHaveNoKnowledge(tenantId: string, now = Date.now()): boolean {
  return presence.get(tenantId, now) === false;
}

export function noteKnowledgePresence(tenantId: string, has: boolean, now = Date.now()): void {
  presence.set(tenantId, has, now);
}

/**
 * The vector ranker for a turn's new message, its query embedded now, before the turn opens
 * its compose transaction: null when vectors are off, the tenant is known to have no
 * knowledge, or the embedding failed (the turn then searches full text only). Never rejects.
 */
export async function prepareTurnVectors(tenantId: string, text: string): Promise<VectorRanker | null> {
  if (text === "" || knownToHaveNoKnowledge(tenantId)) return null;
  const ranker = defaultVectorRanker();
  if (!ranker?.prepare) return ranker;
  return ranker.prepare(text.slice(0, SEARCH_POLICY.maxQueryChars)); // what the search reads of it
}
