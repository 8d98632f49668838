import type pg from "pg";
import type { Scope } from "@/lib/db/scope";
import { withScopeSql, type ScopedSql } from "@/lib/db/sql";
import { defaultVectorRanker, type VectorRanker } from "@/lib/knowledge/embeddings";
import { estimateTextTokens } from "@/lib/llm/tokens";

/**
 * Knowledge retrieval: the tenant's passages best matching a query, within a token budget.
 *
 * Ranking is hybrid. knowledge_rank() (0018_knowledge) returns two lists — exact full-text
 * matches ranked by ts_rank_cd on websearch_to_tsquery in the tenant's language, and fuzzy
 * matches through trigram-similar terms of the tenant's vocabulary — and, when vectors are on
 * (lib/knowledge/embeddings.ts: a provider and pgvector), a third list, the nearest chunks. They are
 * merged by reciprocal rank fusion: score = Σ 1 / (RRF_K + rank) over the lists a passage
 * is in, so a passage high in two lists beats one high in a single list, and no list's raw
 * scores need to be comparable with another's.
 *
 * Isolation: every passage's text, title and heading path is read as bh_tenant through the
 * row-level security policies of knowledge_chunks and knowledge_documents, in the caller's
 * scope. The tenant is the scope's (membership-checked by app_tenant_id()); there is no
 * tenant argument. Admin-only documents are dropped by the policy for members; a scope with
 * no user (an API key, a job) sees members' documents only unless `includeAdminOnly`.
 *
 * Trade-off: each list ranks at most SEARCH_POLICY.candidates matches, so a query made only
 * of words present in most chunks ranks a sample of them (the first matches in key order,
 * found without reading the words' posting lists: 0024_knowledge_rank_paths), not all; a
 * query with one distinctive word is ranked exactly. The fallback list when no passage has
 * every word takes the query's rarest words first.
 */
export const SEARCH_POLICY = {
  rrfK: 60,
  defaultLimit: 8,
  maxLimit: 50,
  defaultBudgetTokens: 2_000,
  /** Matches each list ranks at most (see the trade-off above). */
  candidates: 300,
  maxQueryChars: 1_000,
  /** Words shorter than this are not fuzzy-matched (too many trigram neighbours). */
  fuzzyMinWordLength: 4,
  fuzzyMaxWords: 8,
} as const;

export interface KnowledgePassage {
  chunkId: string;
  documentId: string;
  documentTitle: string;
  headingPath: string[];
  text: string;
  /** The passage's tokens, its title and heading line included (what it costs in a prompt). */
  tokens: number;
  score: number;
  ranks: { exact: number | null; fuzzy: number | null; vector: number | null };
}

export interface KnowledgeSearchResult {
  passages: KnowledgePassage[];
  /** Sum of the passages' tokens: at most budgetTokens. */
  usedTokens: number;
  /** Passages that ranked within `limit` but did not fit the budget. */
  droppedForBudget: number;
}

export interface SearchOptions {
  budgetTokens?: number;
  limit?: number;
  /** A scope without a user (API key, job) sees admin-only documents only with this. */
  includeAdminOnly?: boolean;
  /** Defaults to defaultVectorRanker() (none unless vectors are on); tests pass their own. */
  vectors?: VectorRanker | null;
  /** Matches each list ranks at most (SEARCH_POLICY.candidates); tests make a small tenant's words "common" with a small one. */
  candidates?: number;
}

type TenantScope = Extract<Scope, { kind: "tenant" }>;

interface CandidateRow {
  id: string;
  document_id: string;
  title: string;
  heading_path: string[];
  text: string;
  token_count: number;
  exact_rank: number | null;
  fuzzy_rank: number | null;
}

const CANDIDATES_SQL = `
WITH r AS (
  SELECT * FROM knowledge_rank(
    (SELECT t.knowledge_language FROM tenants t WHERE t.id = (SELECT app_tenant_id()))::regconfig,
    $1, $2::text[], $3, $4, $5)
), g AS (
  SELECT r.chunk_id,
         min(r.rank) FILTER (WHERE r.list = 'exact') AS exact_rank,
         min(r.rank) FILTER (WHERE r.list = 'fuzzy') AS fuzzy_rank,
         sum(1.0 / ($6 + r.rank)) AS fused
    FROM r GROUP BY r.chunk_id
   ORDER BY fused DESC, r.chunk_id LIMIT $7
)
SELECT c.id, c.document_id, d.title, c.heading_path, c.text, c.token_count, g.exact_rank, g.fuzzy_rank
  FROM g
  JOIN knowledge_chunks c ON c.id = g.chunk_id
  JOIN knowledge_documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
 WHERE ($5 IS FALSE OR c.visibility = 'members')`;

const ROWS_BY_ID_SQL = `
SELECT c.id, c.document_id, d.title, c.heading_path, c.text, c.token_count, NULL::integer AS exact_rank, NULL::integer AS fuzzy_rank
  FROM knowledge_chunks c
  JOIN knowledge_documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
 WHERE c.id = ANY ($1::uuid[]) AND ($2 IS FALSE OR c.visibility = 'members')`;

/** Lower-cased distinct words of the query long enough to fuzzy-match, in query order. */
export function fuzzyWords(query: string): string[] {
  const words = (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= SEARCH_POLICY.fuzzyMinWordLength && w.length <= 64);
  return [...new Set(words)].slice(0, SEARCH_POLICY.fuzzyMaxWords);
}

function passageTokens(row: CandidateRow): number {
  return row.token_count + estimateTextTokens([row.title, ...row.heading_path].join(" › ")) + 4;
}

function rrf(rank: number | null): number {
  return rank === null ? 0 : 1 / (SEARCH_POLICY.rrfK + rank);
}

/**
 * `db`: the process pool (a transaction is opened in `scope`), or a transaction the caller
 * already scoped to `scope` (withScopeSql), so retrieval can share a turn's round trips.
 */
export async function searchKnowledge(db: pg.Pool | ScopedSql, scope: TenantScope, query: string, options: SearchOptions = {}): Promise<KnowledgeSearchResult> {
  const limit = Math.max(1, Math.min(SEARCH_POLICY.maxLimit, Math.floor(options.limit ?? SEARCH_POLICY.defaultLimit)));
  const budget = Math.max(0, Math.floor(options.budgetTokens ?? SEARCH_POLICY.defaultBudgetTokens));
  const text = query.trim().slice(0, SEARCH_POLICY.maxQueryChars);
  if (text === "" || budget === 0) return { passages: [], usedTokens: 0, droppedForBudget: 0 };
  const membersOnly = scope.userId === "" && !options.includeAdminOnly;
  const chosen = options.vectors === undefined ? defaultVectorRanker() : options.vectors;
  // The query's embedding before the transaction opens when this search opens it (no pooled
  // connection waits on the network); inside a caller's transaction, beside its first statement.
  const ownTransaction = "connect" in db;
  const vectors = ownTransaction && chosen?.prepare ? await chosen.prepare(text) : chosen;
  if (!ownTransaction) vectors?.prefetch?.(text);

  const run = async (sql: ScopedSql) => {
    const lists = limit * 3;
    const candidates = Math.max(1, Math.floor(options.candidates ?? SEARCH_POLICY.candidates));
    // Without a vector list the fused order is final, so only the `limit` best are read (their
    // text is most of the statement's cost); a vector list can still lift any of the `lists`.
    const rows = await sql.query<CandidateRow>(CANDIDATES_SQL, [text, fuzzyWords(text), lists, candidates, membersOnly, SEARCH_POLICY.rrfK, vectors ? lists : limit]);
    if (!vectors) return { rows, vectorRanks: new Map<string, number>() };
    const vectorIds = await vectors.rank(sql, text, lists, { membersOnly });
    const vectorRanks = new Map(vectorIds.map((id, i) => [id, i + 1]));
    const known = new Set(rows.map((r) => r.id));
    const missing = vectorIds.filter((id) => !known.has(id));
    if (missing.length > 0) rows.push(...(await sql.query<CandidateRow>(ROWS_BY_ID_SQL, [missing, membersOnly])));
    return { rows, vectorRanks };
  };
  const { rows, vectorRanks } = "connect" in db ? await withScopeSql(scope, run, db) : await run(db);

  const ranked = rows
    .map((row) => {
      const ranks = { exact: row.exact_rank, fuzzy: row.fuzzy_rank, vector: vectorRanks.get(row.id) ?? null };
      return { row, ranks, score: rrf(ranks.exact) + rrf(ranks.fuzzy) + rrf(ranks.vector) };
    })
    .sort((a, b) => b.score - a.score || a.row.id.localeCompare(b.row.id))
    .slice(0, limit);

  const passages: KnowledgePassage[] = [];
  let usedTokens = 0;
  let droppedForBudget = 0;
  for (const { row, ranks, score } of ranked) {
    const tokens = passageTokens(row);
    if (usedTokens + tokens > budget) {
      droppedForBudget += 1;
      continue;
    }
    usedTokens += tokens;
    passages.push({ chunkId: row.id, documentId: row.document_id, documentTitle: row.title, headingPath: row.heading_path, text: row.text, tokens, score, ranks });
  }
  return { passages, usedTokens, droppedForBudget };
}
