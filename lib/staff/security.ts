import { withStaff } from "@/lib/db/scope";

/**
 * Security events across tenants for the staff console: counts only. The staff role can
 * read the verdict, score, source and time of an event and nothing of its content (column
 * grants in 0013_security_events), so these queries name those columns and no others.
 */
export interface TenantSecurityCounts {
  tenantId: string;
  tenantName: string | null;
  tenantSlug: string | null;
  /** Last 7 days, by verdict. */
  flagged7d: number;
  blocked7d: number;
  cut7d: number;
  /** Last 30 days, all verdicts. */
  total30d: number;
  lastAt: Date;
}

interface CountRow {
  tenant_id: string;
  name: string | null;
  slug: string | null;
  flagged_7d: bigint;
  blocked_7d: bigint;
  cut_7d: bigint;
  total_30d: bigint;
  last_at: Date;
}

/** Tenants with events in the last 30 days, most events first. */
export async function listSecurityCounts(staffUserId: string, options: { now?: Date; limit?: number } = {}): Promise<TenantSecurityCounts[]> {
  const now = options.now ?? new Date();
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const since30 = new Date(now.getTime() - 30 * 86_400_000);
  const since7 = new Date(now.getTime() - 7 * 86_400_000);
  const rows = await withStaff(staffUserId, (tx) => tx.$queryRaw<CountRow[]>`
    SELECT e.tenant_id::text AS tenant_id, t.name, t.slug,
           count(*) FILTER (WHERE e.verdict = 'flag' AND e.created_at >= ${since7}) AS flagged_7d,
           count(*) FILTER (WHERE e.verdict = 'block' AND e.created_at >= ${since7}) AS blocked_7d,
           count(*) FILTER (WHERE e.verdict = 'cut' AND e.created_at >= ${since7}) AS cut_7d,
           count(*) AS total_30d,
           max(e.created_at) AS last_at
      FROM security_events e LEFT JOIN tenants t ON t.id = e.tenant_id
     WHERE e.created_at >= ${since30} AND e.created_at <= ${now}
     GROUP BY e.tenant_id, t.name, t.slug
     ORDER BY count(*) DESC, max(e.created_at) DESC
     LIMIT ${limit}`);
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    tenantName: r.name,
    tenantSlug: r.slug,
    flagged7d: Number(r.flagged_7d),
    blocked7d: Number(r.blocked_7d),
    cut7d: Number(r.cut_7d),
    total30d: Number(r.total_30d),
    lastAt: r.last_at,
  }));
}

/**
 * Security events per (tenant, UTC hour) for the given hours: the anomaly list shows them
 * next to a usage spike, so a spike that came with injection attempts stands out.
 */
export async function securityEventsInHours(staffUserId: string, hours: readonly { tenantId: string; hourStart: Date }[]): Promise<Map<string, number>> {
  if (hours.length === 0) return new Map();
  const tenantIds = hours.map((h) => h.tenantId);
  const starts = hours.map((h) => h.hourStart);
  const rows = await withStaff(staffUserId, (tx) => tx.$queryRaw<Array<{ tenant_id: string; hour_start: Date; events: bigint }>>`
    SELECT h.tenant_id::text AS tenant_id, h.hour_start, count(e.id) AS events
      FROM unnest(${tenantIds}::uuid[], ${starts}::timestamptz[]) AS h (tenant_id, hour_start)
      JOIN security_events e
        ON e.tenant_id = h.tenant_id AND e.created_at >= h.hour_start AND e.created_at < h.hour_start + interval '1 hour'
     GROUP BY h.tenant_id, h.hour_start`);
  return new Map(rows.map((r) => [hourKey(r.tenant_id, r.hour_start), Number(r.events)]));
}

export function hourKey(tenantId: string, hourStart: Date): string {
  return `${tenantId}@${hourStart.toISOString()}`;
}
