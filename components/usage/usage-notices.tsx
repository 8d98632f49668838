import { Alert } from "@/components/ui/alert";
import { formatCompact, formatInstant } from "@/lib/format";
import type { UsageNotice } from "@/lib/usage/dashboard";

/** Quota notices of this billing month and (admins) recent anomaly flags, at the top of the page. */
export function UsageNotices({ notices, timeZone }: { notices: UsageNotice[]; timeZone: string }) {
  if (notices.length === 0) return null;
  return (
    <section aria-label="Usage notices" className="space-y-3">
      {notices.map((n) =>
        n.kind === "quota" ? (
          <Alert key={`quota-${n.level}`} tone={n.level === "quota_100" ? "error" : "warning"} title="Monthly quota">
            {n.message}
          </Alert>
        ) : (
          <Alert key={`anomaly-${n.hourStart}`} tone="warning" title="Unusual usage">
            {formatCompact(n.tokens)} tokens in the hour from {formatInstant(n.hourStart, timeZone)}
            {n.ratio !== null ? `, ${n.ratio >= 10 ? Math.round(n.ratio) : n.ratio.toFixed(1)}× the usual hourly amount` : ", with no earlier usage to compare with"}. Check for
            runaway scripts or leaked API keys.
          </Alert>
        ),
      )}
    </section>
  );
}
