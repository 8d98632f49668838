import { formatInteger, formatPercent, formatUsd } from "@/lib/format";
import type { RoutingSavings } from "@/lib/staff/routing-savings";

/**
 * Model routing's savings against each tenant's tier default (lib/staff/routing-savings.ts):
 * an estimate — the same tokens priced at the default model — and labelled as one.
 */
export function RoutingSavingsTable({ savings }: { savings: RoutingSavings }) {
  if (savings.tenants.length === 0) {
    return <p className="px-5 py-6 text-sm text-zinc-600 sm:px-6">No routed calls in this month.</p>;
  }
  const t = savings.totals;
  return (
    <div data-testid="routing-savings">
      <p className="px-5 pt-4 text-sm text-zinc-700 sm:px-6">
        <span className="font-semibold text-zinc-900" data-testid="routing-savings-total">
          Estimated saving {formatUsd(t.savingsMicros)}
        </span>{" "}
        on {formatInteger(t.requests)} routed calls ({formatInteger(t.routedDown)} routed down): {formatUsd(t.routedCostMicros)} at the models that answered against an estimated{" "}
        {formatUsd(t.defaultCostMicros)} at the tier defaults{t.defaultCostMicros > 0 ? `, ${formatPercent(t.savingsMicros / t.defaultCostMicros)} less` : ""}.
      </p>
      <div role="region" aria-label="Routing savings per tenant (scrolls sideways)" tabIndex={0} className="mt-3 overflow-x-auto focus-visible:outline-2 focus-visible:outline-indigo-600">
        <table className="w-full min-w-[40rem] text-left text-sm [&_td]:whitespace-nowrap [&_thead_th]:whitespace-nowrap">
          <caption className="sr-only">Estimated routing savings per tenant, most saved first</caption>
          <thead className="bg-zinc-50 text-xs text-zinc-600">
            <tr>
              <th scope="col" className="py-2 pr-3 pl-5 font-medium sm:pl-6">Tenant</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Routed calls</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Routed down</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Cost as routed</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">At tier default (est.)</th>
              <th scope="col" className="py-2 pr-5 pl-3 text-right font-medium sm:pr-6">Saving (est.)</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 tabular-nums">
            {savings.tenants.map((row) => (
              <tr key={row.tenantId}>
                <th scope="row" className="py-2 pr-3 pl-5 font-medium text-zinc-900 sm:pl-6">{row.name}</th>
                <td className="px-3 py-2 text-right text-zinc-900">{formatInteger(row.requests)}</td>
                <td className="px-3 py-2 text-right text-zinc-900">{formatInteger(row.routedDown)}</td>
                <td className="px-3 py-2 text-right text-zinc-900">{formatUsd(row.routedCostMicros)}</td>
                <td className="px-3 py-2 text-right text-zinc-700">{formatUsd(row.defaultCostMicros)}</td>
                <td className="py-2 pr-5 pl-3 text-right font-medium text-zinc-900 sm:pr-6">{formatUsd(row.savingsMicros)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
