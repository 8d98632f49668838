import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";

/**
 * A chart with its name (figcaption) and, for screen readers, the same numbers as a table.
 * The chart itself is labelled by the caption, so assistive tech announces one name.
 */
export interface ChartTable {
  caption: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export function ChartFigure({ id, title, description, table, children, className }: { id: string; title: string; description?: ReactNode; table: ChartTable; children: ReactNode; className?: string }) {
  return (
    <Card className={cn("min-w-0", className)}>
      <figure aria-labelledby={`${id}-title`} className="m-0 flex h-full flex-col">
        <figcaption className="border-b border-zinc-100 px-5 py-4 sm:px-6">
          <h2 id={`${id}-title`} className="font-semibold text-zinc-900">
            {title}
          </h2>
          {description && <p className="mt-1 text-sm text-zinc-600">{description}</p>}
        </figcaption>
        <div className="px-2 py-4 sm:px-4 [&_.recharts-surface]:rounded-md [&_.recharts-surface:focus-visible]:outline-2 [&_.recharts-surface:focus-visible]:outline-offset-2 [&_.recharts-surface:focus-visible]:outline-indigo-600">
          {children}
        </div>
        {/* A table ignores the 1px width of .sr-only and would widen the page: wrap it. */}
        <div className="sr-only">
          <table>
          <caption>{table.caption}</caption>
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) =>
                  j === 0 ? (
                    <th key={j} scope="row">
                      {cell}
                    </th>
                  ) : (
                    <td key={j}>{cell}</td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
          </table>
        </div>
      </figure>
    </Card>
  );
}
