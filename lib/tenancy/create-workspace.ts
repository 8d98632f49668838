import { AppError } from "@/lib/api/errors";
import { signUpSchema, slugify } from "@/lib/auth/schemas";
import { createTenant } from "@/lib/auth/sign-up";
import { isUniqueViolation } from "@/lib/db/errors";
import { withAuth, type Tx } from "@/lib/db/scope";
import type { NamedRateLimitPolicy } from "@/lib/limits/policies";
import { DEFAULT_PLAN_ID } from "@/lib/tenancy/defaults";

/** One person opening workspace after workspace is abuse, not growth. */
export const CREATE_WORKSPACE_POLICY = { name: "createWorkspaceByUser", limit: 10, window: "1 h" } as const satisfies NamedRateLimitPolicy;

const createWorkspaceSchema = signUpSchema.pick({ workspaceName: true, slug: true });

const SLUG_TAKEN = "That workspace address is taken. Choose another.";

/**
 * A signed-in user opens another workspace and becomes its owner. Runs as bh_auth like
 * sign-up: a tenant that does not exist yet has no tenant scope to insert under.
 * The caller must have authenticated `userId` (getCurrentUser).
 */
export async function createWorkspaceForUser(userId: string, input: unknown): Promise<{ tenantId: string; slug: string }> {
  const data = createWorkspaceSchema.parse(input);
  try {
    return await withAuth(async (tx) => {
      const owner = await tx.user.findUnique({ where: { id: userId }, select: { id: true } });
      if (!owner) throw new AppError("unauthorized", "Sign in to continue.");
      const slug = data.slug ?? (await freeSlug(tx, slugify(data.workspaceName)));
      if (data.slug && (await tx.tenant.findUnique({ where: { slug }, select: { id: true } }))) {
        throw new AppError("conflict", SLUG_TAKEN, { fields: { slug: [SLUG_TAKEN] } });
      }
      const tenant = await createTenant(tx, { slug, name: data.workspaceName, planId: DEFAULT_PLAN_ID, ownerId: userId });
      return { tenantId: tenant.id, slug };
    });
  } catch (error) {
    if (isUniqueViolation(error, "slug")) throw new AppError("conflict", SLUG_TAKEN, { fields: { slug: [SLUG_TAKEN] } });
    throw error;
  }
}

// Same rule as sign-up's (private there): the name's slug, else the first free "-n".
async function freeSlug(tx: Tx, base: string): Promise<string> {
  const used = new Set((await tx.tenant.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } })).map((t) => t.slug));
  if (!used.has(base)) return base;
  for (let n = 2; n < 1000; n++) {
    const candidate = `${base.slice(0, 36)}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
  throw new AppError("conflict", SLUG_TAKEN, { fields: { slug: [SLUG_TAKEN] } });
}
