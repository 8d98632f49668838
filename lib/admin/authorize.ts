import { AppError } from "@/lib/api/errors";
import type { Role } from "@/lib/db/generated/enums";
import type { TenantContext, Tx } from "@/lib/db/scope";
import { hasRole } from "@/lib/tenancy/workspace";

/**
 * The actor's role, re-read inside the transaction that acts on it: a role revoked a
 * moment ago no longer counts. Not a member → 404 (the workspace is invisible to them);
 * a member below `minRole` → 403.
 */
export async function requireTenantRole(tx: Tx, actor: TenantContext, minRole: Role, message = "Only admins and owners can do this."): Promise<Role> {
  const membership = await tx.membership.findUnique({
    where: { tenantId_userId: { tenantId: actor.tenantId, userId: actor.userId } },
    select: { role: true },
  });
  if (!membership) throw new AppError("not_found", "Workspace not found.");
  if (!hasRole(membership.role, minRole)) throw new AppError("forbidden", message);
  return membership.role;
}

/** Names of the given users that this tenant's scope can see (current members). */
export async function userNames(tx: Tx, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const users = await tx.user.findMany({ where: { id: { in: wanted } }, select: { id: true, name: true } });
  return new Map(users.map((u) => [u.id, u.name]));
}
