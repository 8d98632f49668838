import type { TenantConfigFields } from "@/lib/admin/config-schema";

/**
 * Field-level differences between two tenant configurations. Pure: the console diffs in
 * the browser, the server uses the same function to detect "nothing changed" and to
 * summarise a save in the audit log.
 */
export type ScalarField = "companyName" | "modelTier" | "routingMode" | "maxTokens" | "screeningPolicy";
export type TagField = "allowedTopics" | "restrictedTopics";
export type TextField = "persona" | "customInstructions";

export interface LineOp {
  op: "same" | "added" | "removed";
  text: string;
}

export type ConfigChange =
  | { kind: "scalar"; field: ScalarField; before: string | number; after: string | number }
  | { kind: "tags"; field: TagField; added: string[]; removed: string[]; /** same tags, new order (the prompt keeps order) */ reordered: boolean }
  | { kind: "text"; field: TextField; lines: LineOp[] };

type Diffable = Pick<TenantConfigFields, keyof TenantConfigFields>;

/** In the order the console shows the fields. */
export function diffConfigs(before: Diffable, after: Diffable): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const scalar = (field: ScalarField) => {
    if (before[field] !== after[field]) changes.push({ kind: "scalar", field, before: before[field], after: after[field] });
  };
  const text = (field: TextField) => {
    if (before[field] !== after[field]) changes.push({ kind: "text", field, lines: diffLines(before[field], after[field]) });
  };
  const tags = (field: TagField) => {
    const a = before[field];
    const b = after[field];
    if (a.length === b.length && a.every((t, i) => t === b[i])) return;
    const added = b.filter((t) => !a.includes(t));
    const removed = a.filter((t) => !b.includes(t));
    changes.push({ kind: "tags", field, added, removed, reordered: added.length === 0 && removed.length === 0 });
  };
  scalar("companyName");
  text("persona");
  tags("allowedTopics");
  tags("restrictedTopics");
  text("customInstructions");
  scalar("modelTier");
  scalar("routingMode");
  scalar("maxTokens");
  scalar("screeningPolicy");
  return changes;
}

/** Above this many cells the middle of a diff is shown as "all removed, all added". */
const MAX_LCS_CELLS = 1_000_000;

const lines = (text: string) => (text === "" ? [] : text.split("\n"));

/** A line diff (longest common subsequence after trimming the common head and tail). */
export function diffLines(before: string, after: string): LineOp[] {
  const a = lines(before);
  const b = lines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let endA = a.length;
  let endB = b.length;
  while (endA > head && endB > head && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const same = (text: string): LineOp => ({ op: "same", text });
  const midA = a.slice(head, endA);
  const midB = b.slice(head, endB);
  const middle =
    midA.length * midB.length <= MAX_LCS_CELLS
      ? lcsOps(midA, midB)
      : [...midA.map((text): LineOp => ({ op: "removed", text })), ...midB.map((text): LineOp => ({ op: "added", text }))];
  return [...a.slice(0, head).map(same), ...middle, ...a.slice(endA).map(same)];
}

function lcsOps(a: string[], b: string[]): LineOp[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  // lengths[i * width + j] = LCS length of a[i..] and b[j..]
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ op: "same", text: a[i]! });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      ops.push({ op: "removed", text: a[i++]! });
    } else {
      ops.push({ op: "added", text: b[j++]! });
    }
  }
  while (i < n) ops.push({ op: "removed", text: a[i++]! });
  while (j < m) ops.push({ op: "added", text: b[j++]! });
  return ops;
}

/**
 * What the audit log keeps about a save: which fields changed, and the small values
 * (scalars, tags) in full. Long text is named, not copied: the versions keep it.
 */
export function summariseChanges(changes: readonly ConfigChange[]): { changed: string[] } & Record<string, unknown> {
  const summary: { changed: string[] } & Record<string, unknown> = { changed: changes.map((c) => c.field) };
  for (const change of changes) {
    if (change.kind === "scalar") summary[change.field] = { from: change.before, to: change.after };
    if (change.kind === "tags") summary[change.field] = { added: change.added, removed: change.removed };
  }
  return summary;
}
