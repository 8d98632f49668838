import { z } from "zod";
import { cleanText } from "@/lib/validation/text";
import { AppError, fromZodError } from "@/lib/api/errors";
import { withStaff } from "@/lib/db/scope";
import { assertStaffActor } from "@/lib/staff/actor";
import { deletedTenantLabel } from "@/lib/staff/margins";

/**
 * Staff deletes a workspace: its members lose it, its conversations, knowledge, settings,
 * events and tenant-local rollups go (ON DELETE CASCADE). What stays is the billing ledger,
 * keyed by the tenant's id alone: the staff usage rollups and its plan assignments (closed
 * now), so past months' cost and revenue are not rewritten; the console shows them under
 * a pseudonym. delete_tenant() (0011) folds queued usage first, checks the actor is staff,
 * writes the staff_audit_logs entry and deletes, in one transaction.
 */
export interface DeletedTenant {
  tenantId: string;
  name: string;
  /** What the staff console calls it from now on. */
  pseudonym: string;
}

const inputSchema = z.object({
  tenantId: z.uuid("Unknown tenant."),
  /** The workspace's slug, typed by the person deleting it. */
  confirmSlug: cleanText().trim().min(1, "Type the workspace's address to confirm."),
});

export async function deleteTenant(staffUserId: string, input: unknown): Promise<DeletedTenant> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  const { tenantId, confirmSlug } = parsed.data;

  return withStaff(staffUserId, async (tx) => {
    await assertStaffActor(tx, staffUserId);
    const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { name: true, slug: true } });
    if (!tenant) throw new AppError("not_found", "Tenant not found.");
    if (tenant.slug !== confirmSlug) {
      const message = `Type ${tenant.slug} to confirm.`;
      throw new AppError("validation_failed", message, { fields: { confirmSlug: [message] } });
    }
    const [row] = await tx.$queryRaw<Array<{ deleted: boolean }>>`SELECT delete_tenant(${tenantId}::uuid) AS deleted`;
    if (!row?.deleted) throw new AppError("not_found", "Tenant not found.");
    return { tenantId, name: tenant.name, pseudonym: deletedTenantLabel(tenantId) };
  });
}
