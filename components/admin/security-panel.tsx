import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/lib/format";
import type { SecurityEventView } from "@/lib/security/security-events";

const VERDICT_LABELS: Readonly<Record<string, { label: string; tone: string }>> = {
  block: { label: "Blocked", tone: "bg-red-50 text-red-700 ring-red-200" },
  flag: { label: "Flagged", tone: "bg-amber-50 text-amber-800 ring-amber-200" },
  cut: { label: "Reply cut", tone: "bg-violet-50 text-violet-700 ring-violet-200" },
};

/** Flagged, blocked and cut turns, newest first (lib/security/security-events.ts). */
export function SecurityPanel({ timeZone, events }: { timeZone: string; events: SecurityEventView[] }) {
  if (events.length === 0) {
    return (
      <EmptyState
        title="No security events"
        description="Messages the prompt-injection screen flags or blocks, and replies cut for leaking the configuration, will be listed here, newest first."
      />
    );
  }
  return (
    <Card className="overflow-hidden">
      <CardHeader>
        <h2 id="security-title" className="font-semibold text-zinc-900">
          Security events
        </h2>
        <p className="mt-1 text-sm text-zinc-600">
          Turns the screen flagged or blocked, with the signals it found and a short excerpt. Times are in {timeZone.replace(/_/g, " ")}.
        </p>
      </CardHeader>
      <div className="overflow-x-auto">
        <table aria-labelledby="security-title" className="w-full text-left text-sm">
          <thead className="border-b border-zinc-100 bg-zinc-50 text-xs font-medium text-zinc-600">
            <tr>
              <th scope="col" className="px-5 py-2.5 sm:px-6">
                Event
              </th>
              <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                User
              </th>
              <th scope="col" className="px-3 py-2.5 text-right">
                Score
              </th>
              <th scope="col" className="hidden px-3 py-2.5 whitespace-nowrap md:table-cell">
                When
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100">
            {events.map((event) => {
              const verdict = VERDICT_LABELS[event.verdict] ?? { label: event.verdict, tone: "bg-zinc-50 text-zinc-700 ring-zinc-200" };
              const when = formatDateTime(event.createdAt, timeZone);
              const who = event.user?.name ?? (event.source === "api" ? "API key" : "Platform");
              return (
                <tr key={event.id} className="align-top">
                  <td className="px-5 py-3 sm:px-6">
                    <span className={cn("inline-flex rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset", verdict.tone)}>{verdict.label}</span>
                    <p className="mt-1 text-zinc-900 [overflow-wrap:anywhere]">“{event.excerpt}”</p>
                    <p className="mt-1 text-xs text-zinc-700 [overflow-wrap:anywhere]">{event.reasonLabels.join(" · ")}</p>
                    <p className="mt-0.5 font-mono text-[11px] text-zinc-500 [overflow-wrap:anywhere]">{event.reasons.join(", ")}</p>
                    <p className="mt-0.5 text-xs text-zinc-500 md:hidden" suppressHydrationWarning>
                      {who} · {when}
                    </p>
                  </td>
                  <td className="hidden px-3 py-3 text-zinc-700 sm:table-cell">{who}</td>
                  <td className="px-3 py-3 text-right tabular-nums text-zinc-700">{event.score}</td>
                  <td className="hidden px-3 py-3 whitespace-nowrap text-zinc-600 md:table-cell">
                    <time dateTime={event.createdAt.toISOString()} suppressHydrationWarning>
                      {when}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
