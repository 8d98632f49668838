import { formatDateTime, formatInteger } from "@/lib/format";

export interface SecurityCountsView {
  tenantId: string;
  tenantName: string;
  tenantSlug: string | null;
  flagged7d: number;
  blocked7d: number;
  cut7d: number;
  total30d: number;
  lastAt: Date;
}

/** Security events per tenant over the last 7 and 30 days (lib/staff/security.ts). */
export function SecurityCounts({ tenants }: { tenants: SecurityCountsView[] }) {
  if (tenants.length === 0) {
    return <p className="px-5 py-6 text-sm text-zinc-600 sm:px-6">No security events in the last 30 days.</p>;
  }
  return (
    <div role="region" aria-label="Security events per tenant (scrolls sideways)" tabIndex={0} className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-indigo-600">
      <table className="w-full min-w-[40rem] text-left text-sm [&_td]:whitespace-nowrap [&_thead_th]:whitespace-nowrap">
        <caption className="sr-only">Flagged, blocked and cut turns per tenant, most events first</caption>
        <thead className="bg-zinc-50 text-xs text-zinc-600">
          <tr>
            <th scope="col" className="py-2 pr-3 pl-5 font-medium sm:pl-6">Tenant</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Flagged (7 d)</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Blocked (7 d)</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Replies cut (7 d)</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">All (30 d)</th>
            <th scope="col" className="py-2 pr-5 pl-3 font-medium sm:pr-6">Last event (UTC)</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 tabular-nums">
          {tenants.map((t) => (
            <tr key={t.tenantId}>
              <th scope="row" className="py-2 pr-3 pl-5 font-normal sm:pl-6">
                <span className="font-medium text-zinc-900">{t.tenantName}</span>
                {t.tenantSlug && <span className="block text-xs text-zinc-500">/w/{t.tenantSlug}</span>}
              </th>
              <td className="px-3 py-2 text-right text-zinc-900">{formatInteger(t.flagged7d)}</td>
              <td className="px-3 py-2 text-right text-zinc-900">{formatInteger(t.blocked7d)}</td>
              <td className="px-3 py-2 text-right text-zinc-900">{formatInteger(t.cut7d)}</td>
              <td className="px-3 py-2 text-right font-medium text-zinc-900">{formatInteger(t.total30d)}</td>
              <td className="py-2 pr-5 pl-3 text-zinc-700 sm:pr-6">{formatDateTime(t.lastAt, "UTC")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
