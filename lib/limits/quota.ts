import { AppError } from "@/lib/api/errors";
import { literal, type ScopedSql } from "@/lib/db/sql";

/**
 * Monthly token quota with reservation (see migration 0004_quota). The reservation is one
 * conditional UPDATE: PostgreSQL takes the row lock and re-checks the condition against
 * the latest row, so concurrent requests can never reserve past the quota.
 */
export interface QuotaReservation {
  tenantId: string;
  period: Date;
  tokens: number;
  quota: number;
}

export const QUOTA_NOTICE_LEVELS = [
  { kind: "quota_80", fraction: 0.8, message: "Your workspace has used 80% of this month's token quota." },
  { kind: "quota_100", fraction: 1, message: "Your workspace has used all of this month's token quota. Chat is paused until next month or a plan upgrade." },
] as const;

/** First day of the billing month, UTC. */
export function billingPeriod(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function nextPeriod(period: Date): Date {
  return new Date(Date.UTC(period.getUTCFullYear(), period.getUTCMonth() + 1, 1));
}

interface Row {
  used_tokens: string;
  reserved_tokens: string;
}

/** A date-only column value for the billing period. */
function day(period: Date): string {
  return period.toISOString().slice(0, 10);
}

/**
 * Reserves `tokens` inside the caller's tenant transaction, or throws a 429 naming the
 * quota. One upsert: the month's first request creates the row, later ones add to it only
 * if the sum stays within the quota (checked on the locked, latest row).
 */
export async function reserveQuota(
  db: ScopedSql,
  input: { tenantId: string; quota: number; tokens: number; at: Date },
  options: { commit?: boolean } = {},
): Promise<QuotaReservation> {
  const period = billingPeriod(input.at);
  const rows = await db.query<Row>(
    `INSERT INTO quota_usage (tenant_id, period, reserved_tokens)
     SELECT $1, $2::date, $3 WHERE $3 <= $4
     ON CONFLICT (tenant_id, period) DO UPDATE
        SET reserved_tokens = quota_usage.reserved_tokens + EXCLUDED.reserved_tokens, updated_at = now()
      WHERE quota_usage.used_tokens + quota_usage.reserved_tokens + EXCLUDED.reserved_tokens <= $4
     RETURNING used_tokens, reserved_tokens`,
    [input.tenantId, day(period), input.tokens, input.quota],
    options,
  );
  if (rows.length === 0) {
    const retryAfterSeconds = Math.max(1, Math.ceil((nextPeriod(period).getTime() - input.at.getTime()) / 1000));
    throw new AppError("rate_limited", "Your workspace has used this month's token quota. Ask an admin to upgrade the plan.", {
      headers: { "Retry-After": String(retryAfterSeconds) },
      extra: { limit: "monthly_quota", retryAfterSeconds },
    });
  }
  return { tenantId: input.tenantId, period, tokens: input.tokens, quota: input.quota };
}

/**
 * Turns the reservation into actual usage (completed, aborted or failed alike) inside the
 * transaction that records the call, and leaves notices at 80 % and 100 % — one statement.
 */
export async function settleQuota(
  db: ScopedSql,
  reservation: QuotaReservation,
  actualTokens: number,
  options: { commit?: boolean } = {},
): Promise<{ usedTokens: number; notices: string[] }> {
  const levels = QUOTA_NOTICE_LEVELS.map((l) => `(${literal(l.kind)}, ${l.fraction}::float8, ${literal(l.message)})`).join(", ");
  const [row] = await db.query<{ used_tokens: string | null; notices: string[] }>(
    `WITH s AS (
       UPDATE quota_usage
          SET reserved_tokens = GREATEST(reserved_tokens - $3, 0), used_tokens = used_tokens + $4, updated_at = now()
        WHERE tenant_id = $1 AND period = $2::date
       RETURNING used_tokens
     ), n AS (
       INSERT INTO tenant_notices (tenant_id, kind, period, message)
       SELECT $1, l.kind, $2::date, l.message
         FROM s, (VALUES ${levels}) AS l(kind, fraction, message)
        WHERE s.used_tokens >= $5 * l.fraction AND s.used_tokens - $4 < $5 * l.fraction
       ON CONFLICT (tenant_id, kind, period) DO NOTHING
       RETURNING kind
     )
     SELECT (SELECT used_tokens FROM s) AS used_tokens, ARRAY(SELECT kind FROM n) AS notices`,
    [reservation.tenantId, day(reservation.period), reservation.tokens, actualTokens, reservation.quota],
    options,
  );
  return { usedTokens: Number(row?.used_tokens ?? 0), notices: row?.notices ?? [] };
}

/** Gives a reservation back when the request is refused after reserving (e.g. tokens/min). */
export async function releaseQuota(db: ScopedSql, reservation: QuotaReservation): Promise<void> {
  await db.query(
    `UPDATE quota_usage SET reserved_tokens = GREATEST(reserved_tokens - $3, 0), updated_at = now() WHERE tenant_id = $1 AND period = $2::date`,
    [reservation.tenantId, day(reservation.period), reservation.tokens],
    { commit: true },
  );
}

/** Tokens a call counts against the quota: everything the model processed. */
export function quotaTokens(usage: { inputTokens: number; outputTokens: number; cacheWriteTokens: number; cacheReadTokens: number }): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
}
