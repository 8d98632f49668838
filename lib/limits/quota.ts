import { AppError } from "@/lib/api/errors";
import type { SqlClient } from "@/lib/db/sql";

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

/** Reserves `tokens` inside the caller's tenant transaction, or throws a 429 naming the quota. */
export async function reserveQuota(db: SqlClient, input: { tenantId: string; quota: number; tokens: number; at: Date }): Promise<QuotaReservation> {
  const period = billingPeriod(input.at);
  const reserve = async () =>
    (
      await db.query<Row>(
        `UPDATE quota_usage
            SET reserved_tokens = reserved_tokens + $3, updated_at = now()
          WHERE tenant_id = $1 AND period = $2 AND used_tokens + reserved_tokens + $3 <= $4
         RETURNING used_tokens, reserved_tokens`,
        [input.tenantId, day(period), input.tokens, input.quota],
      )
    ).rows;

  let rows = await reserve();
  if (rows.length === 0) {
    // The month's first request creates the row (a concurrent one may win that race;
    // ON CONFLICT waits for it), then every request tries once more.
    await db.query(`INSERT INTO quota_usage (tenant_id, period) VALUES ($1, $2) ON CONFLICT (tenant_id, period) DO NOTHING`, [input.tenantId, day(period)]);
    rows = await reserve();
  }
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
 * transaction that records the call, and leaves notices at 80 % and 100 %.
 */
export async function settleQuota(db: SqlClient, reservation: QuotaReservation, actualTokens: number): Promise<{ usedTokens: number }> {
  const {
    rows: [row],
  } = await db.query<Row>(
    `UPDATE quota_usage
        SET reserved_tokens = GREATEST(reserved_tokens - $3, 0), used_tokens = used_tokens + $4, updated_at = now()
      WHERE tenant_id = $1 AND period = $2
     RETURNING used_tokens, reserved_tokens`,
    [reservation.tenantId, day(reservation.period), reservation.tokens, actualTokens],
  );
  const used = Number(row?.used_tokens ?? 0);
  const before = used - actualTokens;
  for (const level of QUOTA_NOTICE_LEVELS) {
    const threshold = reservation.quota * level.fraction;
    if (used >= threshold && before < threshold) {
      await db.query(
        `INSERT INTO tenant_notices (tenant_id, kind, period, message) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, kind, period) DO NOTHING`,
        [reservation.tenantId, level.kind, day(reservation.period), level.message],
      );
    }
  }
  return { usedTokens: used };
}

/** Gives a reservation back when the request is refused after reserving (e.g. tokens/min). */
export async function releaseQuota(db: SqlClient, reservation: QuotaReservation): Promise<void> {
  await db.query(
    `UPDATE quota_usage SET reserved_tokens = GREATEST(reserved_tokens - $3, 0), updated_at = now() WHERE tenant_id = $1 AND period = $2`,
    [reservation.tenantId, day(reservation.period), reservation.tokens],
  );
}

/** Tokens a call counts against the quota: everything the model processed. */
export function quotaTokens(usage: { inputTokens: number; outputTokens: number; cacheWriteTokens: number; cacheReadTokens: number }): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
}
