import { formatInteger } from "@/lib/format";
import type { Oversubscription } from "@/lib/limits/oversubscription";

function Ratio({ label, sold, account, ratio }: { label: string; sold: number; account: number | null; ratio: number | null }) {
  return (
    <div className="rounded-lg bg-zinc-50 p-4 ring-1 ring-zinc-950/5">
      <dt className="text-sm text-zinc-600">{label}</dt>
      <dd className="mt-1">
        <span className="text-2xl font-semibold text-zinc-900 tabular-nums">{ratio === null ? "Unknown" : `${ratio.toFixed(2)}×`}</span>
        <span className="mt-1 block text-xs text-zinc-500 tabular-nums">
          {formatInteger(sold)} sold across plans · account limit {account === null ? "not reported yet" : formatInteger(account)}
        </span>
      </dd>
    </div>
  );
}

/** Plans sold (sum over tenants) against the account's limits; above 1× relies on tenants not peaking together. */
export function OversubscriptionSummary({ value }: { value: Oversubscription }) {
  return (
    <div>
      <dl className="grid gap-3 sm:grid-cols-2">
        <Ratio label="Requests per minute" sold={value.sumRpm} account={value.accountRpm} ratio={value.rpmRatio} />
        <Ratio label="Tokens per minute" sold={value.sumTpm} account={value.accountTpm} ratio={value.tpmRatio} />
      </dl>
      <p className="mt-3 text-xs text-zinc-500">
        Sum of the per-minute limits of {formatInteger(value.tenants)} tenants’ plans divided by the account’s limit. Above 1× is normal while tenants
        don’t peak together.
      </p>
    </div>
  );
}
