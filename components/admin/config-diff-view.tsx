import { cn } from "@/components/ui/cn";
import type { ConfigChange, LineOp } from "@/lib/admin/config-diff";
import { CONFIG_FIELD_LABELS, SCREENING_POLICY_LABELS, type ScreeningPolicy } from "@/lib/admin/config-schema";
import type { ModelTier } from "@/lib/db/generated/enums";
import { formatInteger } from "@/lib/format";
import { TIER_LABELS } from "@/lib/llm/models";
import { ROUTING_MODE_LABELS, routingModeOf } from "@/lib/routing/modes";

function scalarText(field: ConfigChange["field"], value: string | number): string {
  if (field === "modelTier") return TIER_LABELS[value as ModelTier] ?? String(value);
  if (field === "routingMode") return ROUTING_MODE_LABELS[routingModeOf(String(value))];
  if (field === "screeningPolicy") return SCREENING_POLICY_LABELS[value as ScreeningPolicy] ?? String(value);
  if (typeof value === "number") return formatInteger(value);
  return value;
}

/** Field-level changes from `before` to `after`, readable without colour too. */
export function ConfigDiffView({ changes }: { changes: ConfigChange[] }) {
  return (
    <dl className="space-y-4">
      {changes.map((change) => (
        <div key={change.field}>
          <dt className="text-sm font-medium text-zinc-900">{CONFIG_FIELD_LABELS[change.field]}</dt>
          <dd className="mt-1.5 text-sm">
            {change.kind === "scalar" && (
              <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <span className="sr-only">from</span>
                <del className="rounded bg-red-50 px-1.5 py-0.5 text-red-800 decoration-red-800/50">{scalarText(change.field, change.before)}</del>
                <span aria-hidden="true" className="text-zinc-400">
                  →
                </span>
                <span className="sr-only">to</span>
                <ins className="rounded bg-emerald-50 px-1.5 py-0.5 text-emerald-800 no-underline">{scalarText(change.field, change.after)}</ins>
              </p>
            )}
            {change.kind === "tags" && <TagChanges added={change.added} removed={change.removed} reordered={change.reordered} />}
            {change.kind === "text" && <LineDiff lines={change.lines} />}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function TagChanges({ added, removed, reordered }: { added: string[]; removed: string[]; reordered: boolean }) {
  if (reordered) return <p className="text-zinc-600">Same topics in a different order.</p>;
  return (
    <ul className="flex flex-wrap gap-1.5">
      {removed.map((tag) => (
        <li key={`-${tag}`} className="rounded-md bg-red-50 px-2 py-0.5 text-red-800 ring-1 ring-red-600/15 ring-inset">
          <span aria-hidden="true">− </span>
          <span className="sr-only">Removed: </span>
          <del className="decoration-red-800/50">{tag}</del>
        </li>
      ))}
      {added.map((tag) => (
        <li key={`+${tag}`} className="rounded-md bg-emerald-50 px-2 py-0.5 text-emerald-800 ring-1 ring-emerald-600/15 ring-inset">
          <span aria-hidden="true">+ </span>
          <span className="sr-only">Added: </span>
          {tag}
        </li>
      ))}
    </ul>
  );
}

const LINE_STYLE: Record<LineOp["op"], { row: string; mark: string; label: string }> = {
  same: { row: "text-zinc-600", mark: " ", label: "" },
  added: { row: "bg-emerald-50 text-emerald-900", mark: "+", label: "Added: " },
  removed: { row: "bg-red-50 text-red-900", mark: "−", label: "Removed: " },
};

function LineDiff({ lines }: { lines: LineOp[] }) {
  if (lines.length === 0) return <p className="text-zinc-600">Empty.</p>;
  return (
    <div tabIndex={0} className="max-h-80 overflow-auto rounded-lg py-1 font-mono text-xs leading-relaxed ring-1 ring-zinc-200 focus-visible:outline-2 focus-visible:outline-indigo-600">
      {lines.map((line, index) => {
        const style = LINE_STYLE[line.op];
        return (
          <div key={index} className={cn("flex gap-2 px-2", style.row)}>
            <span aria-hidden="true" className="w-3 shrink-0 select-none">
              {style.mark}
            </span>
            <span className="min-w-0 whitespace-pre-wrap break-words">
              {style.label && <span className="sr-only">{style.label}</span>}
              {line.text === "" ? "\u00a0" : line.text}
            </span>
          </div>
        );
      })}
    </div>
  );
}
