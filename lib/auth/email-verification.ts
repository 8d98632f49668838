import { AppError } from "@/lib/api/errors";
import { hashEmailToken, isWellFormedEmailToken, newEmailToken } from "@/lib/auth/email-token";
import { withAuth, withUser } from "@/lib/db/scope";
import { appLink, getMailer } from "@/lib/mail/mailer";

/**
 * Proof that a user controls their email address: a single-use link, valid 48 hours.
 * Until verified, an email-bound invite is refused (accept_invite() in 0010).
 */
const VERIFY_TTL_SECONDS = 48 * 3600;

export const VERIFY_MESSAGES = {
  unknown: "This verification link is not valid. Sign in and ask for a new one.",
  used: "This verification link has already been used.",
  expired: "This verification link has expired. Sign in and ask for a new one.",
} as const;

/** Mails a verification link when an account has this email; quietly nothing otherwise. */
export async function sendVerificationEmail(email: string): Promise<void> {
  const { token, tokenHash } = newEmailToken();
  const [row] = await withAuth((tx) => tx.$queryRaw<{ user_id: string | null }[]>`SELECT issue_email_token(${email}, 'verify_email', ${tokenHash}, ${VERIFY_TTL_SECONDS}::integer) AS user_id`);
  if (!row?.user_id) return;
  await getMailer().send({
    to: email,
    subject: "Verify your email for Bulkhead",
    text: `Confirm that this is your address by opening this link within 48 hours:\n\n${appLink(`/verify/${token}`)}\n\nIf you did not create a Bulkhead account, ignore this message.\n`,
  });
}

/** Spends a verification link. Returns the verified user's id. */
export async function verifyEmail(token: string): Promise<string> {
  if (!isWellFormedEmailToken(token)) throw new AppError("not_found", VERIFY_MESSAGES.unknown);
  const [row] = await withAuth((tx) => tx.$queryRaw<{ status: string; user_id: string | null }[]>`SELECT * FROM redeem_email_token('verify_email', ${hashEmailToken(token)})`);
  if (row?.status === "ok" && row.user_id) return row.user_id;
  if (row?.status === "used") throw new AppError("conflict", VERIFY_MESSAGES.used);
  if (row?.status === "expired") throw new AppError("conflict", VERIFY_MESSAGES.expired);
  throw new AppError("not_found", VERIFY_MESSAGES.unknown);
}

export async function isEmailVerified(userId: string): Promise<boolean> {
  const user = await withUser(userId, (tx) => tx.user.findUnique({ where: { id: userId }, select: { emailVerifiedAt: true } }));
  return user?.emailVerifiedAt != null;
}
