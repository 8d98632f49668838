import { AppError } from "@/lib/api/errors";
import { createApiKey, type CreatedApiKey } from "@/lib/api-keys/keys";
import { withAuth } from "@/lib/db/scope";

/**
 * `npm run api-key -- create`: an operator on the server makes a key for a workspace. There
 * is no signed-in user, so the key is created in the name of the workspace's longest-standing
 * owner, through the same createApiKey (same policies, same audit entry) as the console;
 * the audit entry says source "cli" so the owner can tell they did not click it.
 */
export async function createApiKeyForWorkspace(slug: string, input: unknown): Promise<CreatedApiKey & { workspace: { slug: string; name: string } }> {
  const target = await withAuth(async (tx) => {
    const tenant = await tx.tenant.findUnique({ where: { slug: slug.trim().toLowerCase() }, select: { id: true, slug: true, name: true } });
    if (!tenant) return null;
    const owner = await tx.membership.findFirst({
      where: { tenantId: tenant.id, role: "owner" },
      orderBy: [{ createdAt: "asc" }, { userId: "asc" }],
      select: { userId: true },
    });
    return owner ? { tenant, ownerId: owner.userId } : null;
  });
  if (!target) throw new AppError("not_found", `No workspace with the address "${slug}" (or it has no owner).`);
  const created = await createApiKey({ tenantId: target.tenant.id, userId: target.ownerId }, input, "cli");
  return { ...created, workspace: { slug: target.tenant.slug, name: target.tenant.name } };
}
