import { AppError } from "@/lib/api/errors";
import { hashPassword } from "@/lib/auth/password";
import { signUpSchema, slugify } from "@/lib/auth/schemas";
import { createUser } from "@/lib/auth/users";
import { isUniqueViolation } from "@/lib/db/errors";
import { withAuth, type Tx } from "@/lib/db/scope";
import { DEFAULT_PLAN_ID, defaultTenantConfig } from "@/lib/tenancy/defaults";

export interface SignUpResult {
  userId: string;
  tenantId: string;
  slug: string;
}

export interface SignUpOptions {
  planId?: string;
  isStaff?: boolean;
}

const EMAIL_TAKEN = "An account with this email already exists. Sign in instead.";
const SLUG_TAKEN = "That workspace address is taken. Choose another.";

/**
 * Creates the user, their workspace, its first config version and the owner membership
 * in one transaction: any failure leaves nothing behind.
 */
export async function signUp(input: unknown, options: SignUpOptions = {}): Promise<SignUpResult> {
  const data = signUpSchema.parse(input);
  const passwordHash = await hashPassword(data.password);
  try {
    return await withAuth(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email: data.email }, select: { id: true } });
      if (existing) throw new AppError("conflict", EMAIL_TAKEN, { fields: { email: [EMAIL_TAKEN] } });

      const slug = data.slug ?? (await freeSlug(tx, slugify(data.workspaceName)));
      if (data.slug && (await tx.tenant.findUnique({ where: { slug }, select: { id: true } }))) {
        throw new AppError("conflict", SLUG_TAKEN, { fields: { slug: [SLUG_TAKEN] } });
      }
      const user = await createUser(tx, { email: data.email, name: data.name, passwordHash, isStaff: options.isStaff });
      const tenant = await createTenant(tx, { slug, name: data.workspaceName, planId: options.planId ?? DEFAULT_PLAN_ID, ownerId: user.id });
      return { userId: user.id, tenantId: tenant.id, slug };
    });
  } catch (error) {
    // A concurrent sign-up can win the race between our check and our insert.
    if (isUniqueViolation(error, "email")) throw new AppError("conflict", EMAIL_TAKEN, { fields: { email: [EMAIL_TAKEN] } });
    if (isUniqueViolation(error, "slug")) throw new AppError("conflict", SLUG_TAKEN, { fields: { slug: [SLUG_TAKEN] } });
    throw error;
  }
}

export async function createTenant(
  tx: Tx,
  input: { slug: string; name: string; planId: string; ownerId: string; /** Imports and the demo's history; default now. */ createdAt?: Date },
): Promise<{ id: string }> {
  const tenant = await tx.tenant.create({
    data: { slug: input.slug, name: input.name, planId: input.planId, ...(input.createdAt ? { createdAt: input.createdAt } : {}) },
    select: { id: true },
  });
  await tx.tenantConfig.create({ data: { tenantId: tenant.id, version: 1, createdById: input.ownerId, ...defaultTenantConfig(input.name) } });
  await tx.membership.create({ data: { tenantId: tenant.id, userId: input.ownerId, role: "owner" } });
  return tenant;
}

async function freeSlug(tx: Tx, base: string): Promise<string> {
  const taken = new Set(
    (await tx.tenant.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } })).map((t) => t.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; n < 1000; n++) {
    const candidate = `${base.slice(0, 36)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new AppError("conflict", SLUG_TAKEN, { fields: { slug: [SLUG_TAKEN] } });
}
