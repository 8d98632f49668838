import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import type { Role } from "@/lib/db/generated/enums";
import { withTenant, type TenantContext, type Tx } from "@/lib/db/scope";
import { hasRole } from "@/lib/tenancy/workspace";

/**
 * Role changes and removals. Row-level security (0010) already refuses members, admins
 * touching owners and anyone granting owner without being one; the rules are checked here
 * too, for clear messages and for the last-owner rule, inside the same transaction as the
 * write, on rows locked FOR UPDATE: two owners demoting each other at once are serialised,
 * and the second sees that only one owner is left.
 */
export const ROLES = ["owner", "admin", "member"] as const satisfies readonly Role[];

export const MEMBER_MESSAGES = {
  onlyAdmins: "Only admins and owners can manage members.",
  onlyOwners: "Only owners can grant or remove the owner role.",
  onlyOwnersRemoveOwner: "Only owners can remove an owner.",
  lastOwner: "A workspace needs at least one owner. Make someone else an owner first.",
  lastOwnerLeave: "You’re the last owner. Make someone else an owner before you leave.",
  notFound: "Member not found.",
} as const;

export interface RoleChange {
  userId: string;
  from: Role;
  to: Role;
  /** False when the member already had the role: nothing was written. */
  changed: boolean;
}

export interface Removal {
  userId: string;
  role: Role;
  /** The actor removed themselves (left the workspace). */
  left: boolean;
}

const changeRoleSchema = z.object({
  userId: z.uuid({ error: "Member not found." }),
  role: z.enum(ROLES, { error: "Choose owner, admin or member." }),
});
const userIdSchema = z.uuid({ error: "Member not found." });

interface LockedMembership {
  userId: string;
  role: Role;
}

/**
 * Locks the tenant's owner rows plus the actor's and the target's, in user_id order (one
 * statement, one lock order: concurrent callers queue instead of deadlocking). Under READ
 * COMMITTED a row updated while we waited is re-read, so counts reflect committed changes.
 */
async function lockMemberships(tx: Tx, tenantId: string, actorId: string, targetId: string): Promise<Map<string, LockedMembership>> {
  const rows = await tx.$queryRaw<LockedMembership[]>`
    SELECT user_id::text AS "userId", role::text AS role
    FROM memberships
    WHERE tenant_id = ${tenantId}::uuid
      AND (role = 'owner' OR user_id = ${actorId}::uuid OR user_id = ${targetId}::uuid)
    ORDER BY user_id
    FOR UPDATE`;
  return new Map(rows.map((r) => [r.userId, r]));
}

const ownerCount = (locked: Map<string, LockedMembership>) => [...locked.values()].filter((m) => m.role === "owner").length;

async function describeUser(tx: Tx, userId: string): Promise<{ name: string; email: string } | null> {
  return tx.user.findUnique({ where: { id: userId }, select: { name: true, email: true } });
}

export async function changeRole(actor: TenantContext, userId: string, role: Role): Promise<RoleChange> {
  const input = changeRoleSchema.parse({ userId, role });
  return withTenant(actor, async (tx) => {
    const locked = await lockMemberships(tx, actor.tenantId, actor.userId, input.userId);
    const me = locked.get(actor.userId);
    if (!me) throw new AppError("not_found", "Workspace not found.");
    if (!hasRole(me.role, "admin")) throw new AppError("forbidden", MEMBER_MESSAGES.onlyAdmins);
    const target = locked.get(input.userId);
    if (!target) throw new AppError("not_found", MEMBER_MESSAGES.notFound);
    if (target.role === input.role) return { userId: input.userId, from: target.role, to: input.role, changed: false };
    if ((target.role === "owner" || input.role === "owner") && me.role !== "owner") throw new AppError("forbidden", MEMBER_MESSAGES.onlyOwners);
    if (target.role === "owner" && ownerCount(locked) <= 1) throw new AppError("conflict", MEMBER_MESSAGES.lastOwner);

    await tx.membership.update({ where: { tenantId_userId: { tenantId: actor.tenantId, userId: input.userId } }, data: { role: input.role } });
    const who = await describeUser(tx, input.userId);
    await tx.auditLog.create({
      data: {
        tenantId: actor.tenantId,
        actorId: actor.userId,
        action: "member.role_changed",
        target: `user:${input.userId}`,
        details: { from: target.role, to: input.role, name: who?.name ?? null, email: who?.email ?? null },
      },
    });
    return { userId: input.userId, from: target.role, to: input.role, changed: true };
  });
}

/**
 * Removes a member, or lets anyone leave (userId = themselves). Their conversations in this
 * workspace go with the membership (foreign key, ON DELETE CASCADE).
 */
export async function removeMember(actor: TenantContext, userId: string): Promise<Removal> {
  const targetId = userIdSchema.parse(userId);
  const left = targetId === actor.userId;
  return withTenant(actor, async (tx) => {
    const locked = await lockMemberships(tx, actor.tenantId, actor.userId, targetId);
    const me = locked.get(actor.userId);
    if (!me) throw new AppError("not_found", "Workspace not found.");
    if (!left && !hasRole(me.role, "admin")) throw new AppError("forbidden", MEMBER_MESSAGES.onlyAdmins);
    const target = locked.get(targetId);
    if (!target) throw new AppError("not_found", MEMBER_MESSAGES.notFound);
    if (!left && target.role === "owner" && me.role !== "owner") throw new AppError("forbidden", MEMBER_MESSAGES.onlyOwnersRemoveOwner);
    if (target.role === "owner" && ownerCount(locked) <= 1) throw new AppError("conflict", left ? MEMBER_MESSAGES.lastOwnerLeave : MEMBER_MESSAGES.lastOwner);

    // Read and audit before the delete: afterwards the user is no longer visible to this
    // tenant, and a member who left no longer has a scope that may write its audit log.
    const who = await describeUser(tx, targetId);
    await tx.auditLog.create({
      data: {
        tenantId: actor.tenantId,
        actorId: actor.userId,
        action: left ? "member.left" : "member.removed",
        target: `user:${targetId}`,
        details: { role: target.role, name: who?.name ?? null, email: who?.email ?? null },
      },
    });
    await tx.membership.delete({ where: { tenantId_userId: { tenantId: actor.tenantId, userId: targetId } } });
    return { userId: targetId, role: target.role, left };
  });
}
