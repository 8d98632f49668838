import { z } from "zod";
import { requireTenantRole, userNames } from "@/lib/admin/authorize";
import { AppError } from "@/lib/api/errors";
import { generateApiKey } from "@/lib/api-keys/key-format";
import { broadcastRevocation } from "@/lib/api-keys/revocation";
import { isApiKeyScope, scopeListSchema, type ApiKeyScope } from "@/lib/api-keys/scopes";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import { cleanText } from "@/lib/validation/text";

/**
 * Create, list and revoke a tenant's API keys: admins and owners only, checked here (the
 * role re-read in the writing transaction) and again by the policies of 0015_api_keys.
 * Every change is in the tenant's audit log (api_key.created, api_key.revoked), which
 * names the key by id and prefix, never by the key or its hash.
 */
export const MAX_ACTIVE_API_KEYS = 50;
export const MAX_EXPIRY_DAYS = 730;

export const createApiKeySchema = z.object({
  name: cleanText().trim().min(1, "Name the key.").max(100, "Use at most 100 characters."),
  scopes: scopeListSchema,
  // Forms send "" (or nothing) for "never expires".
  expiresInDays: z.preprocess(
    (v) => (v === "" || v === null ? undefined : v),
    z.coerce.number().int("Whole days only.").min(1, "At least 1 day.").max(MAX_EXPIRY_DAYS, `At most ${MAX_EXPIRY_DAYS} days.`).optional(),
  ),
});
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

export type ApiKeyStatus = "active" | "expired" | "revoked";

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: ApiKeyStatus;
  /** null when the creator has since left the workspace. */
  createdBy: { id: string; name: string } | null;
}

export interface CreatedApiKey extends ApiKeySummary {
  /** The full key. Only ever returned here, once; only its hash is stored. */
  key: string;
}

/** Where a key was made: the admin console, or `npm run api-key` on the server. */
export type ApiKeySource = "console" | "cli";

const ONLY_ADMINS = "Only admins and owners can manage API keys.";

// Every column but key_hash, which no app role may read.
const summaryFields = {
  id: true, name: true, prefix: true, scopes: true, createdById: true,
  createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true,
} as const;

interface SummaryRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdById: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function apiKeyStatus(key: { revokedAt: Date | null; expiresAt: Date | null }, now = new Date()): ApiKeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt <= now) return "expired";
  return "active";
}

function toSummary(row: SummaryRow, names: Map<string, string>, now: Date): ApiKeySummary {
  const { createdById, ...rest } = row;
  const name = names.get(createdById);
  return {
    ...rest,
    scopes: row.scopes.filter(isApiKeyScope),
    status: apiKeyStatus(row, now),
    createdBy: name ? { id: createdById, name } : null,
  };
}

export async function createApiKey(actor: TenantContext, input: unknown, source: ApiKeySource = "console"): Promise<CreatedApiKey> {
  const data = createApiKeySchema.parse(input);
  const { key, keyHash, prefix } = generateApiKey();
  return withTenant(actor, async (tx) => {
    await requireTenantRole(tx, actor, "admin", ONLY_ADMINS);
    const now = new Date();
    const active = await tx.apiKey.count({
      where: { tenantId: actor.tenantId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    });
    if (active >= MAX_ACTIVE_API_KEYS) {
      throw new AppError("conflict", `A workspace can have at most ${MAX_ACTIVE_API_KEYS} active API keys. Revoke one first.`);
    }
    // The expiry counts from the row's own created_at (the database clock), to the millisecond.
    const days = data.expiresInDays ?? null;
    // Raw, because Prisma's create returns every column and no app role may read key_hash.
    const [row] = await tx.$queryRaw<SummaryRow[]>`
      INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes, created_by_id, expires_at)
      VALUES (${actor.tenantId}::uuid, ${data.name}, ${prefix}, ${keyHash}, ${data.scopes}::text[], ${actor.userId}::uuid,
              now() + make_interval(days => ${days}::int))
      RETURNING id, name, prefix, scopes, created_by_id AS "createdById", created_at AS "createdAt",
                expires_at AS "expiresAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;
    if (!row) throw new Error("api key insert returned no row");
    await tx.auditLog.create({
      data: {
        tenantId: actor.tenantId, actorId: actor.userId, action: "api_key.created", target: `api_key:${row.id}`,
        details: { name: row.name, prefix: row.prefix, scopes: row.scopes, expiresAt: row.expiresAt?.toISOString() ?? null, source },
      },
    });
    const names = await userNames(tx, [row.createdById]);
    return { ...toSummary(row, names, now), key };
  });
}

export async function listApiKeys(actor: TenantContext): Promise<ApiKeySummary[]> {
  return withTenant(actor, async (tx) => {
    await requireTenantRole(tx, actor, "admin", ONLY_ADMINS);
    const rows = await tx.apiKey.findMany({ where: { tenantId: actor.tenantId }, select: summaryFields, orderBy: { createdAt: "desc" } });
    const names = await userNames(tx, rows.map((r) => r.createdById));
    const now = new Date();
    return rows.map((r) => toSummary(r, names, now));
  });
}

/**
 * Revokes a key for good. The database refuses it from this commit on; the Redis marker
 * (lib/api-keys/revocation.ts) makes every instance's key cache refuse it at its next
 * request. Revoking a key that is already revoked is a no-op, not an error (two admins at
 * once, a double click).
 */
export async function revokeApiKey(actor: TenantContext, keyId: string): Promise<ApiKeySummary> {
  if (!z.uuid().safeParse(keyId).success) throw new AppError("not_found", "API key not found.");
  const summary = await withTenant(actor, async (tx) => {
    await requireTenantRole(tx, actor, "admin", ONLY_ADMINS);
    const now = new Date();
    const { count } = await tx.apiKey.updateMany({
      where: { tenantId: actor.tenantId, id: keyId, revokedAt: null },
      data: { revokedAt: now, revokedById: actor.userId },
    });
    const row = await tx.apiKey.findUnique({ where: { tenantId_id: { tenantId: actor.tenantId, id: keyId } }, select: summaryFields });
    if (!row) throw new AppError("not_found", "API key not found.");
    if (count > 0) {
      await tx.auditLog.create({
        data: { tenantId: actor.tenantId, actorId: actor.userId, action: "api_key.revoked", target: `api_key:${keyId}`, details: { name: row.name, prefix: row.prefix } },
      });
    }
    return toSummary(row, await userNames(tx, [row.createdById]), now);
  });
  // After the commit: a cache that re-resolves on seeing the marker must find the key revoked.
  await broadcastRevocation(keyId).catch(async (error: unknown) => {
    console.error("[bulkhead] could not broadcast an API key revocation; retrying once", error instanceof Error ? error.message : error);
    await broadcastRevocation(keyId);
  });
  return summary;
}
