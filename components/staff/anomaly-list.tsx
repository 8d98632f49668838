import { WarningIcon } from "@/components/staff/icons";
import { formatDateTime, formatInteger } from "@/lib/format";

export interface AnomalyView {
  id: string;
  tenantName: string;
  tenantSlug: string | null;
  hourStart: Date;
  tokens: number;
  baselineTokensPerHour: number;
  ratio: number | null;
  /** The tenant's flagged, blocked and cut turns in the same hour. */
  securityEvents: number;
}

export function AnomalyList({ anomalies }: { anomalies: AnomalyView[] }) {
  if (anomalies.length === 0) {
    return <p className="px-5 py-6 text-sm text-zinc-600 sm:px-6">No anomalies: no tenant’s hourly tokens have jumped far above its usual level.</p>;
  }
  return (
    <div role="region" aria-label="Usage anomalies (scrolls sideways)" tabIndex={0} className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-indigo-600">
      <table className="w-full min-w-[40rem] text-left text-sm [&_td]:whitespace-nowrap [&_thead_th]:whitespace-nowrap">
        <caption className="sr-only">Hours in which a tenant used far more tokens than its trailing hourly baseline, newest first</caption>
        <thead className="bg-zinc-50 text-xs text-zinc-600">
          <tr>
            <th scope="col" className="py-2 pr-3 pl-5 font-medium sm:pl-6">Tenant</th>
            <th scope="col" className="px-3 py-2 font-medium">Hour</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Tokens</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Usual per hour</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Ratio</th>
            <th scope="col" className="py-2 pr-5 pl-3 text-right font-medium sm:pr-6">Security events</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 tabular-nums">
          {anomalies.map((a) => (
            <tr key={a.id}>
              <th scope="row" className="py-2 pr-3 pl-5 font-normal sm:pl-6">
                <span className="flex items-center gap-1.5 font-medium text-zinc-900">
                  <WarningIcon className="size-4 shrink-0 text-amber-500" />
                  {a.tenantName}
                </span>
                {a.tenantSlug && <span className="block text-xs text-zinc-500">/w/{a.tenantSlug}</span>}
              </th>
              <td className="px-3 py-2 text-zinc-700">{formatDateTime(a.hourStart, "UTC")}</td>
              <td className="px-3 py-2 text-right text-zinc-900">{formatInteger(a.tokens)}</td>
              <td className="px-3 py-2 text-right text-zinc-700">{formatInteger(Math.round(a.baselineTokensPerHour))}</td>
              <td className="px-3 py-2 text-right font-medium text-zinc-900">{a.ratio === null ? "new tenant" : `${a.ratio.toFixed(1)}×`}</td>
              <td className={`py-2 pr-5 pl-3 text-right sm:pr-6 ${a.securityEvents > 0 ? "font-medium text-red-700" : "text-zinc-500"}`}>
                {a.securityEvents > 0 ? `${formatInteger(a.securityEvents)} in this hour` : "none"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
