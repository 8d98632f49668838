import { AppError } from "@/lib/api/errors";
import type { TenantContext } from "@/lib/db/scope";
import { withScopeSql } from "@/lib/db/sql";
import { MAX_MEMORIES, type MemoryFact, type MemoryState } from "@/lib/memory/schemas";

/**
 * A user's memory in one workspace: what the Memory panel reads and changes. Row-level
 * security (0020_user_memory) keeps every row to its tenant and user; each statement still
 * names both, so the code says what it means. One statement per operation.
 */
interface MemoryRow {
  id: string;
  content: string;
  source: MemoryFact["source"];
  status: MemoryFact["status"];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, content, source, status, created_at, updated_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toFact(row: MemoryRow): MemoryFact {
  return { id: row.id, content: row.content, source: row.source, status: row.status, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
}

function scopeOf(ctx: TenantContext) {
  return { kind: "tenant" as const, tenantId: ctx.tenantId, userId: ctx.userId };
}

function memoryNotFound(): AppError {
  return new AppError("not_found", "Memory not found.");
}

/** "Not a uuid" and "not yours" look the same. */
function assertMemoryId(id: unknown): asserts id is string {
  if (typeof id !== "string" || !UUID.test(id)) throw memoryNotFound();
}

const LIST_SQL = `
SELECT
  (SELECT coalesce(json_agg(f ORDER BY f.status = 'active', f.updated_at DESC, f.id), '[]'::json) FROM (
     SELECT ${COLUMNS} FROM user_memories
      WHERE tenant_id = $1::uuid AND user_id = $2::uuid AND status IN ('active', 'proposed')
      ORDER BY updated_at DESC LIMIT ${MAX_MEMORIES}) f) AS memories,
  coalesce((SELECT propose_from_conversations FROM user_memory_settings WHERE tenant_id = $1::uuid AND user_id = $2::uuid), false) AS propose`;

/** Proposals first, then active facts, newest first. Dismissed proposals are not shown. */
export async function getMemoryState(ctx: TenantContext): Promise<MemoryState> {
  const [row] = await withScopeSql(scopeOf(ctx), (db) =>
    db.query<{ memories: MemoryRow[]; propose: boolean }>(LIST_SQL, [ctx.tenantId, ctx.userId], { commit: true }),
  );
  return { memories: (row?.memories ?? []).map(toFact), proposeFromConversations: row?.propose ?? false };
}

// Re-adding a fact that exists (in any state) makes it the user's own, active fact again.
const ADD_SQL = `
WITH counted AS (
  SELECT count(*) AS n FROM user_memories WHERE tenant_id = $1::uuid AND user_id = $2::uuid AND status IN ('active', 'proposed')
)
INSERT INTO user_memories (tenant_id, user_id, content, source, status)
SELECT $1::uuid, $2::uuid, $3::text, 'user', 'active' FROM counted WHERE counted.n < ${MAX_MEMORIES}
ON CONFLICT (tenant_id, user_id, md5(lower(content)))
DO UPDATE SET content = EXCLUDED.content, source = 'user', status = 'active', updated_at = now()
RETURNING ${COLUMNS}`;

export async function addMemory(ctx: TenantContext, content: string): Promise<MemoryFact> {
  const [row] = await withScopeSql(scopeOf(ctx), (db) => db.query<MemoryRow>(ADD_SQL, [ctx.tenantId, ctx.userId, content], { commit: true }));
  if (!row) throw new AppError("conflict", `You can keep at most ${MAX_MEMORIES} memories. Delete some first.`);
  return toFact(row);
}

// Editing a proposal's text is accepting it in the user's words: it becomes theirs.
const UPDATE_SQL = `
UPDATE user_memories
   SET content = coalesce($4::text, content),
       status = CASE WHEN $4::text IS NOT NULL THEN 'active' ELSE coalesce($5::text, status) END,
       source = CASE WHEN $4::text IS NOT NULL THEN 'user' ELSE source END,
       updated_at = now()
 WHERE tenant_id = $1::uuid AND user_id = $2::uuid AND id = $3::uuid AND status <> 'dismissed'
RETURNING ${COLUMNS}`;

export async function updateMemory(ctx: TenantContext, id: unknown, change: { content?: string; status?: "active" | "dismissed" }): Promise<MemoryFact> {
  assertMemoryId(id);
  let rows: MemoryRow[];
  try {
    rows = await withScopeSql(scopeOf(ctx), (db) =>
      db.query<MemoryRow>(UPDATE_SQL, [ctx.tenantId, ctx.userId, id, change.content ?? null, change.status ?? null], { commit: true }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "You already have this memory.");
    // The CHECK constraint: a fact the user wrote cannot be dismissed, only deleted.
    if (isCheckViolation(error)) throw new AppError("validation_failed", "Only proposals can be dismissed; delete the memory instead.");
    throw error;
  }
  const [row] = rows;
  if (!row) throw memoryNotFound();
  return toFact(row);
}

const DELETE_SQL = "DELETE FROM user_memories WHERE tenant_id = $1::uuid AND user_id = $2::uuid AND id = $3::uuid RETURNING id";

export async function deleteMemory(ctx: TenantContext, id: unknown): Promise<void> {
  assertMemoryId(id);
  const rows = await withScopeSql(scopeOf(ctx), (db) => db.query(DELETE_SQL, [ctx.tenantId, ctx.userId, id], { commit: true }));
  if (rows.length === 0) throw memoryNotFound();
}

const SETTINGS_SQL = `
INSERT INTO user_memory_settings (tenant_id, user_id, propose_from_conversations)
VALUES ($1::uuid, $2::uuid, $3::boolean)
ON CONFLICT (tenant_id, user_id) DO UPDATE SET propose_from_conversations = EXCLUDED.propose_from_conversations, updated_at = now()
RETURNING propose_from_conversations`;

export async function setProposeFromConversations(ctx: TenantContext, allowed: boolean): Promise<boolean> {
  const [row] = await withScopeSql(scopeOf(ctx), (db) =>
    db.query<{ propose_from_conversations: boolean }>(SETTINGS_SQL, [ctx.tenantId, ctx.userId, allowed], { commit: true }),
  );
  return row?.propose_from_conversations ?? allowed;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "23505";
}

function isCheckViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "23514";
}
