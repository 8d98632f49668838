"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionResult } from "@/lib/api/action-result";
import { deleteTenant } from "@/lib/staff/delete-tenant";
import { getStaffOrThrow } from "@/lib/staff/guard";
import { assignPlan } from "@/lib/staff/plans";
import { addPrice } from "@/lib/staff/price-book";

// Server actions are public POST endpoints: the caller is checked first (a non-staff
// caller gets the same 404 as the page), then every argument is parsed with zod in lib/staff.

export interface AssignedPlanView {
  tenantId: string;
  planId: string;
  planName: string;
  changed: boolean;
}

export async function assignPlanAction(tenantId: unknown, planId: unknown): Promise<ActionResult<AssignedPlanView>> {
  return runAction(async () => {
    const staff = await getStaffOrThrow();
    const result = await assignPlan(staff.id, tenantId, planId);
    revalidatePath("/staff");
    return { tenantId: result.tenantId, planId: result.planId, planName: result.planName, changed: result.changed };
  });
}

export interface AddedPriceView {
  id: string;
  model: string;
  effectiveFrom: string;
}

export async function addPriceAction(input: unknown): Promise<ActionResult<AddedPriceView>> {
  return runAction(async () => {
    const staff = await getStaffOrThrow();
    const price = await addPrice(staff.id, input);
    revalidatePath("/staff");
    return { id: price.id, model: price.model, effectiveFrom: price.effectiveFrom.toISOString() };
  });
}

export interface DeletedTenantView {
  tenantId: string;
  name: string;
  pseudonym: string;
}

export async function deleteTenantAction(input: unknown): Promise<ActionResult<DeletedTenantView>> {
  return runAction(async () => {
    const staff = await getStaffOrThrow();
    const deleted = await deleteTenant(staff.id, input);
    revalidatePath("/staff");
    return deleted;
  });
}
