import type { Metadata } from "next";
import { InviteForm } from "@/components/members/invite-form";
import { MemberList } from "@/components/members/member-list";
import { PendingInviteList } from "@/components/members/pending-invite-list";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/workspace/page-header";
import { listPendingInvites } from "@/lib/tenancy/invites";
import { listMembers } from "@/lib/tenancy/members";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { user, workspace } = await requireWorkspace(slug, "admin", `/w/${slug}/members`);
  const ctx = { tenantId: workspace.tenantId, userId: user.id };
  const [members, invites] = await Promise.all([listMembers(ctx), listPendingInvites(ctx)]);

  return (
    <main className="mx-auto w-full max-w-4xl space-y-8 px-4 py-8 sm:px-6 sm:py-10">
      <PageHeader title="Members" description={`People who can use ${workspace.name}, and invites that haven’t been accepted yet.`} />

      <Card>
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">Invite people</h2>
          <p className="mt-1 text-sm text-zinc-600">Create a link for one person. It works once and expires after 7 days.</p>
        </CardHeader>
        <CardBody>
          <InviteForm slug={workspace.slug} />
        </CardBody>
      </Card>

      <Card>
        <CardHeader className="flex items-center justify-between">
          <h2 className="font-semibold text-zinc-900">
            Members <span className="ml-1 font-normal text-zinc-500">{members.length}</span>
          </h2>
        </CardHeader>
        <MemberList members={members} currentUserId={user.id} />
      </Card>

      {invites.length > 0 && (
        <Card>
          <CardHeader>
            <h2 className="font-semibold text-zinc-900">
              Pending invites <span className="ml-1 font-normal text-zinc-500">{invites.length}</span>
            </h2>
          </CardHeader>
          <PendingInviteList slug={workspace.slug} invites={invites.map((i) => ({ ...i, expiresAt: i.expiresAt.toISOString() }))} />
        </Card>
      )}
    </main>
  );
}
