import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { formatCompact, formatDay, formatInteger, formatPercent } from "@/lib/format";
import type { QuotaStatus, RateHeadroom } from "@/lib/usage/dashboard";
import { addDays } from "@/lib/usage/dates";

const pct = (value: number, max: number) => (max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0);

/**
 * This billing month's tokens against the plan's quota: used, reserved by calls in flight,
 * and a dashed line where the month ends at the current pace (linear projection).
 */
export function QuotaMeter({ quota, timeZone }: { quota: QuotaStatus; timeZone: string }) {
  const usedPct = pct(quota.usedTokens, quota.quotaTokens);
  const reservedPct = Math.min(100 - usedPct, pct(quota.reservedTokens, quota.quotaTokens));
  const projected = quota.projectedTokens;
  const projectedPct = projected === null || projected === 0 ? null : pct(projected, quota.quotaTokens);
  const over = projected !== null && projected > quota.quotaTokens;
  const fill = usedPct >= 100 ? "bg-red-600" : usedPct >= 80 ? "bg-amber-500" : "bg-indigo-600";
  const lastDay = addDays(quota.periodEnd, -1);
  const valueText = `${formatInteger(quota.usedTokens)} of ${formatInteger(quota.quotaTokens)} tokens used (${formatPercent(quota.usedTokens / quota.quotaTokens)})`;

  return (
    <Card className="min-w-0">
      <CardHeader>
        <h2 id="quota-title" className="font-semibold text-zinc-900">
          Monthly token quota
        </h2>
        <p className="mt-1 text-sm text-zinc-600">
          The whole workspace, quota month {formatDay(quota.period)} – {formatDay(lastDay)} (tenant time zone, {timeZone}).
        </p>
      </CardHeader>
      <CardBody className="space-y-4">
        <div>
          <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
            <p className="text-2xl font-semibold tracking-tight text-zinc-900 tabular-nums">
              {formatCompact(quota.usedTokens)} <span className="text-base font-normal text-zinc-600">of {formatCompact(quota.quotaTokens)} tokens</span>
            </p>
            <p className="text-sm text-zinc-600 tabular-nums">{formatPercent(quota.usedTokens / quota.quotaTokens)} used</p>
          </div>
          <div className="relative mt-3 pb-6">
            <div
              role="meter"
              aria-labelledby="quota-title"
              aria-valuemin={0}
              aria-valuemax={quota.quotaTokens}
              aria-valuenow={Math.min(quota.usedTokens, quota.quotaTokens)}
              aria-valuetext={valueText}
              className="flex h-3 overflow-hidden rounded-full bg-zinc-100"
            >
              <div className={cn("h-full", fill)} style={{ width: `${usedPct}%` }} />
              <div className="h-full bg-indigo-300" style={{ width: `${reservedPct}%` }} />
            </div>
            {projectedPct !== null && (
              <div aria-hidden="true" className="absolute top-[-4px] h-5 border-l-2 border-dashed border-zinc-700" style={{ left: `calc(${projectedPct}% - 1px)` }}>
                <span className={cn("absolute top-6 text-xs whitespace-nowrap text-zinc-700", projectedPct > 60 ? "right-1" : "left-1")}>
                  {over ? "Projected: over quota" : "Projected month end"}
                </span>
              </div>
            )}
          </div>
        </div>
        <ul className="space-y-1.5 text-sm text-zinc-700">
          {projected === null ? (
            <li>Too early in the month to project.</li>
          ) : (
            <li>
              At this pace: about <strong className="font-semibold tabular-nums">{formatCompact(projected)} tokens</strong> by month end ({formatPercent(projected / quota.quotaTokens, 0)} of
              the quota).
            </li>
          )}
          {quota.projectedExhaustionAt && (
            <li className="text-amber-800">
              Projected to reach the quota on <strong className="font-semibold">{formatDay(quota.projectedExhaustionAt.slice(0, 10))}</strong>.
            </li>
          )}
          {quota.reservedTokens > 0 && <li>{formatInteger(quota.reservedTokens)} tokens reserved by calls in progress.</li>}
        </ul>
      </CardBody>
    </Card>
  );
}

function Headroom({ id, label, unit, remaining, limit }: { id: string; label: string; unit: string; remaining: number; limit: number }) {
  const left = pct(remaining, limit);
  const fill = left <= 10 ? "bg-red-600" : left <= 30 ? "bg-amber-500" : "bg-emerald-600";
  return (
    <div>
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 text-sm">
        <span id={id} className="font-medium text-zinc-800">
          {label}
        </span>
        <span className="text-zinc-600 tabular-nums">
          {formatInteger(remaining)} of {formatInteger(limit)} {unit} available
        </span>
      </div>
      <div
        role="meter"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={remaining}
        aria-valuetext={`${formatInteger(remaining)} of ${formatInteger(limit)} ${unit} per minute available`}
        className="mt-2 h-2.5 overflow-hidden rounded-full bg-zinc-100"
      >
        <div className={cn("h-full", fill)} style={{ width: `${left}%` }} />
      </div>
    </div>
  );
}

/** What the workspace may still send in the current minute (sliding windows, right now). */
export function HeadroomMeters({ headroom }: { headroom: RateHeadroom }) {
  return (
    <Card className="min-w-0">
      <CardHeader>
        <h2 className="font-semibold text-zinc-900">Rate-limit headroom</h2>
        <p className="mt-1 text-sm text-zinc-600">The workspace&rsquo;s per-minute limits, as of loading this page.</p>
      </CardHeader>
      <CardBody className="space-y-5">
        <Headroom id="headroom-requests" label="Requests per minute" unit="requests" remaining={headroom.requestsPerMinute.remaining} limit={headroom.requestsPerMinute.limit} />
        <Headroom id="headroom-tokens" label="Tokens per minute" unit="tokens" remaining={headroom.tokensPerMinute.remaining} limit={headroom.tokensPerMinute.limit} />
        {headroom.degraded && <p className="text-xs text-amber-800">The shared limit store did not answer: these numbers are this server&rsquo;s own estimate.</p>}
      </CardBody>
    </Card>
  );
}
