import "@/lib/zod-jitless";
import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { getPool } from "@/lib/db/client";
import { GatewayError } from "@/lib/gateway/errors";
import { describeIssue } from "@/lib/gateway/messages-request";
import { createDocument, DOCUMENT_LIMITS, replaceDocument, titleSchema, visibilitySchema, type KnowledgeDocumentView } from "@/lib/knowledge/documents";
import { SEARCH_POLICY, searchKnowledge } from "@/lib/knowledge/search";
import type { ApiCaller } from "@/lib/pipeline/api-call";

/**
 * The tenant API's knowledge endpoints (issue 13):
 *
 *   POST /v1/knowledge/search     scope messages         { "query", "limit"?, "budget_tokens"? }
 *     → the same ranking the assistant uses in a turn (lib/knowledge/search.ts), each passage
 *       with its document's title; members' documents only (a key has no user).
 *   POST /v1/knowledge/documents  scope knowledge:write  { "title", "text", "visibility"?, "replace"? }
 *     → a document created from text, or a new version of an existing one ("replace": its id),
 *       ingested in the background like an upload (state: GET it in the admin console).
 *       A key writes with the authority of the admin who created it, checked at each write.
 */
const searchSchema = z.strictObject({
  query: z.string({ error: "query: Field required" }).trim().min(1, "query must be non-empty").max(SEARCH_POLICY.maxQueryChars),
  limit: z.number().int().min(1).max(SEARCH_POLICY.maxLimit).optional(),
  budget_tokens: z.number().int().min(1).max(16_000).optional(),
});

const documentSchema = z.strictObject({
  title: titleSchema,
  text: z.string({ error: "text: Field required" }).min(1, "text must be non-empty"),
  visibility: visibilitySchema.optional(),
  replace: z.uuid("replace must be a document id").optional(),
});

export async function searchForApi(caller: ApiCaller, body: unknown) {
  const parsed = searchSchema.safeParse(body);
  if (!parsed.success) throw new GatewayError(400, "invalid_request_error", describeIssue(parsed.error));
  const result = await searchKnowledge(getPool(), { kind: "tenant", tenantId: caller.tenantId, userId: "" }, parsed.data.query, {
    limit: parsed.data.limit,
    budgetTokens: parsed.data.budget_tokens,
  });
  return {
    data: result.passages.map((p) => ({
      chunk_id: p.chunkId,
      document_id: p.documentId,
      document_title: p.documentTitle,
      heading_path: p.headingPath,
      text: p.text,
      score: p.score,
      tokens: p.tokens,
    })),
    used_tokens: result.usedTokens,
    dropped_for_budget: result.droppedForBudget,
  };
}

export async function writeDocumentForApi(caller: ApiCaller, body: unknown): Promise<{ status: number; document: Record<string, unknown> }> {
  const parsed = documentSchema.safeParse(body);
  if (!parsed.success) throw new GatewayError(400, "invalid_request_error", describeIssue(parsed.error));
  const bytes = new TextEncoder().encode(parsed.data.text);
  if (bytes.byteLength > DOCUMENT_LIMITS.maxBytes) {
    throw new GatewayError(413, "request_too_large", `A document may be at most ${DOCUMENT_LIMITS.maxBytes / (1024 * 1024)} MB of text.`);
  }
  const actor = { tenantId: caller.tenantId, userId: caller.createdById };
  try {
    const doc = parsed.data.replace
      ? await replaceDocument(actor, parsed.data.replace, { fileName: null, bytes, title: parsed.data.title })
      : await createDocument(actor, { title: parsed.data.title, fileName: null, bytes, visibility: parsed.data.visibility });
    return { status: parsed.data.replace ? 200 : 201, document: documentJson(doc) };
  } catch (error) {
    if (error instanceof AppError && error.code === "forbidden") {
      throw new GatewayError(403, "permission_error", "This key's creator is no longer an admin or owner of the workspace, so the key cannot change its knowledge.");
    }
    throw error;
  }
}

function documentJson(d: KnowledgeDocumentView): Record<string, unknown> {
  return { id: d.id, title: d.title, visibility: d.visibility, status: d.status, version: d.version, live_version: d.liveVersion, created_at: d.createdAt, updated_at: d.updatedAt };
}
