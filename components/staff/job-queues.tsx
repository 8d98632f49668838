import { Badge } from "@/components/ui/badge";
import { formatInteger } from "@/lib/format";
import type { JobQueueStatus } from "@/lib/jobs/status";

/** The background queues' counts (lib/jobs/status.ts); failed jobs stand out. */
export function JobQueues({ queues }: { queues: JobQueueStatus[] | null }) {
  if (!queues) return <p className="px-5 py-4 text-sm text-zinc-600 sm:px-6">The job queue could not be read (see the server log).</p>;
  return (
    <div className="overflow-x-auto">
      <table aria-labelledby="jobs-heading" className="w-full text-left text-sm">
        <thead className="border-b border-zinc-100 bg-zinc-50 text-xs font-medium text-zinc-600">
          <tr>
            <th scope="col" className="px-5 py-2.5 sm:px-6">Queue</th>
            <th scope="col" className="px-3 py-2.5 text-right">Waiting</th>
            <th scope="col" className="px-3 py-2.5 text-right">Running</th>
            <th scope="col" className="px-3 py-2.5 text-right">Failed</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {queues.map((q) => (
            <tr key={q.name}>
              <td className="px-5 py-2.5 sm:px-6">
                <code className="text-xs">{q.name}</code>
                {q.schedule && <span className="ml-2 text-xs text-zinc-500">cron {q.schedule}</span>}
              </td>
              <td className="px-3 py-2.5 text-right tabular-nums">
                {formatInteger(q.queued)}
              </td>
              <td className="px-3 py-2.5 text-right tabular-nums">{formatInteger(q.active)}</td>
              <td className="px-3 py-2.5 text-right tabular-nums">{q.failed > 0 ? <Badge tone="danger">{formatInteger(q.failed)}</Badge> : "0"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
