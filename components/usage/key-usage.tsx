import { Card, CardHeader } from "@/components/ui/card";
import { formatInteger, formatUsd } from "@/lib/format";
import type { KeyUsage } from "@/lib/usage/by-key";

/** Usage per API key for admins: which integration spends what. */
export function KeyUsageSection({ keys }: { keys: KeyUsage[] }) {
  return (
    <section aria-labelledby="by-key-title">
      <Card className="min-w-0">
        <CardHeader>
          <h2 id="by-key-title" className="font-semibold text-zinc-900">
            By API key
          </h2>
          <p className="mt-1 text-sm text-zinc-600">Calls your products made through the tenant API, per key. Only admins and owners see this.</p>
        </CardHeader>
        <div className="overflow-x-auto">
          <table className="w-full min-w-[520px] text-left text-sm">
            <caption className="sr-only">Usage per API key for the selected range</caption>
            <thead className="border-b border-zinc-200 text-xs font-medium tracking-wide text-zinc-600 uppercase">
              <tr>
                <th scope="col" className="px-5 py-2.5 sm:px-6">Key</th>
                <th scope="col" className="px-3 py-2.5 text-right">Requests</th>
                <th scope="col" className="px-3 py-2.5 text-right">Errors</th>
                <th scope="col" className="px-3 py-2.5 text-right">Tokens</th>
                <th scope="col" className="px-5 py-2.5 text-right sm:px-6">Cost</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100">
              {keys.map((k) => (
                <tr key={k.keyId}>
                  <th scope="row" className="px-5 py-3 font-normal sm:px-6">
                    <span className="block font-medium text-zinc-900">
                      {k.name ?? "Unknown key"}
                      {k.revoked && <span className="ml-2 text-xs font-normal text-red-700">revoked</span>}
                    </span>
                    {k.prefix && <span className="block font-mono text-xs text-zinc-600">{k.prefix}…</span>}
                  </th>
                  <td className="px-3 py-3 text-right tabular-nums">{formatInteger(k.requests)}</td>
                  <td className="px-3 py-3 text-right tabular-nums">{formatInteger(k.errors)}</td>
                  <td className="px-3 py-3 text-right tabular-nums">{formatInteger(k.tokens)}</td>
                  <td className="px-5 py-3 text-right tabular-nums sm:px-6">{formatUsd(k.costMicros)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </section>
  );
}
