"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { revokeInviteAction } from "@/app/w/[slug]/members/actions";
import { RoleBadge } from "@/components/shell/role-badge";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { Role } from "@/lib/db/generated/enums";

export interface PendingInviteView {
  id: string;
  email: string | null;
  role: Role;
  expiresAt: string;
}

function expiresIn(iso: string): string {
  const days = Math.ceil((new Date(iso).getTime() - Date.now()) / 86_400_000);
  return days <= 1 ? "Expires within a day" : `Expires in ${days} days`;
}

export function PendingInviteList({ slug, invites }: { slug: string; invites: PendingInviteView[] }) {
  const router = useRouter();
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, startTransition] = useTransition();

  function revoke(id: string) {
    setPendingId(id);
    setError(null);
    startTransition(async () => {
      const result = await revokeInviteAction(slug, id);
      if (!result.ok) setError(result.error.message);
      setPendingId(null);
      router.refresh();
    });
  }

  return (
    <>
      {error && <Alert tone="error" className="mx-5 mt-4 sm:mx-6">{error}</Alert>}
      <ul role="list" className="divide-y divide-zinc-100">
        {invites.map((invite) => (
          <li key={invite.id} className="flex flex-wrap items-center gap-x-3 gap-y-2 px-5 py-3.5 sm:px-6">
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-medium text-zinc-900">{invite.email ?? "Anyone with the link"}</p>
              <p className="text-sm text-zinc-500" suppressHydrationWarning>
                {expiresIn(invite.expiresAt)}
              </p>
            </div>
            <RoleBadge role={invite.role} />
            <Button variant="danger" size="sm" loading={pendingId === invite.id} onClick={() => revoke(invite.id)} aria-label={`Revoke invite for ${invite.email ?? "link"}`}>
              Revoke
            </Button>
          </li>
        ))}
      </ul>
    </>
  );
}
