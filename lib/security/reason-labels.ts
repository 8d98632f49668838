/**
 * What a screening or leak reason means, for the people reading the Security tab. Reason ids
 * are the detector's rule ids (lib/security/screen-rules.ts), `<category>.<language or
 * variant>`, and the leak watcher's (lib/security/leak-watcher.ts); the category is the part
 * before the first dot. The ids stay visible beside the labels: they say which rule fired.
 */
const CATEGORY_LABELS: Record<string, string> = {
  override: "Instruction override",
  cooccur: "Instruction override",
  extraction: "System prompt extraction",
  forgery: "Forged markers or chat turns",
  jailbreak: "Role-play or jailbreak template",
  encoded: "Encoded payload",
  embedded: "Instructions inside pasted content",
  cross_tenant: "Another workspace's or user's data",
};
const REASON_LABELS: Record<string, string> = {
  "leak.canary": "Reply contained the workspace's secret marker",
  "leak.verbatim_prompt": "Reply repeated the instructions verbatim",
};

/** A rule found in decoded text is `<encoding>:<rule id>` ("base64:override.en"). */
function labelOf(reason: string): string {
  const colon = reason.indexOf(":");
  if (colon > 0) {
    const inner = labelOf(reason.slice(colon + 1));
    return inner === reason.slice(colon + 1) ? reason : `${inner} (${reason.slice(0, colon)}-encoded)`;
  }
  return REASON_LABELS[reason] ?? CATEGORY_LABELS[reason.split(".")[0] ?? ""] ?? reason;
}

/** Distinct labels of a list of reason ids, in first-seen order; unknown ids as they are. */
export function reasonLabels(reasons: readonly string[]): string[] {
  return [...new Set(reasons.map(labelOf))];
}
