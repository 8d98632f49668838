import type { Metadata } from "next";
import { AcceptInviteButton } from "@/components/invite/accept-invite-button";
import { BareHeader } from "@/components/shell/bare-header";
import { RoleBadge } from "@/components/shell/role-badge";
import { WorkspaceAvatar } from "@/components/shell/workspace-avatar";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { signInPath } from "@/lib/auth/safe-next";
import { getCurrentUser } from "@/lib/auth/session";
import { INVITE_MESSAGES, lookupInvite } from "@/lib/tenancy/invites";
import { findWorkspaceForUser } from "@/lib/tenancy/workspace";

// The token is a secret in the URL: keep it out of Referer headers and search indexes.
export const metadata: Metadata = { title: "Invitation", referrer: "no-referrer", robots: { index: false, follow: false } };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [invite, user] = await Promise.all([lookupInvite(token), getCurrentUser()]);
  const here = `/invite/${encodeURIComponent(token)}`;

  return (
    <div className="flex min-h-dvh flex-col">
      <BareHeader />
      <main className="flex flex-1 justify-center px-4 pt-6 pb-16 sm:pt-12">
        <div className="w-full max-w-md">
          {!invite || invite.status !== "pending" ? (
            <Card className="px-5 py-8 text-center sm:px-8">
              <h1 className="text-xl font-semibold tracking-tight text-zinc-900">
                {!invite ? "Invite not found" : invite.status === "accepted" ? "Invite already used" : "Invite expired"}
              </h1>
              <p className="mt-3 text-sm text-zinc-600">{!invite ? INVITE_MESSAGES.unknown : INVITE_MESSAGES[invite.status === "accepted" ? "used" : "expired"]}</p>
              <div className="mt-6">
                <ButtonLink href="/" variant="secondary">
                  Go to Bulkhead
                </ButtonLink>
              </div>
            </Card>
          ) : (
            <Card className="px-5 py-8 sm:px-8">
              <div className="flex flex-col items-center text-center">
                <WorkspaceAvatar name={invite.workspaceName} slug={invite.slug} className="size-12 rounded-xl text-lg" />
                <p className="mt-4 text-sm text-zinc-600">{invite.invitedBy ? `${invite.invitedBy} invited you to join` : "You’re invited to join"}</p>
                <h1 className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">{invite.workspaceName}</h1>
                <p className="mt-2 flex items-center gap-2 text-sm text-zinc-600">
                  as <RoleBadge role={invite.role} />
                </p>
                {invite.email && <p className="mt-2 text-sm text-zinc-500">This invite is for {invite.email}.</p>}
              </div>
              <div className="mt-8">
                <InviteActions token={token} here={here} invite={invite} user={user} />
              </div>
            </Card>
          )}
        </div>
      </main>
    </div>
  );
}

async function InviteActions({
  token,
  here,
  invite,
  user,
}: {
  token: string;
  here: string;
  invite: { slug: string; email: string | null };
  user: { id: string; email: string } | null;
}) {
  if (!user) {
    return (
      <div className="space-y-3">
        <ButtonLink href={signInPath(here)} className="w-full">
          Sign in to accept
        </ButtonLink>
        <ButtonLink href={signInPath(here, "/signup")} variant="secondary" className="w-full">
          Create an account
        </ButtonLink>
      </div>
    );
  }
  if (await findWorkspaceForUser(user.id, invite.slug)) {
    return (
      <div className="space-y-4">
        <Alert tone="info">You’re already a member of this workspace.</Alert>
        <ButtonLink href={`/w/${invite.slug}`} className="w-full">
          Open workspace
        </ButtonLink>
      </div>
    );
  }
  if (invite.email && invite.email !== user.email) {
    return <Alert tone="warning">{`${INVITE_MESSAGES.wrongEmail} You’re signed in as ${user.email}.`}</Alert>;
  }
  return <AcceptInviteButton token={token} email={user.email} />;
}
