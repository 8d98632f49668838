import { z } from "zod";
import { withScopeSql } from "@/lib/db/sql";
import type { TurnSource } from "@/lib/pipeline/compose";

/**
 * The knowledge sources an answer showed, kept with the answer (0025_message_sources) so the
 * reply shows them again when the conversation is reopened. Written after the answer is
 * saved and the reply has ended (lib/pipeline/chat-turn.ts), under the user's own scope; read
 * with the conversation (lib/chat/conversations.ts).
 */
export const storedSourceSchema = z.object({ id: z.string(), documentId: z.string(), title: z.string(), section: z.string().nullable(), excerpt: z.string() });
const storedSourcesSchema = z.array(storedSourceSchema).min(1).max(50);

const INSERT_SQL = `
INSERT INTO message_sources (tenant_id, message_id, user_id, sources)
VALUES ($1::uuid, $2::uuid, $3::uuid, $4::jsonb)
ON CONFLICT DO NOTHING`;

/**
 * Saves an answer's sources; false when there was nothing to save or the answer itself was
 * not saved (no message of that id: a failed reply, a conversation deleted meanwhile). A
 * lost record costs the user the sources of an old answer on reload, never the answer.
 */
export async function saveMessageSources(scope: { tenantId: string; userId: string }, messageId: string, sources: readonly TurnSource[]): Promise<boolean> {
  if (sources.length === 0) return false;
  try {
    // Not worth a disk flush of its own: a crash in the next instant costs an old answer its
    // sources on reload, never the answer (which the ledger's own commit made durable).
    const rows = await withScopeSql({ kind: "tenant", tenantId: scope.tenantId, userId: scope.userId }, (db) =>
      db.query(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) ${INSERT_SQL.trim()} RETURNING (SELECT 1 FROM relaxed) AS ok`, [scope.tenantId, messageId, scope.userId, JSON.stringify(sources.slice(0, 50))], { commit: true }),
    );
    return rows.length === 1;
  } catch (error) {
    // 23503: the answer was never written (its sources have nothing to belong to).
    if (error instanceof Error && (error as { code?: unknown }).code === "23503") return false;
    throw error;
  }
}

/** The stored sources of a row, or none when they do not read as sources (never trusted blindly). */
export function parseStoredSources(value: unknown): z.infer<typeof storedSourcesSchema> | null {
  const parsed = storedSourcesSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
