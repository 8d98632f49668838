import { metricLabel } from "@/components/staff/account-utilisation";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatInteger, formatPercent } from "@/lib/format";
import type { AlertRecord } from "@/lib/staff/account";

export function AlertHistory({ alerts }: { alerts: AlertRecord[] }) {
  if (alerts.length === 0) {
    return <p className="px-5 py-6 text-sm text-zinc-600 sm:px-6">No alerts yet: the account has not crossed 50 % of any limit.</p>;
  }
  return (
    <div role="region" aria-label="Alert history (scrolls sideways)" tabIndex={0} className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-indigo-600">
      <table className="w-full min-w-[44rem] text-left text-sm [&_td]:whitespace-nowrap [&_thead_th]:whitespace-nowrap">
        <caption className="sr-only">Account alerts at 50, 70 and 90 % utilisation, newest first</caption>
        <thead className="bg-zinc-50 text-xs text-zinc-600">
          <tr>
            <th scope="col" className="py-2 pr-3 pl-5 font-medium sm:pl-6">Metric</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Level</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">At raise</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Remaining / limit</th>
            <th scope="col" className="px-3 py-2 font-medium">Raised</th>
            <th scope="col" className="py-2 pr-5 pl-3 font-medium sm:pr-6">Status</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 tabular-nums">
          {alerts.map((a) => (
            <tr key={a.id}>
              <th scope="row" className="py-2 pr-3 pl-5 font-normal text-zinc-900 sm:pl-6">{metricLabel(a.metric)}</th>
              <td className="px-3 py-2 text-right">
                <Badge tone={a.level >= 90 ? "danger" : "warning"}>{a.level} %</Badge>
              </td>
              <td className="px-3 py-2 text-right text-zinc-700">{formatPercent(a.utilisation)}</td>
              <td className="px-3 py-2 text-right text-zinc-700">
                {formatInteger(a.remaining)} / {formatInteger(a.limit)}
              </td>
              <td className="px-3 py-2 text-zinc-700">{formatDateTime(a.raisedAt, "UTC")}</td>
              <td className="py-2 pr-5 pl-3 sm:pr-6">
                {a.clearedAt ? <span className="text-zinc-600">Cleared {formatDateTime(a.clearedAt, "UTC")}</span> : <Badge tone="danger">Open</Badge>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
