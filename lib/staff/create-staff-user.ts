import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { hashPassword } from "@/lib/auth/password";
import { emailSchema, passwordSchema, personNameSchema } from "@/lib/auth/schemas";
import { createUser } from "@/lib/auth/users";
import { isUniqueViolation } from "@/lib/db/errors";
import { withAuth } from "@/lib/db/scope";

/**
 * A real deployment's first staff user (`npm run staff:create -- --email …`). The password
 * is generated, printed once by the command and stored only as its hash: there is no
 * default credential to forget to change.
 */
export const createStaffUserSchema = z.object({
  email: emailSchema,
  name: personNameSchema.default("Staff"),
});

export interface CreatedStaffUser {
  userId: string;
  email: string;
  /** Shown once; the user changes it at /account after signing in. */
  password: string;
}

const EMAIL_TAKEN = "An account with this email already exists.";

export async function createStaffUser(input: unknown): Promise<CreatedStaffUser> {
  const data = createStaffUserSchema.parse(input);
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  try {
    const user = await withAuth(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email: data.email }, select: { id: true } });
      if (existing) throw new AppError("conflict", EMAIL_TAKEN, { fields: { email: [EMAIL_TAKEN] } });
      // The operator typed the address on the server itself: that is the proof of it.
      return createUser(tx, { email: data.email, name: data.name, passwordHash, isStaff: true, emailVerified: true });
    });
    return { userId: user.id, email: data.email, password };
  } catch (error) {
    if (isUniqueViolation(error, "email")) throw new AppError("conflict", EMAIL_TAKEN, { fields: { email: [EMAIL_TAKEN] } });
    throw error;
  }
}

/** 24 random base64url characters (144 bits), re-drawn in the rare case the password rules refuse it. */
export function generatePassword(): string {
  for (;;) {
    const candidate = randomBytes(18).toString("base64url");
    if (passwordSchema.safeParse(candidate).success) return candidate;
  }
}
