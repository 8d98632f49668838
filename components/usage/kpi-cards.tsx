import { Card } from "@/components/ui/card";
import { formatCompact, formatInteger, formatMs, formatPercent, formatUsd } from "@/lib/format";
import type { UsageDashboard } from "@/lib/usage/dashboard";

function Kpi({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <Card className="min-w-0 px-4 py-4 sm:px-5">
      <dt className="text-sm font-medium text-zinc-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 tabular-nums">{value}</dd>
      {detail && <dd className="mt-1 text-xs text-zinc-600">{detail}</dd>}
    </Card>
  );
}

/** Headline numbers for the range: tokens, cost, requests, error rate, latency and time to first token. */
export function KpiCards({ dashboard }: { dashboard: UsageDashboard }) {
  const { totals, latency, timeToFirstToken } = dashboard;
  const errorRate = totals.requests > 0 ? totals.errors / totals.requests : 0;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-3 xl:grid-cols-6" aria-label="Usage summary">
      <Kpi label="Tokens" value={formatCompact(totals.tokens)} detail={`${formatCompact(totals.inputTokens)} in · ${formatCompact(totals.outputTokens)} out · ${formatCompact(totals.cacheReadTokens + totals.cacheWriteTokens)} cache`} />
      <Kpi label="Cost" value={formatUsd(totals.costMicros)} detail="List price of the calls" />
      <Kpi label="Requests" value={formatInteger(totals.requests)} detail={`${formatInteger(totals.aborted)} stopped early`} />
      <Kpi label="Error rate" value={formatPercent(errorRate)} detail={`${formatInteger(totals.errors)} failed calls`} />
      <Kpi label="Latency, median" value={formatMs(latency.p50)} detail={`P95 ${formatMs(latency.p95)} · whole call`} />
      <Kpi label="First token, median" value={formatMs(timeToFirstToken.p50)} detail={`P95 ${formatMs(timeToFirstToken.p95)} · until the answer starts`} />
    </dl>
  );
}

/** Estimated and unpriced calls in the range: how many, and what it means for the numbers above. */
export function DataQualityNotice({ estimated, priceMissing }: { estimated: number; priceMissing: number }) {
  if (estimated === 0 && priceMissing === 0) return null;
  return (
    <p role="note" className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset" data-testid="usage-data-quality">
      {estimated > 0 && (
        <>
          <strong className="font-semibold">{formatInteger(estimated)} estimated</strong> call{estimated === 1 ? "" : "s"}: the model’s service reported no usage (the call
          was stopped, cut off or interrupted), so their tokens and cost are our estimate.{" "}
        </>
      )}
      {priceMissing > 0 && (
        <>
          <strong className="font-semibold">{formatInteger(priceMissing)} unpriced</strong> call{priceMissing === 1 ? "" : "s"}: the model had no list price at the time, so
          their cost uses the highest rates we know and may be too high.
        </>
      )}
    </p>
  );
}
