import { RoleBadge } from "@/components/shell/role-badge";
import type { Member } from "@/lib/tenancy/members";

const joined = new Intl.DateTimeFormat("en", { dateStyle: "medium" });

export function MemberList({ members, currentUserId }: { members: Member[]; currentUserId: string }) {
  return (
    <ul role="list" className="divide-y divide-zinc-100">
      {members.map((m) => (
        <li key={m.userId} className="flex items-center gap-3 px-5 py-3.5 sm:px-6">
          <span aria-hidden="true" className="flex size-9 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-sm font-medium text-zinc-600">
            {(m.name.trim()[0] ?? m.email[0] ?? "?").toUpperCase()}
          </span>
          <div className="min-w-0 flex-1">
            <p className="truncate text-sm font-medium text-zinc-900">
              {m.name}
              {m.userId === currentUserId && <span className="ml-1.5 font-normal text-zinc-500">(you)</span>}
            </p>
            <p className="truncate text-sm text-zinc-500">{m.email}</p>
          </div>
          <span className="hidden text-sm text-zinc-500 sm:block">Joined {joined.format(m.joinedAt)}</span>
          <RoleBadge role={m.role} />
        </li>
      ))}
    </ul>
  );
}
