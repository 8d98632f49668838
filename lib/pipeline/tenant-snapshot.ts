import type { ModelTier } from "@/lib/db/generated/enums";
import { withScopeSql } from "@/lib/db/sql";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import type { RoutingMode } from "@/lib/routing/route";
import { tenantCanary } from "@/lib/security/canary";
import { verbatimIndex } from "@/lib/security/leak-watcher";

/**
 * What the tenant API needs of a tenant before a call, kept in-process for a second: the
 * current configuration turned into the system prefix (platform rules + canary + tenant
 * configuration, a pure function of the config), the leak watcher's verbatim index of that
 * prefix (the costliest part to build), and whether an owner has verified their email.
 *
 * Why a cache: the data plane's budget is one PostgreSQL round trip before the call (the
 * reservation, ARCHITECTURE.md). A configuration saved in the admin console reaches the API
 * within SNAPSHOT_TTL_MS on every instance, the same bound as a revoked key; chat reads the
 * configuration in its own compose statement and sees it at once. Concurrent misses of one
 * tenant share one read.
 */
export const SNAPSHOT_TTL_MS = 1_000;

export interface TenantSnapshot {
  tenantId: string;
  modelTier: ModelTier;
  maxTokens: number;
  routingMode: RoutingMode;
  ownerVerified: boolean;
  /** Platform rules (with the canary) and the tenant configuration: the cached prefix. */
  systemPrefix: SystemTextBlock[];
  canary: string;
  /** The text the leak watcher protects, and its verbatim index. */
  protectedText: string;
  protectedIndex: Set<string>;
}

interface SnapshotRow {
  config: {
    company_name: string;
    persona: string;
    allowed_topics: string[];
    restricted_topics: string[];
    custom_instructions: string;
    model_tier: ModelTier;
    max_tokens: number;
    routing_mode: RoutingMode;
  } | null;
  owner_verified: boolean;
}

const SNAPSHOT_SQL = `
SELECT
  (SELECT row_to_json(c) FROM (
     SELECT company_name, persona, allowed_topics, restricted_topics, custom_instructions, model_tier, max_tokens, routing_mode
       FROM tenant_configs WHERE tenant_id = $1::uuid ORDER BY version DESC LIMIT 1) c) AS config,
  tenant_owner_verified($1::uuid) AS owner_verified`;

const cache = new Map<string, { until: number; value: Promise<TenantSnapshot | null> }>();
const MAX_ENTRIES = 10_000;

/** The tenant's snapshot, or null when it has no configuration (a tenant mid-deletion). */
export function tenantSnapshot(tenantId: string, now = Date.now()): Promise<TenantSnapshot | null> {
  const hit = cache.get(tenantId);
  if (hit && hit.until > now) return hit.value;
  const value = loadSnapshot(tenantId);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(tenantId, { until: now + SNAPSHOT_TTL_MS, value });
  // A failed read is not cached: the next request tries again.
  value.catch(() => {
    if (cache.get(tenantId)?.value === value) cache.delete(tenantId);
  });
  return value;
}

/** Tests and the admin console of this process: forget a tenant's snapshot now. */
export function forgetTenantSnapshot(tenantId?: string): void {
  if (tenantId) cache.delete(tenantId);
  else cache.clear();
}

async function loadSnapshot(tenantId: string): Promise<TenantSnapshot | null> {
  // The platform acting for the tenant: no user, so no conversation content is visible.
  const [row] = await withScopeSql({ kind: "tenant", tenantId, userId: "" }, (db) => db.query<SnapshotRow>(SNAPSHOT_SQL, [tenantId], { commit: true }));
  const config = row?.config;
  if (!config) return null;
  const canary = tenantCanary(tenantId);
  const systemPrefix = buildSystemPrompt(
    {
      companyName: config.company_name,
      persona: config.persona,
      allowedTopics: config.allowed_topics,
      restrictedTopics: config.restricted_topics,
      customInstructions: config.custom_instructions,
    },
    { canary },
  );
  const protectedText = systemPrefix.map((b) => b.text).join("\n");
  return {
    tenantId,
    modelTier: config.model_tier,
    maxTokens: config.max_tokens,
    routingMode: config.routing_mode,
    ownerVerified: row.owner_verified,
    systemPrefix,
    canary,
    protectedText,
    protectedIndex: verbatimIndex(protectedText),
  };
}
