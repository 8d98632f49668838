import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import { createUser } from "@/lib/auth/users";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withAuth, withTenant } from "@/lib/db/scope";
import { deleteTenant } from "@/lib/staff/delete-tenant";
import { deletedTenantLabel, getMarginOverview } from "@/lib/staff/margins";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { foldAsOwner, insertEventsAsOwner } from "@/tests/helpers/usage-events";

/*
 * Deleting a tenant with usage: its own data goes, its billing ledger (staff rollups, plan
 * assignments) stays under a pseudonym, and no other tenant's data changes. Months are in
 * 2013, which no other test file uses.
 */
const STARTER = 49_000_000;

let prisma: PrismaClient;
let staff: SignUpResult;
let victim: SignUpResult;
let bystander: SignUpResult;

const newTenant = (label: string, planId: string, options: { isStaff?: boolean } = {}) =>
  signUp(
    { name: `${label} Owner`, email: `${unique(label.toLowerCase())}@deletion.test`, password: "correct-horse-9", workspaceName: `${label} ${unique("co")}` },
    { planId, ...options },
  );

/** Everything of one tenant, as text, from every table that holds it. */
async function snapshot(tenantId: string): Promise<Record<string, string[]>> {
  const tables = ["tenants", "memberships", "usage_events", "usage_daily", "usage_daily_tenant", "usage_monthly_tenant", "plan_assignments", "quota_usage", "audit_logs"];
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const key = table === "tenants" ? "id" : "tenant_id";
    const rows = await ownerQuery<{ r: string }>(`SELECT x::text AS r FROM ${table} x WHERE ${key} = $1 ORDER BY 1`, [tenantId]);
    out[table] = rows.map((r) => r.r);
  }
  return out;
}

beforeAll(async () => {
  prisma = useAppDatabase();
  [staff, victim, bystander] = await Promise.all([newTenant("DelStaff", "free", { isStaff: true }), newTenant("Victim", "starter"), newTenant("Bystander", "starter")]);
  await ownerQuery("UPDATE tenants SET created_at = '2013-01-01T00:00:00Z' WHERE id = ANY ($1::uuid[])", [[victim.tenantId, bystander.tenantId]]);
  await insertEventsAsOwner([
    { tenantId: victim.tenantId, userId: victim.userId, at: "2013-02-10T12:00:00Z", cost: 3_000_000 },
    { tenantId: victim.tenantId, userId: victim.userId, at: "2013-03-05T12:00:00Z", cost: 500_000, model: "claude-sonnet-4-6" },
    { tenantId: bystander.tenantId, userId: bystander.userId, at: "2013-02-11T12:00:00Z", cost: 7_000_000 },
  ]);
  await foldAsOwner();
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("deleting a tenant", () => {
  it("is refused to non-staff and without the workspace's address typed, and then nothing is deleted", async () => {
    await expect(deleteTenant(victim.userId, { tenantId: victim.tenantId, confirmSlug: victim.slug })).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteTenant(staff.userId, { tenantId: victim.tenantId, confirmSlug: "not-it" })).rejects.toMatchObject({
      code: "validation_failed",
      fields: { confirmSlug: [expect.stringContaining(victim.slug)] },
    });
    await expect(deleteTenant(staff.userId, { tenantId: "00000000-0000-4000-8000-00000000dead", confirmSlug: "x" })).rejects.toMatchObject({ code: "not_found" });
    expect((await snapshot(victim.tenantId)).tenants).toHaveLength(1);
  });

  it("works for a tenant with usage: its data goes, staff months keep its cost and revenue under a pseudonym, nobody else's data changes", async () => {
    const feb = await getMarginOverview(staff.userId, { month: "2013-02" });
    const before = feb.tenants.find((t) => t.tenantId === victim.tenantId);
    expect(before).toMatchObject({ costMicros: 3_000_000, revenueMicros: STARTER, deleted: false });
    const othersBefore = await snapshot(bystander.tenantId);
    // A late event still queued (not folded) at the moment of deletion reaches the ledger too.
    await insertEventsAsOwner([{ tenantId: victim.tenantId, userId: victim.userId, at: "2013-02-20T12:00:00Z", cost: 1_000 }]);

    const deleted = await deleteTenant(staff.userId, { tenantId: victim.tenantId, confirmSlug: victim.slug });
    expect(deleted).toEqual({ tenantId: victim.tenantId, name: expect.stringContaining("Victim"), pseudonym: deletedTenantLabel(victim.tenantId) });
    expect(deleted.pseudonym).toMatch(/^Deleted workspace [0-9a-f]{6}$/);

    const after = await snapshot(victim.tenantId);
    for (const table of ["tenants", "memberships", "usage_events", "usage_daily", "quota_usage", "audit_logs"]) expect(after[table], table).toEqual([]);
    expect(after.usage_monthly_tenant).toHaveLength(2);
    expect(after.plan_assignments).toHaveLength(1);
    const [closed] = await ownerQuery<{ effective_to: Date | null }>("SELECT effective_to FROM plan_assignments WHERE tenant_id = $1", [victim.tenantId]);
    expect(closed!.effective_to).not.toBeNull();

    const febAfter = await getMarginOverview(staff.userId, { month: "2013-02" });
    expect(febAfter.tenants.find((t) => t.tenantId === victim.tenantId)).toMatchObject({
      name: deletedTenantLabel(victim.tenantId),
      slug: null,
      deleted: true,
      planId: "starter",
      costMicros: 3_001_000,
      revenueMicros: STARTER,
    });
    const mar = await getMarginOverview(staff.userId, { month: "2013-03" });
    expect(mar.tenants.find((t) => t.tenantId === victim.tenantId)).toMatchObject({ deleted: true, costMicros: 500_000, revenueMicros: STARTER });

    expect(await snapshot(bystander.tenantId)).toEqual(othersBefore);
    expect(febAfter.tenants.find((t) => t.tenantId === bystander.tenantId)).toEqual(feb.tenants.find((t) => t.tenantId === bystander.tenantId));

    const audit = await ownerQuery<{ actor_id: string; target: string; details: { name: string; slug: string; by: string } }>(
      "SELECT actor_id, target, details FROM staff_audit_logs WHERE action = 'tenant.deleted' AND target = $1",
      [victim.tenantId],
    );
    expect(audit).toEqual([{ actor_id: staff.userId, target: victim.tenantId, details: expect.objectContaining({ slug: victim.slug, by: "staff" }) }]);
    // The people stay: a user is not a tenant's data.
    expect(await ownerQuery("SELECT 1 FROM users WHERE id = $1", [victim.userId])).toHaveLength(1);
  });
});

describe("delete_tenant() in a tenant scope", () => {
  it("lets the workspace's owner delete it, and refuses an admin and another workspace", async () => {
    const mine = await newTenant("OwnDelete", "starter");
    const adminId = (await withAuth((tx) => createUser(tx, { email: `${unique("adm")}@deletion.test`, name: "Ada Admin", passwordHash: "x" }))).id;
    await withTenant(mine, (tx) => tx.membership.create({ data: { tenantId: mine.tenantId, userId: adminId, role: "admin" } }));
    const call = (tenantId: string, userId: string, target: string) =>
      withTenant({ tenantId, userId }, (tx) => tx.$queryRaw<Array<{ deleted: boolean }>>`SELECT delete_tenant(${target}::uuid) AS deleted`);

    await expect(call(mine.tenantId, adminId, mine.tenantId)).rejects.toThrow(/only the workspace's owner/);
    await expect(call(mine.tenantId, mine.userId, bystander.tenantId)).rejects.toThrow(/only the workspace's owner/);
    expect(await ownerQuery("SELECT 1 FROM tenants WHERE id = $1", [bystander.tenantId])).toHaveLength(1);

    expect(await call(mine.tenantId, mine.userId, mine.tenantId)).toEqual([{ deleted: true }]);
    expect(await ownerQuery("SELECT 1 FROM tenants WHERE id = $1", [mine.tenantId])).toEqual([]);
    const [audit] = await ownerQuery<{ actor_id: string; details: { by: string } }>("SELECT actor_id, details FROM staff_audit_logs WHERE action = 'tenant.deleted' AND target = $1", [
      mine.tenantId,
    ]);
    expect(audit).toMatchObject({ actor_id: mine.userId, details: { by: "owner" } });
  });
});
