import { WarningIcon } from "@/components/staff/icons";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { GaugeIcon } from "@/components/ui/icons";
import { formatDateTime, formatInteger, formatPercent, formatTimeUtc } from "@/lib/format";
import type { AccountMetric } from "@/lib/limits/account-snapshot";
import type { MetricHeadroom } from "@/lib/staff/account";

const METRIC_LABEL: Record<AccountMetric, string> = {
  requests: "Requests per minute",
  tokens: "Tokens per minute",
  input_tokens: "Input tokens per minute",
  output_tokens: "Output tokens per minute",
};

export function metricLabel(metric: string): string {
  return METRIC_LABEL[metric as AccountMetric] ?? metric;
}

/** The alert band a utilisation sits in, as words and colour together. */
function band(pct: number): { label: string; bar: string; tone: "success" | "warning" | "danger" | "neutral" } {
  if (pct >= 90) return { label: "Above 90%", bar: "bg-red-600", tone: "danger" };
  if (pct >= 70) return { label: "Above 70%", bar: "bg-orange-500", tone: "warning" };
  if (pct >= 50) return { label: "Above 50%", bar: "bg-amber-400", tone: "warning" };
  return { label: "Below 50%", bar: "bg-emerald-500", tone: "success" };
}

export function AccountUtilisation({ metrics, observedAt }: { metrics: MetricHeadroom[]; observedAt: Date | null }) {
  if (observedAt === null || metrics.length === 0) {
    return (
      <EmptyState
        icon={<GaugeIcon className="size-6" />}
        title="No recent reading"
        description="Utilisation comes from the rate-limit headers of Anthropic's responses. None arrived in the last two minutes."
      />
    );
  }
  return (
    <div className="space-y-5">
      <ul role="list" className="space-y-4">
        {metrics.map((m) => {
          const pct = Math.round(m.utilisation * 1000) / 10;
          const b = band(pct);
          const used = m.limit - m.remaining;
          return (
            <li key={m.metric}>
              <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
                <span id={`meter-${m.metric}`} className="text-sm font-medium text-zinc-900">
                  {metricLabel(m.metric)}
                </span>
                <span className="flex items-center gap-2 text-sm text-zinc-600 tabular-nums">
                  {formatPercent(m.utilisation)} used
                  <Badge tone={b.tone} className="gap-1">
                    {pct >= 50 && <WarningIcon className="size-3.5" />}
                    {b.label}
                  </Badge>
                </span>
              </div>
              <div
                role="meter"
                aria-labelledby={`meter-${m.metric}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={pct}
                aria-valuetext={`${formatPercent(m.utilisation)} used: ${formatInteger(m.remaining)} of ${formatInteger(m.limit)} left`}
                className="relative mt-2 h-2.5 overflow-hidden rounded-full bg-zinc-100"
              >
                <div className={cn("h-full rounded-full", b.bar)} style={{ width: `${Math.min(100, pct)}%` }} />
                {[50, 70, 90].map((level) => (
                  <span key={level} aria-hidden="true" className="absolute top-0 h-full w-px bg-zinc-400/70" style={{ left: `${level}%` }} />
                ))}
              </div>
              <p className="mt-1.5 text-xs text-zinc-500 tabular-nums">
                {formatInteger(used)} of {formatInteger(m.limit)} used · {formatInteger(m.remaining)} left
                {m.reset ? ` · resets ${formatTimeUtc(m.reset)}` : ""}
              </p>
            </li>
          );
        })}
      </ul>
      <p className="text-xs text-zinc-500">Last reading {formatDateTime(observedAt, "UTC")}. Marks at 50, 70 and 90% are the alert levels.</p>
    </div>
  );
}
