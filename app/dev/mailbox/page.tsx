import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { BareHeader } from "@/components/shell/bare-header";
import { Card } from "@/components/ui/card";
import { env } from "@/lib/env";
import { readDevMailbox } from "@/lib/mail/mailer";

export const metadata: Metadata = { title: "Dev mailbox" };

/**
 * Mail the app sent without SMTP_URL, newest first. Only on the embedded database (a
 * developer's machine, bound to 127.0.0.1): anywhere else it is the ordinary 404, since
 * it shows everyone's reset links.
 */
export default async function DevMailboxPage() {
  if (env.BULKHEAD_EMBEDDED_DB !== "1" || env.SMTP_URL) notFound();
  const mails = await readDevMailbox();
  return (
    <div className="flex min-h-dvh flex-col">
      <BareHeader />
      <main className="mx-auto w-full max-w-3xl px-4 pt-6 pb-16">
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Dev mailbox</h1>
        <p className="mt-1 text-sm text-zinc-600">Mail sent while no SMTP_URL is configured (embedded mode only).</p>
        <div className="mt-6 space-y-4">
          {mails.length === 0 && <p className="text-sm text-zinc-500">No mail yet.</p>}
          {mails.map((mail, i) => (
            <Card key={`${mail.at}-${i}`} className="px-5 py-4">
              <p className="text-sm font-medium text-zinc-900">{mail.subject}</p>
              <p className="text-xs text-zinc-500">
                to {mail.to} · {new Date(mail.at).toLocaleString("en")}
              </p>
              <pre className="mt-3 text-sm break-words whitespace-pre-wrap text-zinc-700">{mail.text}</pre>
            </Card>
          ))}
        </div>
      </main>
    </div>
  );
}
