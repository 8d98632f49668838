import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { env } from "@/lib/env";

/**
 * Outgoing mail. SMTP_URL configures a real server (nodemailer). Without one, mail goes to
 * the dev mailbox: a file under the data directory that the embedded-only page /dev/mailbox
 * shows, plus one line in the server log, so verification and reset links work on a bare
 * machine without an account anywhere.
 */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly kind: "smtp" | "dev-mailbox";
  send(mail: Mail): Promise<void>;
}

export interface DevMailboxEntry extends Mail {
  at: string;
}

const DEFAULT_FROM = "Bulkhead <no-reply@bulkhead.invalid>";

export function smtpMailer(url: string, from = env.MAIL_FROM ?? DEFAULT_FROM): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    kind: "smtp",
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

export function devMailboxFile(dataDir = env.BULKHEAD_DATA_DIR ?? ".data"): string {
  return path.join(dataDir, "mailbox.jsonl");
}

export function devMailbox(file = devMailboxFile()): Mailer {
  return {
    kind: "dev-mailbox",
    async send(mail) {
      const entry: DevMailboxEntry = { at: new Date().toISOString(), ...mail };
      const dir = path.dirname(file);
      // turbopackIgnore: a runtime data file, not part of the build's file trace.
      await mkdir(/* turbopackIgnore: true */ dir, { recursive: true, mode: 0o700 });
      // 0600: the mailbox holds live sign-in links.
      await appendFile(/* turbopackIgnore: true */ file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      console.log(`[bulkhead] mail to ${mail.to}: "${mail.subject}" (dev mailbox: /dev/mailbox)`);
    },
  };
}

/** Newest first. */
export async function readDevMailbox(file = devMailboxFile(), limit = 50): Promise<DevMailboxEntry[]> {
  let text: string;
  try {
    text = await readFile(/* turbopackIgnore: true */ file, "utf8");
  } catch {
    return [];
  }
  const entries: DevMailboxEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as DevMailboxEntry);
    } catch {
      // A line cut short by a crash: skip it.
    }
  }
  return entries.reverse().slice(0, limit);
}

const globalForMail = globalThis as unknown as { bulkheadMailer?: Mailer };

export function getMailer(): Mailer {
  globalForMail.bulkheadMailer ??= env.SMTP_URL ? smtpMailer(env.SMTP_URL) : devMailbox();
  return globalForMail.bulkheadMailer;
}

/** Tests deliver through their own SMTP server; undefined goes back to the configured one. */
export function setMailer(mailer: Mailer | undefined): void {
  globalForMail.bulkheadMailer = mailer;
}

/** An absolute link into the app, for mail. */
export function appLink(pathname: string): string {
  const base = env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`;
  return new URL(pathname, base).toString();
}
