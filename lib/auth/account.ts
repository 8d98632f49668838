import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { failureBackoffSeconds, recordFailure, type FailureCounter } from "@/lib/auth/failure-backoff";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { passwordSchema } from "@/lib/auth/schemas";
import { withUser } from "@/lib/db/scope";

/**
 * A user's own account security: password change and "sign out everywhere". Both move
 * users.session_version on, which ends every session token issued before (the version is
 * compared where membership is resolved: lib/tenancy/workspace.ts identifyMember and
 * lib/auth/session.ts getCurrentUser).
 */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: "Enter your current password." }).min(1, "Enter your current password.").max(200),
    newPassword: passwordSchema,
  })
  .refine((d) => d.currentPassword !== d.newPassword, { path: ["newPassword"], message: "Choose a password different from the current one." });
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;

export const ACCOUNT_MESSAGES = {
  wrongPassword: "That is not your current password.",
  tooManyFailures: "Too many wrong passwords. Try again later.",
} as const;

const changeFailures = (userId: string): FailureCounter[] => [{ policy: "passwordChangeFailuresByUser", id: userId }];

/** Returns the new session version (the caller signs in again to get a token carrying it). */
export async function changePassword(userId: string, input: unknown): Promise<{ sessionVersion: number }> {
  const data = changePasswordSchema.parse(input);
  // A stolen session must not be a free password oracle: wrong guesses back off.
  const wait = await failureBackoffSeconds(changeFailures(userId));
  if (wait > 0) {
    throw new AppError("rate_limited", ACCOUNT_MESSAGES.tooManyFailures, { headers: { "Retry-After": String(wait) }, extra: { limit: "passwordChangeFailuresByUser", retryAfterSeconds: wait } });
  }
  // The hash is readable only through this narrow function (0010): no SELECT on the column.
  const [row] = await withUser(userId, (tx) => tx.$queryRaw<{ hash: string | null }[]>`SELECT own_password_hash() AS hash`);
  if (!row?.hash) throw new AppError("unauthorized", "Sign in to continue.");
  if (!(await verifyPassword(data.currentPassword, row.hash))) {
    await recordFailure(changeFailures(userId));
    throw new AppError("validation_failed", ACCOUNT_MESSAGES.wrongPassword, { fields: { currentPassword: [ACCOUNT_MESSAGES.wrongPassword] } });
  }
  const passwordHash = await hashPassword(data.newPassword);
  return withUser(userId, (tx) =>
    tx.user.update({ where: { id: userId }, data: { passwordHash, sessionVersion: { increment: 1 } }, select: { sessionVersion: true } }),
  );
}

/** Ends every session of this user, the current one included. */
export async function endAllSessions(userId: string): Promise<void> {
  await withUser(userId, (tx) => tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } }, select: { id: true } }));
}
