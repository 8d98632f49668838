import { withScopeSql } from "@/lib/db/sql";
import { hashApiKey, isWellFormedApiKey } from "@/lib/api-keys/key-format";
import { isApiKeyScope, type ApiKeyScope } from "@/lib/api-keys/scopes";

/** What a valid presented key stands for: the gateway's Identify step for /v1. */
export interface ResolvedApiKey {
  tenantId: string;
  keyId: string;
  scopes: ApiKeyScope[];
  planId: string;
  /** null: the key does not expire. */
  expiresAt: Date | null;
  /** The admin who created the key: knowledge writes through it act with their authority. */
  createdById: string;
}

interface ResolveRow {
  tenant_id: string;
  key_id: string;
  scopes: string[];
  plan_id: string;
  expires_at: Date | null;
  created_by_id: string;
}

/**
 * The presented key's tenant, key id, scopes and plan, or null for a malformed, unknown,
 * revoked or expired key (the caller answers all four with the same 401). One round trip:
 * resolve_api_key() (0015_api_keys) runs as bh_auth, the only door to the keys without a
 * tenant scope, and never returns the hash.
 */
export async function resolveApiKey(presentedKey: string): Promise<ResolvedApiKey | null> {
  if (!isWellFormedApiKey(presentedKey)) return null;
  return resolveApiKeyHash(hashApiKey(presentedKey));
}

export async function resolveApiKeyHash(keyHash: string): Promise<ResolvedApiKey | null> {
  const [row] = await withScopeSql({ kind: "auth" }, (db) =>
    db.query<ResolveRow>("SELECT tenant_id, key_id, scopes, plan_id, expires_at, created_by_id FROM resolve_api_key($1)", [keyHash], { commit: true }),
  );
  if (!row) return null;
  return { tenantId: row.tenant_id, keyId: row.key_id, scopes: row.scopes.filter(isApiKeyScope), planId: row.plan_id, expiresAt: row.expires_at, createdById: row.created_by_id };
}
