import type { Role } from "@/lib/db/generated/enums";
import { withTenant, type TenantContext } from "@/lib/db/scope";

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: Date;
}

const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** The workspace's roster, owners first, then by name. */
export async function listMembers(ctx: TenantContext): Promise<Member[]> {
  const rows = await withTenant(ctx, (tx) =>
    tx.membership.findMany({
      where: { tenantId: ctx.tenantId },
      select: { role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    }),
  );
  return rows
    .map((m) => ({ userId: m.user.id, name: m.user.name, email: m.user.email, role: m.role, joinedAt: m.createdAt }))
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.name.localeCompare(b.name));
}
