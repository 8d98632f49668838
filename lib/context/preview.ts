import type { KnowledgePassage } from "@/lib/context/context-blocks";
import { CONTEXT_BUDGET } from "@/lib/context/budget";
import { searchTurnKnowledge } from "@/lib/context/knowledge-source";
import type { TenantContext } from "@/lib/db/scope";
import { withScopeSql } from "@/lib/db/sql";

/**
 * The admin console's context preview: the knowledge passages a sample question would get,
 * searched exactly as the chat turn searches (same function, same budget, the admin's own
 * scope). The rest of the sample composition (memory, summary, turns) is made up in the
 * browser and labelled as such: an admin never sees another user's memory or conversations.
 */
export interface KnowledgePreview {
  passages: KnowledgePassage[];
}

export async function previewKnowledge(ctx: TenantContext, query: string): Promise<KnowledgePreview> {
  const passages = await withScopeSql({ kind: "tenant", tenantId: ctx.tenantId, userId: ctx.userId }, (db) =>
    searchTurnKnowledge(db, ctx, query, { budgetTokens: CONTEXT_BUDGET.knowledgeTokens, limit: CONTEXT_BUDGET.knowledgePassages }),
  );
  return { passages };
}
