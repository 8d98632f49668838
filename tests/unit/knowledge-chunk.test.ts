import { describe, expect, it } from "vitest";
import { chunkBlocks } from "@/lib/knowledge/chunk";
import { estimateTextTokens } from "@/lib/llm/tokens";
import type { Block } from "@/lib/knowledge/parse";

const para = (text: string): Block => ({ kind: "paragraph", text });
const heading = (level: number, text: string): Block => ({ kind: "heading", level, text });
/** A paragraph of about `tokens` estimated tokens, recognisable by its tag. */
const sized = (tag: string, tokens: number) => para(`${tag} ${"x".repeat(Math.max(0, tokens * 4 - tag.length - 1))}`);

describe("chunkBlocks", () => {
  it("never spans two sections and records the heading path, outermost first", () => {
    const chunks = chunkBlocks([heading(1, "Policies"), para("intro"), heading(2, "Travel"), para("book flights"), heading(2, "Expenses"), para("receipts"), heading(1, "Other"), para("misc")]);
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [["Policies"], "intro"],
      [["Policies", "Travel"], "book flights"],
      [["Policies", "Expenses"], "receipts"],
      [["Other"], "misc"],
    ]);
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1, 2, 3]);
  });

  it("packs paragraphs up to the bound and repeats the last ones as overlap in the next chunk", () => {
    const blocks = [sized("p1", 40), sized("p2", 40), sized("p3", 40), sized("p4", 40)];
    const chunks = chunkBlocks(blocks, { maxTokens: 100, overlapTokens: 45 });
    expect(chunks.map((c) => c.text.split("\n\n").map((p) => p.split(" ")[0]))).toEqual([
      ["p1", "p2"],
      ["p2", "p3"],
      ["p3", "p4"],
    ]);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(100);
  });

  it("splits a paragraph over the bound at sentence ends, each piece within the bound", () => {
    const long = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} says something about refunds.`).join(" ");
    const chunks = chunkBlocks([para(long)], { maxTokens: 60, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(estimateTextTokens(c.text)).toBeLessThanOrEqual(60);
      expect(c.text.endsWith(".")).toBe(true);
    }
    expect(chunks.map((c) => c.text).join(" ")).toBe(long);
  });

  it("cuts a single word longer than a chunk at the bound", () => {
    const chunks = chunkBlocks([para("y".repeat(1000))], { maxTokens: 50, overlapTokens: 0 });
    expect(chunks.map((c) => c.text.length)).toEqual([200, 200, 200, 200, 200]);
  });

  it("is deterministic: the same blocks give the same chunks", () => {
    const blocks = [heading(1, "A"), sized("a", 120), sized("b", 200), heading(2, "B"), sized("c", 500)];
    expect(chunkBlocks(blocks)).toEqual(chunkBlocks(structuredClone(blocks)));
  });
});
