import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withStaff, withTenant } from "@/lib/db/scope";
import { getMarginOverview, type MarginOverview } from "@/lib/staff/margins";
import { assignPlan } from "@/lib/staff/plans";
import { createWorkspaceForUser } from "@/lib/tenancy/create-workspace";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/*
 * Effective-dated plan assignments (0011) and the revenue the staff console draws from them.
 * Months here are in 2014–2015, which no other test file uses; only this file's tenants'
 * rows are compared, so tenants of other files do not matter.
 */
const STARTER = 49_000_000;
const PRO = 299_000_000;

let prisma: PrismaClient;
let staff: SignUpResult;

interface AssignmentRow {
  plan_id: string;
  price: string;
  effective_from: Date;
  effective_to: Date | null;
}

const assignments = (tenantId: string) =>
  ownerQuery<AssignmentRow>(
    "SELECT plan_id, monthly_price_micros::text AS price, effective_from, effective_to FROM plan_assignments WHERE tenant_id = $1 ORDER BY effective_from",
    [tenantId],
  );

const newTenant = (label: string, planId: string, options: { isStaff?: boolean } = {}) =>
  signUp(
    { name: `${label} Owner`, email: `${unique(label.toLowerCase())}@plans.test`, password: "correct-horse-9", workspaceName: `${label} ${unique("co")}` },
    { planId, ...options },
  );

const row = (o: MarginOverview, tenantId: string) => o.tenants.find((t) => t.tenantId === tenantId);

beforeAll(async () => {
  prisma = useAppDatabase();
  staff = await newTenant("PlanStaff", "free", { isStaff: true });
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("plan assignments follow the tenant", () => {
  it("sign-up and workspace creation open the first assignment at the tenant's creation, at the plan's price", async () => {
    const t = await newTenant("Opened", "starter");
    const [created] = await ownerQuery<{ created_at: Date }>("SELECT created_at FROM tenants WHERE id = $1", [t.tenantId]);
    expect(await assignments(t.tenantId)).toEqual([{ plan_id: "starter", price: String(STARTER), effective_from: created!.created_at, effective_to: null }]);

    const second = await createWorkspaceForUser(t.userId, { workspaceName: `Second ${unique("ws")}` });
    const [secondCreated] = await ownerQuery<{ created_at: Date }>("SELECT created_at FROM tenants WHERE id = $1", [second.tenantId]);
    expect(await assignments(second.tenantId)).toEqual([{ plan_id: "free", price: "0", effective_from: secondCreated!.created_at, effective_to: null }]);
  });

  it("assignPlan closes the current assignment and opens the new one at the same instant, the moment of the change", async () => {
    const t = await newTenant("Upgrade", "starter");
    const before = Date.now();
    await assignPlan(staff.userId, t.tenantId, "professional");
    const after = Date.now();
    const rows = await assignments(t.tenantId);
    expect(rows.map((r) => r.plan_id)).toEqual(["starter", "professional"]);
    expect(rows[0]!.effective_to).toEqual(rows[1]!.effective_from);
    expect(rows[1]).toMatchObject({ price: String(PRO), effective_to: null });
    // Allow for the database's and this process's clocks rounding differently (ms columns).
    expect(rows[1]!.effective_from.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(rows[1]!.effective_from.getTime()).toBeLessThanOrEqual(after + 5);
    expect(await ownerQuery("SELECT 1 FROM staff_audit_logs WHERE tenant_id = $1 AND action = 'tenant.plan_changed'", [t.tenantId])).toHaveLength(1);
    // The same plan again changes nothing.
    await assignPlan(staff.userId, t.tenantId, "professional");
    expect(await assignments(t.tenantId)).toHaveLength(2);
  });

  it("a plan changed in the transaction that created the tenant replaces the first assignment (no zero-length row)", async () => {
    const slug = unique("same-tx-");
    // One simple query with two statements: one implicit transaction.
    await ownerQuery(`INSERT INTO tenants (slug, name, plan_id) VALUES ('${slug}', 'Same Tx', 'free'); UPDATE tenants SET plan_id = 'starter' WHERE slug = '${slug}'`);
    const [t] = await ownerQuery<{ id: string; created_at: Date }>("SELECT id, created_at FROM tenants WHERE slug = $1", [slug]);
    expect(await assignments(t!.id)).toEqual([{ plan_id: "starter", price: String(STARTER), effective_from: t!.created_at, effective_to: null }]);
  });

  it("only the triggers write assignments: staff and tenants may read (tenants only their own), never write", async () => {
    const a = await newTenant("ReaderA", "starter");
    const b = await newTenant("ReaderB", "starter");
    const seen = await withTenant(a, (tx) => tx.planAssignment.findMany({ select: { tenantId: true } }));
    expect(new Set(seen.map((r) => r.tenantId))).toEqual(new Set([a.tenantId]));
    expect(await withStaff(staff.userId, (tx) => tx.planAssignment.count({ where: { tenantId: { in: [a.tenantId, b.tenantId] } } }))).toBe(2);
    const forged = { tenantId: a.tenantId, effectiveFrom: new Date("2000-01-01T00:00:00Z"), planId: "enterprise", monthlyPriceMicros: 0n };
    await expect(withTenant(a, (tx) => tx.planAssignment.create({ data: forged }))).rejects.toThrow(/permission denied/i);
    await expect(withStaff(staff.userId, (tx) => tx.planAssignment.create({ data: forged }))).rejects.toThrow(/permission denied/i);
    await expect(withStaff(staff.userId, (tx) => tx.planAssignment.updateMany({ data: { monthlyPriceMicros: 0n } }))).rejects.toThrow(/permission denied/i);
    await expect(withTenant(a, (tx) => tx.planAssignment.deleteMany({}))).rejects.toThrow(/permission denied/i);
  });
});

describe("revenue prorated by UTC day in the staff console", () => {
  it("a tenant created on the 20th of a 31-day month counts 12/31 of its plan's price", async () => {
    const t = await newTenant("Twentieth", "starter");
    await ownerQuery("UPDATE tenants SET created_at = '2015-01-20T10:00:00Z' WHERE id = $1", [t.tenantId]);
    const jan = await getMarginOverview(staff.userId, { month: "2015-01" });
    expect(row(jan, t.tenantId)).toMatchObject({ revenueMicros: Math.round((STARTER * 12) / 31), planId: "starter", deleted: false });
    // The month before it existed does not list it; the next one bills it whole.
    expect(row(await getMarginOverview(staff.userId, { month: "2014-12" }), t.tenantId)).toBeUndefined();
    expect(row(await getMarginOverview(staff.userId, { month: "2015-02" }), t.tenantId)?.revenueMicros).toBe(STARTER);
  });

  it("an upgrade mid-month bills the old plan's days and the new plan's days, and never rewrites the month before", async () => {
    const t = await newTenant("MidMonth", "starter");
    await ownerQuery("UPDATE tenants SET created_at = '2014-11-03T08:00:00Z' WHERE id = $1", [t.tenantId]);
    const decemberBefore = row(await getMarginOverview(staff.userId, { month: "2014-12" }), t.tenantId);
    expect(decemberBefore?.revenueMicros).toBe(STARTER);
    // An upgrade at 10:00 on 15 January 2015, written as the trigger writes one (the app can only change plans now).
    await ownerQuery("UPDATE plan_assignments SET effective_to = '2015-01-15T10:00:00Z' WHERE tenant_id = $1 AND effective_to IS NULL", [t.tenantId]);
    await ownerQuery("INSERT INTO plan_assignments (tenant_id, effective_from, plan_id, monthly_price_micros) VALUES ($1, '2015-01-15T10:00:00Z', 'professional', $2)", [
      t.tenantId,
      PRO,
    ]);
    const jan = await getMarginOverview(staff.userId, { month: "2015-01" });
    expect(row(jan, t.tenantId)).toMatchObject({ revenueMicros: Math.round((STARTER * 14 + PRO * 17) / 31), planId: "professional", planName: "Professional" });
    expect(row(await getMarginOverview(staff.userId, { month: "2014-12" }), t.tenantId)).toEqual(decemberBefore);
    // The series bills the 14th to the old plan and the 15th to the new one.
    const one = await getMarginOverview(staff.userId, { month: "2015-01", tenantId: t.tenantId });
    expect(one.series.points.find((p) => p.day === "2015-01-14")?.revenueMicros).toBe(Math.round(STARTER / 31));
    expect(one.series.points.find((p) => p.day === "2015-01-15")?.revenueMicros).toBe(Math.round(PRO / 31));
  });

  it("assignPlan today leaves last month's revenue as it was and bills this month from today", async () => {
    const t = await newTenant("Today", "starter");
    const now = new Date();
    const lastMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const lastMonth = lastMonthStart.toISOString().slice(0, 7);
    await ownerQuery("UPDATE tenants SET created_at = $2 WHERE id = $1", [t.tenantId, new Date(lastMonthStart.getTime() - 86_400_000)]);
    const before = row(await getMarginOverview(staff.userId, { month: lastMonth }), t.tenantId);
    expect(before?.revenueMicros).toBe(STARTER);
    await assignPlan(staff.userId, t.tenantId, "professional");
    expect(row(await getMarginOverview(staff.userId, { month: lastMonth }), t.tenantId)).toEqual(before);
    const current = await getMarginOverview(staff.userId, { now });
    const daysSoFar = now.getUTCDate();
    const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
    // Month to date: the days before today on the old plan, today (the day of the change) on the new one.
    expect(row(current, t.tenantId)).toMatchObject({ planId: "professional", revenueMicros: Math.round((STARTER * (daysSoFar - 1) + PRO) / daysInMonth) });
  });
});
