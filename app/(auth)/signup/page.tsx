import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { firstParam, type SearchParams } from "@/lib/api/search-params";
import { safeNextPath, signInPath } from "@/lib/auth/safe-next";
import { getCurrentUser } from "@/lib/auth/session";
import { homePathForUser } from "@/lib/tenancy/home";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignUpPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(firstParam(params.next));
  const user = await getCurrentUser();
  if (user) redirect(next ?? (await homePathForUser(user.id)));

  return (
    <AuthCard
      title="Create your account"
      subtitle="You’ll get a workspace of your own to start with."
      footer={
        <>
          Already have an account?{" "}
          <Link href={signInPath(next)} className="font-medium text-indigo-600 hover:text-indigo-500">
            Sign in
          </Link>
        </>
      }
    >
      <SignUpForm next={next} />
    </AuthCard>
  );
}
