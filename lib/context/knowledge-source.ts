import type { KnowledgePassage } from "@/lib/context/context-blocks";
import type { ScopedSql } from "@/lib/db/sql";

/**
 * Where the turn's knowledge passages come from: the knowledge base's search
 * (lib/knowledge/search.ts, issue 13 items 1–2), within the knowledge layer's budget, in the
 * turn's own scoped transaction (row-level security keeps it to the tenant and, for
 * admin-only documents, to the caller's role).
 *
 * NOT WIRED YET: lib/knowledge/search.ts does not exist at this commit, so this returns no
 * passages and the knowledge block is simply absent. Replace the body with
 * `searchKnowledge(db, scope, query, options)` mapped to KnowledgePassage when it lands.
 */
export interface KnowledgeScope {
  tenantId: string;
  userId: string;
}

export async function searchTurnKnowledge(
  _db: ScopedSql,
  _scope: KnowledgeScope,
  _query: string,
  _options: { budgetTokens: number; limit: number },
): Promise<KnowledgePassage[]> {
  return [];
}
