import { AppError } from "@/lib/api/errors";
import type { ScopedSql } from "@/lib/db/sql";
import { withScopeSql } from "@/lib/db/sql";
import type { RequestType } from "@/lib/llm/tracked-call";

/**
 * Before a request leaves: its ledger row (status 'started') and its reservation against
 * the tenant's monthly quota, in ONE statement. The reservation is an upper bound of what
 * the call can cost (lib/llm/tokens.ts inputTokenBound + max_tokens), and it is admitted
 * only if used + reserved + it stays within the quota, checked on the locked, latest quota
 * row: concurrent calls can never take `used` past the quota. The quota month is the
 * tenant's local month (tenant_quota_period, 0009_ledger).
 */
export interface LedgerRequest {
  tenantId: string;
  requestId: string;
  userId: string | null;
  conversationId: string | null;
  requestType: RequestType;
  model: string;
  /** The estimate of the input (what the sweeper bills if the process dies). */
  estimatedInputTokens: number;
  maxTokens: number;
  /** The upper bound held against the quota. */
  reserveTokens: number;
  quota: number;
  at: Date;
}

const RESERVE_SQL = `
WITH t AS (
  SELECT tenant_quota_period(id, $5::timestamptz) AS period,
         (date_trunc('month', $5::timestamptz AT TIME ZONE time_zone) + interval '1 month') AT TIME ZONE time_zone AS next_period_at
    FROM tenants WHERE id = $1::uuid
), q AS (
  INSERT INTO quota_usage AS u (tenant_id, period, reserved_tokens)
  SELECT $1::uuid, t.period, $3::bigint FROM t WHERE $3::bigint <= $4::bigint
  ON CONFLICT (tenant_id, period) DO UPDATE
     SET reserved_tokens = u.reserved_tokens + EXCLUDED.reserved_tokens, updated_at = now()
   WHERE u.used_tokens + u.reserved_tokens + EXCLUDED.reserved_tokens <= $4::bigint
  RETURNING u.period
), l AS (
  INSERT INTO usage_events (tenant_id, request_id, user_id, conversation_id, request_type, model, input_tokens,
                            output_tokens, latency_ms, cost_micros, status, started_at, created_at, settled_at,
                            reserved_tokens, quota_period, max_tokens)
  SELECT $1::uuid, $2::text, $6::uuid, $7::uuid, $8::"RequestType", $9::text, $10::int,
         0, 0, 0, 'started', $5::timestamptz, $5::timestamptz, NULL, $3::bigint, q.period, $11::int
    FROM q
  RETURNING request_id
)
SELECT (SELECT count(*) FROM l)::int AS recorded, (SELECT next_period_at FROM t) AS next_period_at`;

/** Inside the caller's tenant transaction; `commit` ends it in the same round trip. */
export async function reserveRequest(db: ScopedSql, request: LedgerRequest, options: { commit?: boolean } = {}): Promise<void> {
  const [row] = await db.query<{ recorded: number; next_period_at: Date | null }>(
    RESERVE_SQL,
    [
      request.tenantId,
      request.requestId,
      request.reserveTokens,
      request.quota,
      request.at,
      request.userId,
      request.conversationId,
      request.requestType,
      request.model,
      request.estimatedInputTokens,
      request.maxTokens,
    ],
    options,
  );
  if (row?.recorded === 1) return;
  const next = row?.next_period_at ? new Date(row.next_period_at).getTime() : request.at.getTime() + 86_400_000;
  const retryAfterSeconds = Math.max(1, Math.ceil((next - request.at.getTime()) / 1000));
  throw new AppError("rate_limited", "Your workspace has used this month's token quota. Ask an admin to upgrade the plan.", {
    headers: { "Retry-After": String(retryAfterSeconds) },
    extra: { limit: "monthly_quota", retryAfterSeconds },
  });
}

/** A retry attempt's own row and reservation, in its own transaction. */
export function reserveInOwnTransaction(request: LedgerRequest): Promise<void> {
  return withScopeSql({ kind: "tenant", tenantId: request.tenantId, userId: request.userId ?? "" }, (db) => reserveRequest(db, request, { commit: true }));
}

const WITHDRAW_SQL = `
WITH w AS (
  DELETE FROM usage_events WHERE tenant_id = $1::uuid AND request_id = $2::text AND status = 'started'
  RETURNING quota_period, reserved_tokens
)
UPDATE quota_usage q SET reserved_tokens = GREATEST(q.reserved_tokens - w.reserved_tokens, 0), updated_at = now()
  FROM w WHERE q.tenant_id = $1::uuid AND q.period = w.quota_period`;

/**
 * A request that never left (aborted in the queue, refused by tokens/min after reserving):
 * its row goes and its reservation is released, so it writes no event. A row already
 * settled is left alone.
 */
export async function withdrawRequest(who: { tenantId: string; userId: string | null }, requestId: string): Promise<void> {
  await withScopeSql({ kind: "tenant", tenantId: who.tenantId, userId: who.userId ?? "" }, (db) => db.query(WITHDRAW_SQL, [who.tenantId, requestId], { commit: true }));
}
