import type pg from "pg";
import type { ReceivedEntry } from "@/lib/llm/simulator";
import { REQUEST_HEADER } from "@/lib/llm/tracked-call";

/**
 * The ledger checked against what the upstream received (the simulator's log, each entry
 * carrying its ledger request id in x-bulkhead-request), read as the database owner:
 * one ledger row per request received, every row not flagged estimated equal to what the
 * upstream billed, no request id sent twice, quota used = Σ settled rows per tenant,
 * reserved 0, and the rollups equal to the events. Call it after the sweeper and a fold.
 * Used by `npm run bench -- ledger` and by tests/integration/ledger-reconciliation.test.ts.
 */
type Queryable = Pick<pg.Client, "query">;

export interface Reconciliation {
  rows: number;
  estimated: number;
  /** Rows the upstream never saw, all estimated (a process killed before its request left). */
  unseenEstimated: number;
  /** Every mismatch, one sentence each; empty when the ledger reconciles. */
  failures: string[];
}

interface Row {
  tenant_id: string;
  request_id: string;
  status: string;
  estimated: boolean;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_read_tokens: number;
}

export async function reconcileLedger(owner: Queryable, received: readonly ReceivedEntry[], options: { /** Only these tenants (a test among others); default all. */ tenantIds?: string[] } = {}): Promise<Reconciliation> {
  const only = options.tenantIds ?? null;
  const failures: string[] = [];
  const rows = (await owner.query<Row>("SELECT tenant_id, request_id, status, estimated, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens FROM usage_events WHERE $1::uuid[] IS NULL OR tenant_id = ANY ($1::uuid[])", [only])).rows;
  const byId = new Map(rows.map((r) => [r.request_id, r]));
  const seen = new Map<string, number>();
  for (const e of received) {
    const id = e.headers[REQUEST_HEADER];
    if (!id) {
      failures.push(`simulator entry ${e.requestId} without a ledger request id`);
      continue;
    }
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const row = byId.get(id);
    if (!row) {
      failures.push(`request ${id} reached the simulator but has no ledger row`);
      continue;
    }
    if (row.status === "started") failures.push(`request ${id} still in flight`);
    if (row.estimated) continue;
    const u = e.usage ?? { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const billed = e.status === 200 ? u : { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (row.input_tokens !== billed.input_tokens || row.output_tokens !== billed.output_tokens || row.cache_write_tokens !== billed.cache_creation_input_tokens || row.cache_read_tokens !== billed.cache_read_input_tokens) {
      failures.push(`request ${id}: ledger ${row.input_tokens}/${row.output_tokens}/${row.cache_write_tokens}/${row.cache_read_tokens} vs simulator ${billed.input_tokens}/${billed.output_tokens}/${billed.cache_creation_input_tokens}/${billed.cache_read_input_tokens}`);
    }
  }
  for (const [id, n] of seen) if (n > 1) failures.push(`request id ${id} sent ${n} times`);
  const unseen = rows.filter((r) => !seen.has(r.request_id));
  const unseenEstimated = unseen.filter((r) => r.estimated).length;
  for (const r of unseen.filter((x) => !x.estimated)) failures.push(`ledger row ${r.request_id} (${r.status}) never reached the simulator`);

  const quota = (await owner.query<{ tenant_id: string; used: string; reserved: string; events: string }>(`
    SELECT q.tenant_id, sum(q.used_tokens) AS used, sum(q.reserved_tokens) AS reserved,
           (SELECT coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0) FROM usage_events e WHERE e.tenant_id = q.tenant_id AND e.status <> 'started') AS events
      FROM quota_usage q WHERE $1::uuid[] IS NULL OR q.tenant_id = ANY ($1::uuid[]) GROUP BY q.tenant_id`, [only])).rows;
  for (const q of quota) {
    if (q.used !== q.events) failures.push(`tenant ${q.tenant_id}: quota used ${q.used} ≠ Σ events ${q.events}`);
    if (q.reserved !== "0") failures.push(`tenant ${q.tenant_id}: reserved ${q.reserved} after the sweeper`);
  }
  const rollups = (await owner.query<{ tenant_id: string; a: string; b: string; c: string; d: string }>(`
    SELECT e.tenant_id, e.n AS a, coalesce(d.n, '0') AS b, e.tokens AS c, coalesce(d.tokens, '0') AS d
      FROM (SELECT tenant_id, count(*)::text AS n, sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::text AS tokens FROM usage_events WHERE status <> 'started' AND ($1::uuid[] IS NULL OR tenant_id = ANY ($1::uuid[])) GROUP BY 1) e
      LEFT JOIN (SELECT tenant_id, sum(requests)::text AS n, sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::text AS tokens FROM usage_daily GROUP BY 1) d USING (tenant_id)`, [only])).rows;
  for (const r of rollups) if (r.a !== r.b || r.c !== r.d) failures.push(`tenant ${r.tenant_id}: usage_daily ${r.b} requests/${r.d} tokens ≠ events ${r.a}/${r.c}`);
  const staff = (await owner.query<{ a: string | null; b: string }>(
    `SELECT (SELECT sum(requests) FROM usage_monthly_tenant WHERE $1::uuid[] IS NULL OR tenant_id = ANY ($1::uuid[]))::text AS a,
            (SELECT count(*) FROM usage_events WHERE status <> 'started' AND ($1::uuid[] IS NULL OR tenant_id = ANY ($1::uuid[])))::text AS b`,
    [only],
  )).rows[0]!;
  if ((staff.a ?? "0") !== staff.b) failures.push(`usage_monthly_tenant ${staff.a} requests ≠ events ${staff.b}`);
  return { rows: rows.length, estimated: rows.filter((r) => r.estimated).length, unseenEstimated, failures };
}
