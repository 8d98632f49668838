import type { Metadata } from "next";
import { AccountSecurity } from "@/components/account/account-security";
import { BareHeader } from "@/components/shell/bare-header";
import { UserMenu } from "@/components/shell/user-menu";
import { isEmailVerified } from "@/lib/auth/email-verification";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser("/account");
  return (
    <div className="flex min-h-dvh flex-col">
      <BareHeader>
        <UserMenu user={{ name: user.name, email: user.email, isStaff: user.isStaff }} />
      </BareHeader>
      <main className="flex flex-1 justify-center px-4 pt-6 pb-16 sm:pt-12">
        <div className="w-full max-w-md">
          <h1 className="mb-6 text-center text-2xl font-semibold tracking-tight text-zinc-900">Account security</h1>
          <AccountSecurity email={user.email} emailVerified={await isEmailVerified(user.id)} />
        </div>
      </main>
    </div>
  );
}
