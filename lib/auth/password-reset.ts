import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { hashEmailToken, isWellFormedEmailToken, newEmailToken } from "@/lib/auth/email-token";
import { hashPassword } from "@/lib/auth/password";
import { emailSchema, passwordSchema } from "@/lib/auth/schemas";
import { withAuth } from "@/lib/db/scope";
import { checkLimit, rateLimitHeaders } from "@/lib/limits/rate-limit";
import { appLink, getMailer } from "@/lib/mail/mailer";
import { cleanText } from "@/lib/validation/text";

/**
 * Password reset by email: a single-use link valid 30 minutes. Redeeming it sets the new
 * password, ends every session of the account and spends its other reset links, in one
 * function (redeem_email_token() in 0010). The request form answers the same whether or
 * not an account has the address, so it cannot be used to find accounts.
 */
const RESET_TTL_SECONDS = 30 * 60;

export const requestResetSchema = z.object({ email: emailSchema });
export const resetPasswordSchema = z.object({ token: cleanText().max(100), password: passwordSchema });

export const RESET_MESSAGES = {
  invalid: "This reset link is not valid or was already used. Ask for a new one.",
  expired: "This reset link has expired. Ask for a new one.",
  tooMany: "Too many reset requests. Try again later.",
} as const;

export async function requestPasswordReset(input: unknown, ip: string): Promise<void> {
  const { email } = requestResetSchema.parse(input);
  // Attempts, not failures: every request sends mail, so every request counts.
  const limits = await Promise.all([checkLimit("passwordResetByEmail", email), checkLimit("passwordResetByIp", ip)]);
  const refused = limits.find((l) => !l.ok);
  if (refused) {
    throw new AppError("rate_limited", RESET_MESSAGES.tooMany, { headers: rateLimitHeaders(refused), extra: { limit: refused.policy, retryAfterSeconds: refused.retryAfterSeconds } });
  }
  const { token, tokenHash } = newEmailToken();
  const [row] = await withAuth((tx) => tx.$queryRaw<{ user_id: string | null }[]>`SELECT issue_email_token(${email}, 'reset_password', ${tokenHash}, ${RESET_TTL_SECONDS}::integer) AS user_id`);
  if (!row?.user_id) return;
  await getMailer().send({
    to: email,
    subject: "Reset your Bulkhead password",
    text: `Someone asked to reset the password of your Bulkhead account. To choose a new one, open this link within 30 minutes:\n\n${appLink(`/reset/${token}`)}\n\nResetting signs you out everywhere. If it was not you, ignore this message: your password stays as it is.\n`,
  });
}

/** Sets the new password from a reset link. Returns the user's id. */
export async function resetPassword(input: unknown): Promise<string> {
  const { token, password } = resetPasswordSchema.parse(input);
  if (!isWellFormedEmailToken(token)) throw new AppError("not_found", RESET_MESSAGES.invalid);
  const passwordHash = await hashPassword(password);
  const [row] = await withAuth((tx) =>
    tx.$queryRaw<{ status: string; user_id: string | null }[]>`SELECT * FROM redeem_email_token('reset_password', ${hashEmailToken(token)}, ${passwordHash})`,
  );
  if (row?.status === "ok" && row.user_id) return row.user_id;
  if (row?.status === "expired") throw new AppError("conflict", RESET_MESSAGES.expired);
  throw new AppError("not_found", RESET_MESSAGES.invalid);
}
