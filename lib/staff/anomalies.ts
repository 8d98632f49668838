import { withStaff } from "@/lib/db/scope";
import { hourKey, securityEventsInHours } from "@/lib/staff/security";
import { listAnomalies, type AnomalyRecord } from "@/lib/usage/anomalies";

export interface StaffAnomaly extends AnomalyRecord {
  tenantName: string | null;
  tenantSlug: string | null;
  /** Security events (flagged, blocked, cut turns) of this tenant in the same hour. */
  securityEvents: number;
}

/** The newest anomaly flags across tenants, with each tenant's name for the console. */
export async function listStaffAnomalies(staffUserId: string, options: { limit?: number; since?: Date } = {}): Promise<StaffAnomaly[]> {
  const flags = await listAnomalies({ kind: "staff", userId: staffUserId }, { limit: options.limit ?? 50, since: options.since });
  if (flags.length === 0) return [];
  const ids = [...new Set(flags.map((f) => f.tenantId))];
  const [tenants, security] = await Promise.all([
    withStaff(staffUserId, (tx) => tx.tenant.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, slug: true } })),
    securityEventsInHours(staffUserId, flags),
  ]);
  const byId = new Map(tenants.map((t) => [t.id, t]));
  return flags.map((f) => ({
    ...f,
    tenantName: byId.get(f.tenantId)?.name ?? null,
    tenantSlug: byId.get(f.tenantId)?.slug ?? null,
    securityEvents: security.get(hourKey(f.tenantId, f.hourStart)) ?? 0,
  }));
}
