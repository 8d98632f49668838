import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { firstParam, type SearchParams } from "@/lib/api/search-params";
import { safeNextPath, signInPath } from "@/lib/auth/safe-next";
import { signInErrorMessage } from "@/lib/auth/sign-in-errors";
import { getCurrentUser } from "@/lib/auth/session";
import { homePathForUser } from "@/lib/tenancy/home";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(firstParam(params.next));
  const user = await getCurrentUser();
  if (user) redirect(next ?? (await homePathForUser(user.id)));

  return (
    <AuthCard
      title="Sign in to Bulkhead"
      subtitle="Welcome back. Your workspaces are waiting."
      footer={
        <>
          New to Bulkhead?{" "}
          <Link href={signInPath(next, "/signup")} className="font-medium text-indigo-600 hover:text-indigo-500">
            Create an account
          </Link>
        </>
      }
    >
      <SignInForm next={next} initialError={signInErrorMessage(firstParam(params.error))} />
      <p className="mt-4 text-center text-sm">
        <Link href="/forgot" className="font-medium text-indigo-600 hover:text-indigo-500">
          Forgot your password?
        </Link>
      </p>
    </AuthCard>
  );
}
