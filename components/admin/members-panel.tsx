"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { changeRoleAction, removeMemberAction } from "@/app/w/[slug]/admin/actions";
import type { AdminConsoleData } from "@/components/admin/types";
import { InviteForm } from "@/components/members/invite-form";
import { PendingInviteList } from "@/components/members/pending-invite-list";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Select } from "@/components/ui/input";
import type { Role } from "@/lib/db/generated/enums";
import { formatDateTime } from "@/lib/format";
import type { Member } from "@/lib/tenancy/members";

const ROLE_LABEL: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };
const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

type Pending =
  | { kind: "remove"; member: Member }
  | { kind: "leave"; member: Member }
  | { kind: "step-down"; member: Member; role: Role };

/**
 * The roster with role changes and removals. What the buttons allow mirrors the server's
 * rules (lib/admin/members.ts), which decide: owners alone grant or take the owner role,
 * and the last owner can be neither demoted nor removed.
 */
export function MembersPanel({ data }: { data: Pick<AdminConsoleData, "slug" | "workspaceName" | "timeZone" | "me" | "members" | "invites"> }) {
  const { slug, workspaceName, timeZone, me, members, invites } = data;
  const router = useRouter();
  const [busyUser, setBusyUser] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Pending | null>(null);
  const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const [, startTransition] = useTransition();
  const owners = members.filter((m) => m.role === "owner").length;
  const iAmOwner = me.role === "owner";

  function run(member: Member, action: () => Promise<{ ok: true } | { ok: false; error: { message: string } }>, success: string, after?: () => void) {
    setBusyUser(member.userId);
    setMessage(null);
    startTransition(async () => {
      const result = await action();
      setBusyUser(null);
      setConfirm(null);
      if (!result.ok) {
        setMessage({ tone: "error", text: result.error.message });
        router.refresh();
        return;
      }
      setMessage({ tone: "success", text: success });
      if (after) after();
      else router.refresh();
    });
  }

  function setRole(member: Member, role: Role) {
    run(member, () => changeRoleAction(slug, { userId: member.userId, role }), `${member.name} is now ${role === "admin" ? "an" : "a"} ${ROLE_LABEL[role].toLowerCase()}.`, () => {
      // Stepping down to member closes this console for you.
      if (member.userId === me.userId && role === "member") window.location.assign(`/w/${slug}`);
      else router.refresh();
    });
  }

  function onRoleChange(member: Member, role: Role) {
    if (member.userId === me.userId && RANK[role] < RANK[member.role]) setConfirm({ kind: "step-down", member, role });
    else setRole(member, role);
  }

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">Invite people</h2>
          <p className="mt-1 text-sm text-zinc-600">Create a link for one person. It works once and expires after 7 days.</p>
        </CardHeader>
        <CardBody>
          <InviteForm slug={slug} />
        </CardBody>
      </Card>

      <Card>
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">
            Members <span className="ml-1 font-normal text-zinc-500">{members.length}</span>
          </h2>
          <p className="mt-1 text-sm text-zinc-600">
            Owners manage everything, including other owners. Admins manage the assistant, members and invites. Members chat.
          </p>
        </CardHeader>
        {message && (
          <div className="px-5 pt-4 sm:px-6">
            <Alert tone={message.tone}>{message.text}</Alert>
          </div>
        )}
        <ul aria-label="Members" className="divide-y divide-zinc-100">
          {members.map((m) => {
            const isMe = m.userId === me.userId;
            const lastOwner = m.role === "owner" && owners <= 1;
            const ownerLocked = m.role === "owner" && !iAmOwner;
            const busy = busyUser === m.userId;
            const name = isMe ? `${m.name} (you)` : m.name;
            return (
              <li key={m.userId} className="flex flex-wrap items-center gap-x-3 gap-y-2 px-5 py-3.5 sm:flex-nowrap sm:px-6">
                <span aria-hidden="true" className="flex size-9 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-sm font-medium text-zinc-600">
                  {(m.name.trim()[0] ?? m.email[0] ?? "?").toUpperCase()}
                </span>
                <div className="min-w-0 flex-1 basis-40">
                  <p className="flex items-center gap-2 truncate text-sm font-medium text-zinc-900">
                    <span className="truncate">{name}</span>
                    {lastOwner && <Badge tone="warning">Last owner</Badge>}
                  </p>
                  <p className="truncate text-sm text-zinc-500">{m.email}</p>
                  <p className="truncate text-xs text-zinc-500" suppressHydrationWarning>
                    Joined {formatDateTime(m.joinedAt, timeZone)}
                  </p>
                </div>
                <div className="flex w-full items-center gap-2 sm:w-auto">
                  <label htmlFor={`role-${m.userId}`} className="sr-only">
                    Role for {m.name}
                  </label>
                  <Select
                    id={`role-${m.userId}`}
                    value={m.role}
                    disabled={busy || lastOwner || ownerLocked}
                    onChange={(e) => onRoleChange(m, e.target.value as Role)}
                    className="w-auto min-w-0 flex-1 py-1.5 sm:w-32 sm:flex-none"
                    title={lastOwner ? "Make someone else an owner first." : ownerLocked ? "Only owners can change an owner’s role." : undefined}
                  >
                    <option value="owner" disabled={!iAmOwner}>
                      Owner
                    </option>
                    <option value="admin">Admin</option>
                    <option value="member">Member</option>
                  </Select>
                  <Button
                    variant="danger"
                    size="sm"
                    className="min-w-[5.5rem]"
                    loading={busy}
                    disabled={lastOwner || ownerLocked}
                    onClick={() => setConfirm({ kind: isMe ? "leave" : "remove", member: m })}
                    aria-label={isMe ? `Leave ${workspaceName}` : `Remove ${m.name}`}
                  >
                    {isMe ? "Leave" : "Remove"}
                  </Button>
                </div>
              </li>
            );
          })}
        </ul>
      </Card>

      <Card>
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">
            Pending invites <span className="ml-1 font-normal text-zinc-500">{invites.length}</span>
          </h2>
        </CardHeader>
        {invites.length > 0 ? (
          <PendingInviteList slug={slug} invites={invites} />
        ) : (
          <CardBody>
            <p className="text-sm text-zinc-600">No pending invites. Links you create above appear here until they’re used or expire.</p>
          </CardBody>
        )}
      </Card>

      <ConfirmDialog
        open={confirm !== null}
        title={
          confirm?.kind === "leave" ? `Leave ${workspaceName}?`
          : confirm?.kind === "step-down" ? `Become ${confirm.role === "admin" ? "an admin" : "a member"}?`
          : `Remove ${confirm?.member.name ?? ""}?`
        }
        confirmLabel={confirm?.kind === "leave" ? "Leave" : confirm?.kind === "step-down" ? "Change my role" : "Remove"}
        busy={busyUser !== null}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (!confirm) return;
          const m = confirm.member;
          if (confirm.kind === "step-down") setRole(m, confirm.role);
          else if (confirm.kind === "leave") run(m, () => removeMemberAction(slug, m.userId), `You left ${workspaceName}.`, () => window.location.assign("/"));
          else run(m, () => removeMemberAction(slug, m.userId), `${m.name} was removed.`);
        }}
      >
        {confirm?.kind === "leave" && "You lose access at once, and your conversations in this workspace are deleted. An admin can invite you again."}
        {confirm?.kind === "step-down" &&
          (confirm.role === "member" ? "You’ll lose access to this admin console at once." : "You’ll no longer be able to manage owners.")}
        {confirm?.kind === "remove" &&
          `${confirm.member.name} loses access to ${workspaceName} at once, and their conversations in this workspace are deleted. You can invite them again later.`}
      </ConfirmDialog>
    </div>
  );
}
