import type { Metadata } from "next";
import Link from "next/link";
import { CreateWorkspaceForm } from "@/components/workspace/create-workspace-form";
import { BareHeader } from "@/components/shell/bare-header";
import { UserMenu } from "@/components/shell/user-menu";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/session";
import { listWorkspacesForUser } from "@/lib/tenancy/workspace";

export const metadata: Metadata = { title: "Create a workspace" };

export default async function NewWorkspacePage() {
  const user = await requireUser("/new");
  const workspaces = await listWorkspacesForUser(user.id);
  const back = workspaces[0];

  return (
    <div className="flex min-h-dvh flex-col">
      <BareHeader>
        <UserMenu user={{ name: user.name, email: user.email, isStaff: user.isStaff }} />
      </BareHeader>
      <main className="flex flex-1 justify-center px-4 pt-6 pb-16 sm:pt-12">
        <div className="w-full max-w-md">
          <div className="mb-6 text-center">
            <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">{back ? "Create another workspace" : "Create your workspace"}</h1>
            <p className="mt-2 text-sm text-zinc-600">
              A workspace has its own assistant settings, members and usage. You’ll be its owner.
            </p>
          </div>
          <Card className="px-5 py-6 sm:px-8 sm:py-8">
            <CreateWorkspaceForm />
          </Card>
          {back && (
            <p className="mt-6 text-center text-sm text-zinc-600">
              <Link href={`/w/${back.slug}`} className="font-medium text-indigo-600 hover:text-indigo-500">
                ← Back to {back.name}
              </Link>
            </p>
          )}
        </div>
      </main>
    </div>
  );
}
