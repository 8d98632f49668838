import { formatInteger, formatPercent, formatUsd } from "@/lib/format";
import type { UserUsage } from "@/lib/usage/dashboard";

export function userLabel(u: UserUsage): string {
  if (u.userId === null) return "Background (no user)";
  return u.name ?? "Former member";
}

/** Per-user usage for admins: who used what, most tokens first. */
export function UserUsageTable({ users, totalTokens }: { users: UserUsage[]; totalTokens: number }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[520px] text-left text-sm">
        <caption className="sr-only">Usage per member for the selected range</caption>
        <thead className="border-b border-zinc-200 text-xs font-medium tracking-wide text-zinc-600 uppercase">
          <tr>
            <th scope="col" className="px-5 py-2.5 sm:px-6">
              Member
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Requests
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Tokens
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Share
            </th>
            <th scope="col" className="px-5 py-2.5 text-right sm:px-6">
              Cost
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {users.map((u) => (
            <tr key={u.userId ?? "none"}>
              <th scope="row" className="px-5 py-3 font-normal sm:px-6">
                <span className="block font-medium text-zinc-900">{userLabel(u)}</span>
                {u.email && <span className="block text-xs text-zinc-600">{u.email}</span>}
              </th>
              <td className="px-3 py-3 text-right text-zinc-700 tabular-nums">{formatInteger(u.requests)}</td>
              <td className="px-3 py-3 text-right text-zinc-700 tabular-nums">{formatInteger(u.tokens)}</td>
              <td className="px-3 py-3 text-right text-zinc-700 tabular-nums">{totalTokens > 0 ? formatPercent(u.tokens / totalTokens) : "–"}</td>
              <td className="px-5 py-3 text-right text-zinc-700 tabular-nums sm:px-6">{formatUsd(u.costMicros)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
