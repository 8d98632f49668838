import { ownerQuery, unique } from "@/tests/helpers/db";

/** One usage_events row as the owner writes it in a test (the app's writers are the ledger's). */
export interface OwnerEvent {
  tenantId: string;
  userId: string | null;
  at: string | Date;
  model?: string;
  requestType?: "chat" | "api" | "background";
  status?: "started" | "completed" | "aborted" | "error";
  input?: number;
  output?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
  cacheRead?: number;
  cost?: number;
  latencyMs?: number;
  ttftMs?: number | null;
  estimated?: boolean;
  priceMissing?: boolean;
  requestId?: string;
}

/** Inserts events in one statement (settled_at set for settled ones); returns their request ids. */
export async function insertEventsAsOwner(events: OwnerEvent[]): Promise<string[]> {
  const rows = events.map((e) => ({
    tenant_id: e.tenantId,
    request_id: e.requestId ?? unique("ev"),
    user_id: e.userId,
    request_type: e.requestType ?? "chat",
    model: e.model ?? "claude-haiku-4-5",
    input_tokens: e.input ?? 100,
    output_tokens: e.output ?? 10,
    cache_write_tokens: e.cacheWrite ?? 0,
    cache_write_1h_tokens: e.cacheWrite1h ?? 0,
    cache_read_tokens: e.cacheRead ?? 0,
    latency_ms: e.latencyMs ?? 100,
    ttft_ms: e.ttftMs === undefined ? 50 : e.ttftMs,
    cost_micros: String(e.cost ?? 150),
    price_missing: e.priceMissing ?? false,
    estimated: e.estimated ?? false,
    status: e.status ?? "completed",
    created_at: new Date(e.at).toISOString(),
  }));
  await ownerQuery(
    `INSERT INTO usage_events (tenant_id, request_id, user_id, request_type, model, input_tokens, output_tokens, cache_write_tokens,
                               cache_write_1h_tokens, cache_read_tokens, latency_ms, ttft_ms, cost_micros, price_missing, estimated, status,
                               created_at, started_at, settled_at)
     SELECT r.tenant_id, r.request_id, r.user_id, r.request_type, r.model, r.input_tokens, r.output_tokens, r.cache_write_tokens,
            r.cache_write_1h_tokens, r.cache_read_tokens, r.latency_ms, r.ttft_ms, r.cost_micros, r.price_missing, r.estimated, r.status,
            r.created_at, r.created_at, CASE WHEN r.status = 'started' THEN NULL ELSE r.created_at END
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, request_id text, user_id uuid, request_type "RequestType", model text,
            input_tokens int, output_tokens int, cache_write_tokens int, cache_write_1h_tokens int, cache_read_tokens int, latency_ms int,
            ttft_ms int, cost_micros bigint, price_missing boolean, estimated boolean, status "UsageStatus", created_at timestamptz)`,
    [JSON.stringify(rows)],
  );
  return rows.map((r) => r.request_id);
}

/** Folds every queued rollup change as the owner (what the background folder does). */
export async function foldAsOwner(): Promise<void> {
  await ownerQuery("SELECT fold_usage_rollups(NULL)");
}
