import type { ReactNode } from "react";
import { LossIcon, WarningIcon } from "@/components/staff/icons";
import { cn } from "@/components/ui/cn";
import { formatPercent, formatUsd } from "@/lib/format";
import { THIN_MARGIN_PCT, type MarginTotals } from "@/lib/staff/margins";

function Kpi({ label, value, note, tone = "neutral", icon }: { label: string; value: string; note: ReactNode; tone?: "neutral" | "danger" | "warning"; icon?: ReactNode }) {
  return (
    <div className={cn("min-w-0 rounded-xl bg-white p-4 shadow-sm ring-1 sm:p-5", tone === "danger" ? "ring-red-200" : tone === "warning" ? "ring-amber-200" : "ring-zinc-950/5")}>
      <dt className="text-sm font-medium text-zinc-600">{label}</dt>
      <dd>
        <span className={cn("mt-1 flex items-center gap-1.5 text-xl font-semibold tracking-tight break-all tabular-nums sm:text-2xl", tone === "danger" ? "text-red-700" : "text-zinc-900")}>
          {icon}
          {value}
        </span>
        <span className="mt-1 block text-xs text-zinc-500">{note}</span>
      </dd>
    </div>
  );
}

export function KpiCards({ totals, costNote }: { totals: MarginTotals; costNote: string }) {
  const loss = totals.marginMicros < 0;
  const thin = !loss && totals.marginPct !== null && totals.marginPct < THIN_MARGIN_PCT;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
      <Kpi label="Revenue" value={formatUsd(totals.revenueMicros)} note={`${totals.tenants} tenants · full plan prices, not prorated`} />
      <Kpi label="API cost" value={formatUsd(totals.costMicros)} note={costNote} />
      <Kpi
        label="Margin"
        value={formatUsd(totals.marginMicros)}
        tone={loss ? "danger" : "neutral"}
        icon={loss ? <LossIcon className="size-5" /> : undefined}
        note={loss ? "Loss: cost exceeds revenue" : "Revenue minus API cost"}
      />
      <Kpi
        label="Margin %"
        value={totals.marginPct === null ? "—" : formatPercent(totals.marginPct / 100)}
        tone={loss ? "danger" : thin ? "warning" : "neutral"}
        icon={thin ? <WarningIcon className="size-5 text-amber-500" /> : undefined}
        note={`${totals.negative} negative · ${totals.thin} thin (under ${THIN_MARGIN_PCT}%)`}
      />
    </dl>
  );
}
