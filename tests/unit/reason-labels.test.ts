import { describe, expect, it } from "vitest";
import { reasonLabels } from "@/lib/security/reason-labels";
import { COMBO_RULES } from "@/lib/security/screen-lexicon";
import { COOCCURRENCE_RULES, SCREEN_RULES } from "@/lib/security/screen-rules";

describe("reasonLabels", () => {
  it("labels every rule the detector has (no raw id reaches the Security tab as its only text)", () => {
    const ids = [...SCREEN_RULES, ...COOCCURRENCE_RULES, ...COMBO_RULES].map((r) => r.id).concat(["leak.canary", "leak.verbatim_prompt", "hidden.split_attack_words", "hidden.tag_characters", "hidden.invisible_characters", "hidden.mixed_script_words"]);
    const unlabelled = ids.filter((id) => reasonLabels([id])[0] === id);
    expect(unlabelled).toEqual([]);
  });

  it("gives each category once, in first-seen order, and keeps an unknown id as it is", () => {
    expect(reasonLabels(["override.en", "override.fr", "extraction.en", "combo.dismiss_instructions"])).toEqual(["Instruction override", "System prompt extraction"]);
    expect(reasonLabels(["leak.canary"])).toEqual(["Reply contained the workspace's secret marker"]);
    expect(reasonLabels(["something.new"])).toEqual(["something.new"]);
    expect(reasonLabels(["base64:override.en", "base64:override.fr", "rot13:extraction.en", "hex:what.ever"])).toEqual([
      "Instruction override (base64-encoded)",
      "System prompt extraction (rot13-encoded)",
      "hex:what.ever",
    ]);
  });
});
