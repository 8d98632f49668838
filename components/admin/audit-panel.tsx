"use client";

import { useState, useTransition } from "react";
import { listAuditLogAction } from "@/app/w/[slug]/admin/actions";
import { describeAuditEntry } from "@/components/admin/audit-labels";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import type { AuditPage } from "@/lib/admin/audit";
import { formatDateTime } from "@/lib/format";

/**
 * The audit log a page at a time. Cursors only go older, so the pages already seen are
 * kept to step back without asking the server again.
 */
export function AuditPanel({ slug, timeZone, firstPage }: { slug: string; timeZone: string; firstPage: AuditPage }) {
  const [pages, setPages] = useState<AuditPage[]>([firstPage]);
  const [index, setIndex] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [loading, startLoading] = useTransition();
  const page = pages[index] ?? firstPage;

  function older() {
    if (pages[index + 1]) {
      setIndex(index + 1);
      return;
    }
    const cursor = page.nextCursor;
    if (!cursor) return;
    setError(null);
    startLoading(async () => {
      const result = await listAuditLogAction(slug, cursor);
      if (!result.ok) {
        setError(result.error.message);
        return;
      }
      setPages((p) => [...p.slice(0, index + 1), result.data]);
      setIndex(index + 1);
    });
  }

  if (firstPage.entries.length === 0) {
    return <EmptyState title="Nothing recorded yet" description="Saves, rollbacks, role changes, removals and invites will be listed here, newest first." />;
  }

  return (
    <Card className="overflow-hidden">
      <CardHeader>
        <h2 id="audit-title" className="font-semibold text-zinc-900">
          Audit log
        </h2>
        <p className="mt-1 text-sm text-zinc-600">Who changed what in this workspace, newest first. Times are in {timeZone.replace(/_/g, " ")}.</p>
      </CardHeader>
      {error && (
        <div className="px-5 pt-4 sm:px-6">
          <Alert tone="error">{error}</Alert>
        </div>
      )}
      <div className="overflow-x-auto">
        <table aria-labelledby="audit-title" aria-busy={loading || undefined} className="w-full text-left text-sm">
          <thead className="border-b border-zinc-100 bg-zinc-50 text-xs font-medium text-zinc-600">
            <tr>
              <th scope="col" className="px-5 py-2.5 sm:px-6">
                Event
              </th>
              <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                By
              </th>
              <th scope="col" className="hidden px-3 py-2.5 whitespace-nowrap md:table-cell">
                When
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100">
            {page.entries.map((entry) => {
              const text = describeAuditEntry(entry);
              const when = formatDateTime(entry.createdAt, timeZone);
              return (
                <tr key={entry.id} className="align-top">
                  <td className="px-5 py-3 sm:px-6">
                    <p className="font-medium text-zinc-900">{text.what}</p>
                    {text.detail && <p className="mt-0.5 break-words text-zinc-600">{text.detail}</p>}
                    <p className="mt-0.5 text-xs text-zinc-500 sm:hidden" suppressHydrationWarning>
                      {text.who} · {when}
                    </p>
                    <p className="mt-0.5 hidden text-xs text-zinc-500 sm:block md:hidden" suppressHydrationWarning>
                      {when}
                    </p>
                  </td>
                  <td className="hidden px-3 py-3 text-zinc-700 sm:table-cell">{text.who}</td>
                  <td className="hidden px-3 py-3 whitespace-nowrap text-zinc-600 md:table-cell">
                    <time dateTime={entry.createdAt.toISOString()} suppressHydrationWarning>
                      {when}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {(index > 0 || page.nextCursor) && (
      <nav aria-label="Audit log pages" className="flex items-center justify-between gap-3 border-t border-zinc-100 px-5 py-3 sm:px-6">
        <Button variant="secondary" size="sm" disabled={index === 0 || loading} onClick={() => setIndex(index - 1)}>
          Newer
        </Button>
        <span className="text-xs text-zinc-500">Page {index + 1}</span>
        <Button variant="secondary" size="sm" disabled={!page.nextCursor || loading} loading={loading} onClick={older}>
          Older
        </Button>
      </nav>
      )}
    </Card>
  );
}
