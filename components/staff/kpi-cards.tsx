import type { ReactNode } from "react";
import { LossIcon, WarningIcon } from "@/components/staff/icons";
import { cn } from "@/components/ui/cn";
import { formatInteger, formatPercent, formatUsd } from "@/lib/format";
import { THIN_MARGIN_PCT, type MarginProjection, type MarginTotals } from "@/lib/staff/margins";

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

export function KpiCards({ totals, costNote, revenueNote }: { totals: MarginTotals; costNote: string; revenueNote: string }) {
  const loss = totals.marginMicros < 0;
  const thin = !loss && totals.marginPct !== null && totals.marginPct < THIN_MARGIN_PCT;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
      <Kpi label="Revenue" value={formatUsd(totals.revenueMicros)} note={`${totals.tenants} tenants · ${revenueNote}`} />
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

/** The current month at its month-to-date run rate: labelled as a projection wherever it shows. */
export function ProjectionCards({ projection, monthName }: { projection: MarginProjection; monthName: string }) {
  const loss = projection.marginMicros < 0;
  return (
    <dl className="grid grid-cols-1 gap-3 sm:grid-cols-3 sm:gap-4" aria-label={`Projection to the end of ${monthName}`}>
      <Kpi label="Projected revenue" value={formatUsd(projection.revenueMicros)} note="Plans as assigned now, to the month’s last day" />
      <Kpi label="Projected API cost" value={formatUsd(projection.costMicros)} note="Cost so far ÷ time elapsed × the month’s length" />
      <Kpi
        label="Projected margin"
        value={formatUsd(projection.marginMicros)}
        tone={loss ? "danger" : "neutral"}
        icon={loss ? <LossIcon className="size-5" /> : undefined}
        note={projection.marginPct === null ? "No revenue projected" : `${formatPercent(projection.marginPct / 100)} of projected revenue`}
      />
    </dl>
  );
}

/** How many of the month's calls carry an estimate or no price, and what that means. */
export function DataQualityNote({ estimated, priceMissing }: { estimated: number; priceMissing: number }) {
  if (estimated === 0 && priceMissing === 0) {
    return <p className="text-sm text-zinc-600">Every call this month has the upstream’s own usage figures and a price.</p>;
  }
  return (
    <p className="flex items-start gap-1.5 text-sm text-amber-900" role="note">
      <WarningIcon className="mt-0.5 size-4 shrink-0 text-amber-500" />
      <span>
        {estimated > 0 && (
          <>
            <strong className="font-semibold">{formatInteger(estimated)} estimated</strong> call{estimated === 1 ? "" : "s"}: the upstream sent no usage (cut off, aborted or
            left unfinished), so tokens and cost are our estimate.{" "}
          </>
        )}
        {priceMissing > 0 && (
          <>
            <strong className="font-semibold">{formatInteger(priceMissing)} unpriced</strong> call{priceMissing === 1 ? "" : "s"}: no price-book entry for the model at the time,
            so they are costed at the book’s highest rates (a ceiling) — the cost shown may be too high.
          </>
        )}
      </span>
    </p>
  );
}
