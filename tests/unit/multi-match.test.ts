import { describe, expect, it } from "vitest";
import { MultiMatcher } from "@/lib/security/multi-match";
import { gateTerms } from "@/lib/security/screen";

/** Every (group, start) a matcher reports, for comparing with a naive search. */
function hits(matcher: MultiMatcher, text: string): string[] {
  const found = matcher.scan(text);
  const out: string[] = [];
  for (let g = 0; g < matcher.groupCount; g++) for (const s of found.starts(g)) out.push(`${g}@${s}`);
  return out.sort();
}

describe("MultiMatcher", () => {
  it("finds word-start prefixes, not the same letters inside a word", () => {
    const m = new MultiMatcher([{ terms: ["ignor"] }]);
    const found = m.scan("please ignore this; signore is italian; IGNORING is upper case");
    expect(found.starts(0)).toEqual([7]);
    expect(found.has(0)).toBe(true);
  });

  it("finds '*' terms anywhere and honours a word end", () => {
    const m = new MultiMatcher([{ terms: ["*gnor"] }, { terms: ["dan\\b"] }]);
    const found = m.scan("signore dan danger dan.");
    expect(found.starts(0)).toEqual([2]);
    expect(found.starts(1)).toEqual([8, 19]);
  });

  it("finds overlapping terms of different groups through failure links", () => {
    // "she" inside "ushers" needs the failure link from "ush" to "sh"; "he" and "hers" overlap it.
    const m = new MultiMatcher([{ terms: ["*he"] }, { terms: ["*she"] }, { terms: ["*his"] }, { terms: ["*hers"] }]);
    expect(hits(m, "ushers")).toEqual(["0@2", "1@1", "3@2"].sort());
  });

  it("matches scripts without word boundaries", () => {
    const m = new MultiMatcher([{ terms: ["*忽略", "*指令"] }, { terms: ["*игнорир"] }]);
    const found = m.scan("请忽略之前的指令。Проигнорируй это.");
    expect(found.starts(0)).toEqual([1, 6]);
    expect(found.starts(1)).toEqual([12]);
  });

  it("agrees with a naive search on random text", () => {
    const terms = ["*ab", "*abc", "*bca", "*c", "*cab", "*aaa", "*ß", "*éa"];
    const m = new MultiMatcher(terms.map((t) => ({ terms: [t] })));
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const text = Array.from({ length: 200 }, () => "abcßé"[Math.floor(rand() * 5)]).join("");
      const expected: string[] = [];
      terms.forEach((t, g) => {
        const needle = t.slice(1);
        for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) expected.push(`${g}@${i}`);
      });
      expect(hits(m, text)).toEqual(expected.sort());
    }
  });

  it("stops recording at a group's limit and says so", () => {
    const m = new MultiMatcher([{ terms: ["*:"], limit: 3 }, { terms: ["*x"] }]);
    const found = m.scan("a:b:c:d:e x");
    expect(found.starts(0)).toEqual([1, 3, 5]);
    expect(found.saturated(0)).toBe(true);
    expect(found.saturated(1)).toBe(false);
  });
});

describe("gateTerms", () => {
  it("turns a gate's alternation into literal terms", () => {
    expect(gateTerms(/ignor|never ?mind|regu[lł]|a\.i\.|\bdan\b|sin |\|/)).toEqual([
      "*ignor",
      "*nevermind",
      "*never mind",
      "*regul",
      "*reguł",
      "*a.i.",
      "dan\\b",
      "*sin ",
      "*|",
    ]);
  });

  it("refuses what it cannot read as literals", () => {
    expect(() => gateTerms(/ig(n)ore/)).toThrow(/unsupported/);
    expect(() => gateTerms(/\w+/)).toThrow(/unsupported/);
  });
});
