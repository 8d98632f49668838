import { AppError } from "@/lib/api/errors";
import type { Tx } from "@/lib/db/scope";

/**
 * Inside a staff-scoped transaction: the acting user must be staff. The database role
 * alone does not know who is staff (withStaff switches to bh_staff for any id), so lib/staff
 * checks the flag itself instead of trusting every caller to have run the page guard.
 */
export async function assertStaffActor(tx: Tx, userId: string): Promise<void> {
  const user = await tx.user.findUnique({ where: { id: userId }, select: { isStaff: true } });
  if (!user?.isStaff) throw new AppError("not_found", "Not found.");
}
