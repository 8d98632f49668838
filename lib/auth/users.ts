import type { Tx } from "@/lib/db/scope";

export interface NewUser {
  email: string;
  name: string;
  /** From hashPassword(), computed before the transaction so it is not held open for it. */
  passwordHash: string;
  isStaff?: boolean;
  /** Only for accounts an operator creates (demo, staff:create): everyone else proves the address by mail. */
  emailVerified?: boolean;
}

/** Inserts a user (call inside withAuth). Emails are stored lower-cased. */
export async function createUser(tx: Tx, input: NewUser): Promise<{ id: string }> {
  return tx.user.create({
    data: {
      email: input.email.trim().toLowerCase(),
      name: input.name,
      passwordHash: input.passwordHash,
      isStaff: input.isStaff ?? false,
      emailVerifiedAt: input.emailVerified ? new Date() : null,
    },
    select: { id: true },
  });
}
