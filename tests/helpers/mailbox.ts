import { sendVerificationEmail, verifyEmail } from "@/lib/auth/email-verification";
import { getMailer, setMailer, type Mail, type Mailer } from "@/lib/mail/mailer";

/**
 * Verifies an address the way a person does: the app mails a link (here into memory), the
 * link's token is redeemed. Restores the mailer that was in place.
 */
export async function verifyAddress(email: string): Promise<void> {
  const previous = getMailer();
  const sent: Mail[] = [];
  const capture: Mailer = { kind: "dev-mailbox", send: async (mail) => void sent.push(mail) };
  setMailer(capture);
  try {
    await sendVerificationEmail(email.toLowerCase());
  } finally {
    setMailer(previous);
  }
  const token = /\/verify\/([A-Za-z0-9_-]+)/.exec(sent.at(-1)?.text ?? "")?.[1];
  if (!token) throw new Error(`no verification mail for ${email}`);
  await verifyEmail(token);
}
