import { z } from "zod";
import { bigintIdString } from "@/lib/validation/bounds";
import { requireTenantRole, userNames } from "@/lib/admin/authorize";
import { withTenant, type TenantContext } from "@/lib/db/scope";

/**
 * The tenant's audit log, newest first, a page at a time. Actions written elsewhere keep
 * one naming scheme, `<thing>.<past tense>`:
 *   config.updated, config.rolled_back           (lib/admin/config.ts, prisma/seed.ts)
 *   member.role_changed, member.removed, member.left (lib/admin/members.ts)
 *   invite.created, invite.revoked, invite.accepted  (lib/tenancy/invites.ts)
 *   api_key.created, api_key.revoked             (lib/api-keys/keys.ts)
 *   knowledge.document_created, knowledge.document_replaced, knowledge.document_deleted,
 *   knowledge.visibility_changed                 (lib/knowledge/documents.ts)
 */
export interface AuditEntry {
  /** bigint identity as a string (JSON-safe); also the page cursor. */
  id: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
  /** null for system actions, or when the actor has since left (their name is no longer visible here). */
  actor: { id: string; name: string } | null;
  actorId: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const AUDIT_PAGE_SIZE = 25;

const pageSchema = z.object({
  // Bounded by the bigint column: 9999999999999999999 is a 422 here, not a database error.
  cursor: bigintIdString("Invalid page.").optional(),
  limit: z.number().int().min(1).max(100).default(AUDIT_PAGE_SIZE),
});

export async function listAuditLog(ctx: TenantContext, options: { cursor?: string; limit?: number } = {}): Promise<AuditPage> {
  const { cursor, limit } = pageSchema.parse(options);
  return withTenant(ctx, async (tx) => {
    await requireTenantRole(tx, ctx, "admin");
    const rows = await tx.auditLog.findMany({
      where: { tenantId: ctx.tenantId, ...(cursor ? { id: { lt: BigInt(cursor) } } : {}) },
      orderBy: { id: "desc" },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const names = await userNames(tx, page.map((r) => r.actorId));
    return {
      entries: page.map((r) => {
        const name = r.actorId ? names.get(r.actorId) : undefined;
        return {
          id: r.id.toString(),
          action: r.action,
          target: r.target,
          details: isRecord(r.details) ? r.details : {},
          createdAt: r.createdAt,
          actor: r.actorId && name ? { id: r.actorId, name } : null,
          actorId: r.actorId,
        };
      }),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id.toString() : null,
    };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
