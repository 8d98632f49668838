import type { KnowledgePassage } from "@/lib/context/context-blocks";
import type { ScopedSql } from "@/lib/db/sql";
import { searchKnowledge } from "@/lib/knowledge/search";

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

export async function searchTurnKnowledge(db: ScopedSql, scope: KnowledgeScope, query: string, options: { budgetTokens: number; limit: number }): Promise<KnowledgePassage[]> {
  const result = await searchKnowledge(db, { kind: "tenant", tenantId: scope.tenantId, userId: scope.userId }, query, options);
  return result.passages.map((p) => ({
    id: p.chunkId,
    documentId: p.documentId,
    title: p.documentTitle,
    section: p.headingPath.length > 0 ? p.headingPath.join(" › ") : null,
    text: p.text,
  }));
}
