import { COMBO_RULES } from "@/lib/security/screen-lexicon";
import { COOCCURRENCE_RULES, SCREEN_RULES } from "@/lib/security/screen-rules";

/**
 * What a screening or leak reason means, for the people reading the Security tab (computed
 * on the server: the rule tables stay out of the browser). A reason is a rule id of the
 * detector (lib/security/screen-rules.ts, screen-lexicon.ts), `<encoding>:<rule id>` when the
 * rule matched decoded text, a `hidden.*` signal of lib/security/screen.ts, or the leak
 * watcher's (lib/security/leak-watcher.ts). Labels go by the rule's category; the ids stay
 * visible beside them: they say which rule fired.
 */
const CATEGORY_LABELS: Record<string, string> = {
  override: "Instruction override",
  extraction: "System prompt extraction",
  forgery: "Forged markers or chat turns",
  jailbreak: "Role-play or jailbreak template",
  encoded: "Encoded payload",
  embedded: "Instructions inside pasted content",
  cross_tenant: "Another workspace's or user's data",
  hidden: "Hidden or disguised text",
};
const REASON_LABELS: Record<string, string> = {
  "leak.canary": "Reply contained the workspace's secret marker",
  "leak.verbatim_prompt": "Reply repeated the instructions verbatim",
};
const CATEGORY_OF = new Map<string, string>([...SCREEN_RULES, ...COOCCURRENCE_RULES, ...COMBO_RULES].map((r) => [r.id, r.category]));

function labelOf(reason: string): string {
  const colon = reason.indexOf(":");
  if (colon > 0) {
    const inner = reason.slice(colon + 1);
    const label = labelOf(inner);
    return label === inner ? reason : `${label} (${reason.slice(0, colon)}-encoded)`;
  }
  const category = CATEGORY_OF.get(reason) ?? reason.split(".")[0] ?? "";
  return REASON_LABELS[reason] ?? CATEGORY_LABELS[category] ?? reason;
}

/** Distinct labels of a list of reason ids, in first-seen order; unknown ids as they are. */
export function reasonLabels(reasons: readonly string[]): string[] {
  return [...new Set(reasons.map(labelOf))];
}
