import { z } from "zod";
import { cleanText } from "@/lib/validation/text";
import { AppError, fromZodError } from "@/lib/api/errors";
import { withStaff } from "@/lib/db/scope";
import { assertStaffActor } from "@/lib/staff/actor";
import { invalidatePlans } from "@/lib/tenancy/plans";

/**
 * Staff moves a tenant to another plan. bh_staff may UPDATE only tenants.plan_id, so this
 * is the one write it can make to a tenant. The change, its audit entry (staff_audit_logs:
 * cross-tenant, append-only, insertable only in the actor's own name) and the plan
 * assignments (the trigger on tenants.plan_id in 0011 closes the current one and opens the
 * new one at the transaction's time, so revenue is prorated from then on and no past month
 * changes) commit together or not at all.
 */
export interface PlanAssignment {
  tenantId: string;
  tenantName: string;
  previousPlanId: string;
  planId: string;
  planName: string;
  /** False when the tenant was already on that plan (nothing written). */
  changed: boolean;
}

const inputSchema = z.object({
  tenantId: z.uuid("Unknown tenant."),
  planId: cleanText().trim().min(1, "Choose a plan.").max(64),
});

interface LockedTenant {
  name: string;
  plan_id: string;
}

export async function assignPlan(staffUserId: string, tenantId: unknown, planId: unknown): Promise<PlanAssignment> {
  const parsed = inputSchema.safeParse({ tenantId, planId });
  if (!parsed.success) throw fromZodError(parsed.error);
  const input = parsed.data;

  const result = await withStaff(staffUserId, async (tx) => {
    await assertStaffActor(tx, staffUserId);
    const plan = await tx.plan.findUnique({ where: { id: input.planId }, select: { id: true, name: true } });
    if (!plan) throw new AppError("validation_failed", "That plan does not exist.", { fields: { planId: ["That plan does not exist."] } });
    // Row lock (bh_staff holds UPDATE on plan_id): two staff changing the same tenant at
    // once each see the plan they replace.
    const [tenant] = await tx.$queryRaw<LockedTenant[]>`SELECT name, plan_id FROM tenants WHERE id = ${input.tenantId}::uuid FOR UPDATE`;
    if (!tenant) throw new AppError("not_found", "Tenant not found.");
    if (tenant.plan_id !== plan.id) {
      await tx.tenant.update({ where: { id: input.tenantId }, data: { planId: plan.id }, select: { id: true } });
      await tx.staffAuditLog.createMany({
        data: [{ actorId: staffUserId, action: "tenant.plan_changed", tenantId: input.tenantId, target: plan.id, details: { from: tenant.plan_id, to: plan.id } }],
      });
    }
    return { tenantId: input.tenantId, tenantName: tenant.name, previousPlanId: tenant.plan_id, planId: plan.id, planName: plan.name, changed: tenant.plan_id !== plan.id };
  });

  if (result.changed) invalidatePlans();
  return result;
}
