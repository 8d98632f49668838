import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { Alert } from "@/components/ui/alert";
import { toAppError } from "@/lib/api/errors";
import { verifyEmail } from "@/lib/auth/email-verification";

export const metadata: Metadata = { title: "Verify your email" };

/**
 * Opening the mailed link verifies the address. A mail scanner that opens it first also
 * verifies it, which is acceptable: it could only have the link from that mailbox.
 */
export default async function VerifyEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const outcome = await verifyEmail(token).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, message: toAppError(error).message }),
  );
  return (
    <AuthCard title="Verify your email">
      {outcome.ok ? <Alert tone="success">Your email address is verified.</Alert> : <Alert tone="error">{outcome.message}</Alert>}
      <p className="mt-5 text-center text-sm">
        <Link href="/" className="font-medium text-indigo-600 hover:text-indigo-500">
          Continue to Bulkhead
        </Link>
      </p>
    </AuthCard>
  );
}
