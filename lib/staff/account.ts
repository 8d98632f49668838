import { withStaff } from "@/lib/db/scope";
import { checkOversubscription, getAccountHeadroom, type Oversubscription } from "@/lib/limits/account-headroom";
import { ACCOUNT_METRICS, effectiveUtilisation, type AccountMetric } from "@/lib/limits/account-snapshot";

/**
 * The Anthropic account as staff sees it: the latest rate-limit snapshot per metric, the
 * 50/70/90 % alert history, and how far the plans sold exceed the account's limits.
 */
export interface MetricHeadroom {
  metric: AccountMetric;
  limit: number;
  remaining: number;
  /** 0..1; a metric past its reset counts as replenished. */
  utilisation: number;
  reset: Date | null;
}

export interface AlertRecord {
  id: string;
  metric: string;
  level: number;
  utilisation: number;
  limit: number;
  remaining: number;
  raisedAt: Date;
  clearedAt: Date | null;
}

export interface AccountOverview {
  /** When the snapshot was taken; null when no recent response reported the headers. */
  observedAt: Date | null;
  metrics: MetricHeadroom[];
  alerts: AlertRecord[];
  oversubscription: Oversubscription;
}

export async function getAccountOverview(staffUserId: string, options: { alertLimit?: number; now?: Date } = {}): Promise<AccountOverview> {
  const now = options.now ?? new Date();
  const take = Math.min(Math.max(options.alertLimit ?? 50, 1), 500);
  const snapshot = await getAccountHeadroom();
  const [alerts, oversubscription] = await Promise.all([
    withStaff(staffUserId, (tx) => tx.accountAlert.findMany({ orderBy: [{ raisedAt: "desc" }, { id: "desc" }], take })),
    checkOversubscription({ snapshot, actorId: staffUserId }),
  ]);
  const metrics: MetricHeadroom[] = [];
  for (const metric of ACCOUNT_METRICS) {
    const m = snapshot?.metrics[metric];
    if (m) metrics.push({ metric, limit: m.limit, remaining: m.remaining, utilisation: effectiveUtilisation(m, now), reset: m.reset });
  }
  return {
    observedAt: snapshot?.observedAt ?? null,
    metrics,
    alerts: alerts.map((a) => ({
      id: a.id.toString(),
      metric: a.metric,
      level: a.level,
      utilisation: a.utilisation,
      limit: Number(a.limitValue),
      remaining: Number(a.remaining),
      raisedAt: a.raisedAt,
      clearedAt: a.clearedAt,
    })),
    oversubscription,
  };
}
