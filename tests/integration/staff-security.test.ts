import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withStaff } from "@/lib/db/scope";
import { listStaffAnomalies } from "@/lib/staff/anomalies";
import { listSecurityCounts } from "@/lib/staff/security";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let staffId: string;
let spiky: { tenantId: string };
let quiet: { tenantId: string };

const NOW = new Date("2031-03-15T12:30:00Z");
const HOUR = new Date("2031-03-15T09:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

async function event(tenantId: string, verdict: "flag" | "block" | "cut", at: Date): Promise<void> {
  await ownerQuery("INSERT INTO security_events (tenant_id, source, verdict, score, reasons, excerpt, created_at) VALUES ($1, 'chat', $2, 80, '{override.en}', 'secret excerpt', $3)", [tenantId, verdict, at]);
}

beforeAll(async () => {
  prisma = useAppDatabase();
  const staff = await signUp({ name: "Sec Staff", email: `${unique("sec-staff")}@staff.test`, password: "long-enough-1", workspaceName: "Staff Home" });
  await ownerQuery("UPDATE users SET is_staff = true WHERE id = $1", [staff.userId]);
  staffId = staff.userId;
  const s = await signUp({ name: "Spiky", email: `${unique("spiky")}@staff.test`, password: "long-enough-1", workspaceName: "Spiky Co" });
  const q = await signUp({ name: "Quiet", email: `${unique("quiet")}@staff.test`, password: "long-enough-1", workspaceName: "Quiet Co" });
  spiky = { tenantId: s.tenantId };
  quiet = { tenantId: q.tenantId };
  // Spiky: two events in the anomaly's hour, one the hour after, one 10 days ago, one 40 days ago.
  await event(spiky.tenantId, "flag", new Date("2031-03-15T09:05:00Z"));
  await event(spiky.tenantId, "block", new Date("2031-03-15T09:55:00Z"));
  await event(spiky.tenantId, "cut", new Date("2031-03-15T10:00:00Z"));
  await event(spiky.tenantId, "flag", ago(10));
  await event(spiky.tenantId, "block", ago(40));
  await event(quiet.tenantId, "flag", ago(2));
  await ownerQuery("INSERT INTO anomalies (tenant_id, hour_start, tokens, baseline_tokens_per_hour, ratio) VALUES ($1, $2, 900000, 1000, 900), ($3, $2, 5000, 1000, 5)", [
    spiky.tenantId,
    HOUR,
    quiet.tenantId,
  ]);
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("staff security counts", () => {
  it("counts each tenant's events by verdict over 7 and 30 days", async () => {
    const counts = await listSecurityCounts(staffId, { now: NOW });
    const s = counts.find((c) => c.tenantId === spiky.tenantId);
    const q = counts.find((c) => c.tenantId === quiet.tenantId);
    expect(s).toMatchObject({ tenantName: "Spiky Co", flagged7d: 1, blocked7d: 1, cut7d: 1, total30d: 4 });
    expect(s!.lastAt.toISOString()).toBe("2031-03-15T10:00:00.000Z");
    expect(q).toMatchObject({ flagged7d: 1, blocked7d: 0, cut7d: 0, total30d: 1 });
    // Most events first.
    expect(counts.indexOf(s!)).toBeLessThan(counts.indexOf(q!));
  });

  it("shows security events of the same hour next to a usage anomaly", async () => {
    const anomalies = await listStaffAnomalies(staffId, { since: new Date("2031-03-01T00:00:00Z") });
    expect(anomalies.find((a) => a.tenantId === spiky.tenantId)?.securityEvents).toBe(2);
    expect(anomalies.find((a) => a.tenantId === quiet.tenantId)?.securityEvents).toBe(0);
  });

  it("gives staff no access to excerpts or reasons", async () => {
    await expect(withStaff(staffId, (tx) => tx.$queryRawUnsafe("SELECT excerpt FROM security_events LIMIT 1"))).rejects.toThrow(/permission denied/);
    await expect(withStaff(staffId, (tx) => tx.$queryRawUnsafe("SELECT reasons FROM security_events LIMIT 1"))).rejects.toThrow(/permission denied/);
  });
});
