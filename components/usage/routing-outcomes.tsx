import { Card, CardHeader } from "@/components/ui/card";
import { formatInteger, formatPercent, formatUsd } from "@/lib/format";
import { ROUTING_OUTCOME_LABELS, type RoutingOutcomeTotals } from "@/lib/usage/routing";

/**
 * Admins: what automatic model routing did in the range (issue 14) — requests and tokens
 * answered below the tier default, at it, and above it. Shown once any call was routed.
 */
export function RoutingOutcomes({ outcomes }: { outcomes: RoutingOutcomeTotals[] }) {
  const requests = outcomes.reduce((sum, o) => sum + o.requests, 0);
  const tokens = outcomes.reduce((sum, o) => sum + o.tokens, 0);
  if (requests === 0) return null;
  const down = outcomes.find((o) => o.outcome === "down");
  return (
    <section aria-labelledby="routing-title" data-testid="routing-outcomes">
      <Card className="min-w-0">
        <CardHeader>
          <h2 id="routing-title" className="font-semibold text-zinc-900">
            Model routing
          </h2>
          <p className="mt-1 text-sm text-zinc-600">
            {formatPercent((down?.requests ?? 0) / requests)} of routed requests went to a cheaper model than the workspace’s tier. Calls made on a fixed tier count as at the tier default; calls from before routing are not counted.
          </p>
        </CardHeader>
        <div className="overflow-x-auto">
          <table className="w-full min-w-[560px] text-left text-sm">
            <caption className="sr-only">Requests and tokens by routing outcome for the selected range</caption>
            <thead className="border-b border-zinc-200 text-xs font-medium tracking-wide text-zinc-600 uppercase">
              <tr>
                <th scope="col" className="px-5 py-2.5 sm:px-6">
                  Outcome
                </th>
                <th scope="col" className="px-3 py-2.5 text-right">
                  Requests
                </th>
                <th scope="col" className="px-3 py-2.5 text-right">
                  Share
                </th>
                <th scope="col" className="px-3 py-2.5 text-right">
                  Tokens
                </th>
                <th scope="col" className="px-5 py-2.5 text-right sm:px-6">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100">
              {outcomes.map((o) => (
                <tr key={o.outcome} data-testid={`routing-${o.outcome}`}>
                  <th scope="row" className="px-5 py-3 font-medium text-zinc-900 sm:px-6">
                    {ROUTING_OUTCOME_LABELS[o.outcome]}
                  </th>
                  <td className="px-3 py-3 text-right text-zinc-700 tabular-nums">{formatInteger(o.requests)}</td>
                  <td className="px-3 py-3 text-right text-zinc-700 tabular-nums">{formatPercent(o.requests / requests)}</td>
                  <td className="px-3 py-3 text-right text-zinc-700 tabular-nums">{formatInteger(o.tokens)}</td>
                  <td className="px-5 py-3 text-right text-zinc-700 tabular-nums sm:px-6">{formatUsd(o.costMicros)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot className="border-t border-zinc-200 text-zinc-900">
              <tr>
                <th scope="row" className="px-5 py-3 font-medium sm:px-6">
                  Routed requests
                </th>
                <td className="px-3 py-3 text-right tabular-nums">{formatInteger(requests)}</td>
                <td className="px-3 py-3" />
                <td className="px-3 py-3 text-right tabular-nums">{formatInteger(tokens)}</td>
                <td className="px-5 py-3 text-right tabular-nums sm:px-6">{formatUsd(outcomes.reduce((sum, o) => sum + o.costMicros, 0))}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </Card>
    </section>
  );
}
