import { Prisma } from "@/lib/db/generated/client";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import type { IsoDate } from "@/lib/usage/dates";

/**
 * The usage dashboard's split by API key (issue 11, item 1): settled tenant-API calls per
 * key over the dashboard's local days, with the key's name and prefix. Read from the ledger
 * rows (usage_events.api_key_id, indexed per tenant and key from 0015_api_keys) rather than a
 * rollup: only API calls carry a key, and the range is at most 90 days. Keys are readable by
 * admins and owners only (0015's policy), so for anyone else the names come back empty.
 */
export interface KeyUsage {
  keyId: string;
  name: string | null;
  prefix: string | null;
  revoked: boolean;
  requests: number;
  errors: number;
  tokens: number;
  costMicros: number;
}

interface Row {
  key_id: string;
  name: string | null;
  prefix: string | null;
  revoked: boolean | null;
  requests: bigint;
  errors: bigint;
  tokens: bigint | null;
  cost_micros: bigint | null;
}

export async function readUsageByKey(ctx: TenantContext, from: IsoDate, to: IsoDate): Promise<KeyUsage[]> {
  const rows = await withTenant(ctx, (tx) =>
    tx.$queryRaw<Row[]>(Prisma.sql`
      SELECT e.api_key_id::text AS key_id, k.name, k.prefix, k.revoked_at IS NOT NULL AS revoked,
             count(*) AS requests, count(*) FILTER (WHERE e.status = 'error') AS errors,
             sum(e.input_tokens + e.output_tokens + e.cache_write_tokens + e.cache_read_tokens) AS tokens,
             sum(e.cost_micros) AS cost_micros
        FROM usage_events e
        JOIN tenants t ON t.id = e.tenant_id
        LEFT JOIN api_keys k ON k.tenant_id = e.tenant_id AND k.id = e.api_key_id
       WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.api_key_id IS NOT NULL AND e.status <> 'started'
         AND e.created_at >= (${from}::date::timestamp AT TIME ZONE t.time_zone)
         AND e.created_at < ((${to}::date + 1)::timestamp AT TIME ZONE t.time_zone)
       GROUP BY e.api_key_id, k.name, k.prefix, k.revoked_at
       ORDER BY tokens DESC NULLS LAST`),
  );
  return rows.map((r) => ({
    keyId: r.key_id,
    name: r.name,
    prefix: r.prefix,
    revoked: r.revoked === true,
    requests: Number(r.requests),
    errors: Number(r.errors),
    tokens: Number(r.tokens ?? 0n),
    costMicros: Number(r.cost_micros ?? 0n),
  }));
}
