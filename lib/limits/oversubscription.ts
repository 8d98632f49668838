import { withStaff } from "@/lib/db/scope";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";
import { getAccountHeadroom } from "./account-headroom";
import type { AccountSnapshot } from "./account-snapshot";

/**
 * Staff check: how far the plans sold exceed what the Anthropic account can serve. Every
 * tenant's plan requests/min and tokens/min, summed, against the account's limits from the
 * latest headers. A ratio above 1 is normal (tenants rarely peak together); the staff
 * console shows how far above.
 */
export interface Oversubscription {
  tenants: number;
  sumRpm: number;
  sumTpm: number;
  /** null when no recent snapshot reports the limit. */
  accountRpm: number | null;
  accountTpm: number | null;
  /** sum / account limit; null when the account limit is unknown. */
  rpmRatio: number | null;
  tpmRatio: number | null;
}

export interface OversubscriptionOptions {
  /** The account's state; defaults to the latest shared snapshot. Pass null for "unknown". */
  snapshot?: AccountSnapshot | null;
  /** The staff member asking (recorded as app.user_id). */
  actorId?: string;
}

interface SumRow {
  tenants: number;
  sum_rpm: bigint;
  sum_tpm: bigint;
}

/**
 * The account's tokens/min: the combined `tokens` limit when reported; otherwise input plus
 * output limits, the most the two separate limits can let through together.
 */
function accountTokensPerMinute(snapshot: AccountSnapshot): number | null {
  const { tokens, input_tokens: input, output_tokens: output } = snapshot.metrics;
  if (tokens) return tokens.limit;
  return input && output ? input.limit + output.limit : null;
}

export async function checkOversubscription(options: OversubscriptionOptions = {}): Promise<Oversubscription> {
  const snapshot = options.snapshot === undefined ? await getAccountHeadroom() : options.snapshot;
  const [row] = await withStaff(options.actorId ?? SYSTEM_ACTOR_ID, (tx) =>
    tx.$queryRaw<SumRow[]>`
      SELECT count(*)::int AS tenants,
             COALESCE(sum(p.requests_per_minute), 0)::bigint AS sum_rpm,
             COALESCE(sum(p.tokens_per_minute), 0)::bigint AS sum_tpm
      FROM tenants t JOIN plans p ON p.id = t.plan_id`,
  );
  const sumRpm = Number(row?.sum_rpm ?? 0n);
  const sumTpm = Number(row?.sum_tpm ?? 0n);
  const accountRpm = snapshot?.metrics.requests?.limit ?? null;
  const accountTpm = snapshot ? accountTokensPerMinute(snapshot) : null;
  return {
    tenants: row?.tenants ?? 0,
    sumRpm,
    sumTpm,
    accountRpm,
    accountTpm,
    rpmRatio: accountRpm === null ? null : sumRpm / accountRpm,
    tpmRatio: accountTpm === null ? null : sumTpm / accountTpm,
  };
}
