import { describe, expect, it } from "vitest";
import { diffConfigs, diffLines, summariseChanges } from "@/lib/admin/config-diff";
import { CONFIG_LIMITS, groupFieldErrors, tenantConfigSchema, type TenantConfigFields } from "@/lib/admin/config-schema";

const free = { allowedTiers: ["economy", "standard"] as const, maxTokensCap: 1024 };
const professional = { allowedTiers: ["economy", "standard", "premium"] as const, maxTokensCap: 4096 };

const base: TenantConfigFields = {
  companyName: "Acme Robotics",
  persona: "Robo, a helpful support engineer.",
  allowedTopics: ["warranty", "firmware"],
  restrictedTopics: ["legal advice"],
  customInstructions: "Ask for the serial number.",
  modelTier: "standard",
  maxTokens: 1024,
  screeningPolicy: "flag",
  routingMode: "fixed",
};

function issues(input: unknown, plan: { allowedTiers: readonly ("economy" | "standard" | "premium")[]; maxTokensCap: number } = free) {
  const result = tenantConfigSchema(plan).safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("tenantConfigSchema", () => {
  it("accepts a valid config and normalises whitespace in text and topics", () => {
    const parsed = tenantConfigSchema(free).parse({
      ...base,
      companyName: "  Acme Robotics ",
      persona: "\n Robo \n",
      allowedTopics: ["  robot   maintenance ", "warranty"],
      customInstructions: "   ",
    });
    expect(parsed.companyName).toBe("Acme Robotics");
    expect(parsed.persona).toBe("Robo");
    expect(parsed.allowedTopics).toEqual(["robot maintenance", "warranty"]);
    expect(parsed.customInstructions).toBe("");
  });

  it("bounds the text fields", () => {
    expect(issues({ ...base, companyName: " " }).map((i) => i.path)).toEqual(["companyName"]);
    expect(issues({ ...base, companyName: "x".repeat(101) }).map((i) => i.path)).toEqual(["companyName"]);
    expect(tenantConfigSchema(free).safeParse({ ...base, companyName: "x".repeat(100) }).success).toBe(true);
    expect(issues({ ...base, persona: "" }).map((i) => i.path)).toEqual(["persona"]);
    expect(issues({ ...base, persona: "p".repeat(2001) }).map((i) => i.path)).toEqual(["persona"]);
    expect(tenantConfigSchema(free).safeParse({ ...base, persona: "p".repeat(2000) }).success).toBe(true);
    expect(issues({ ...base, customInstructions: "c".repeat(4001) }).map((i) => i.path)).toEqual(["customInstructions"]);
    expect(tenantConfigSchema(free).safeParse({ ...base, customInstructions: "c".repeat(4000) }).success).toBe(true);
  });

  it("refuses empty, long, duplicate (any case) and too many topics, pointing at the item", () => {
    expect(issues({ ...base, allowedTopics: ["ok", "   "] })).toEqual([{ path: "allowedTopics.1", message: "A topic can’t be empty." }]);
    expect(issues({ ...base, allowedTopics: ["t".repeat(61)] }).map((i) => i.path)).toEqual(["allowedTopics.0"]);
    expect(tenantConfigSchema(free).safeParse({ ...base, allowedTopics: ["t".repeat(60)] }).success).toBe(true);
    expect(issues({ ...base, restrictedTopics: ["Legal", "legal "] }).map((i) => i.path)).toEqual(["restrictedTopics.1"]);
    const thirty = Array.from({ length: CONFIG_LIMITS.topicCount }, (_, i) => `topic ${i}`);
    expect(tenantConfigSchema(free).safeParse({ ...base, allowedTopics: thirty }).success).toBe(true);
    expect(issues({ ...base, allowedTopics: [...thirty, "one more"] }).map((i) => i.path)).toEqual(["allowedTopics"]);
  });

  it("refuses a topic that is both allowed and restricted, whatever its case", () => {
    expect(issues({ ...base, allowedTopics: ["Warranty"], restrictedTopics: ["legal", " warranty"] })).toEqual([
      { path: "restrictedTopics.1", message: "“warranty” can’t be both allowed and restricted." },
    ]);
  });

  it("only allows the plan's tiers", () => {
    expect(issues({ ...base, modelTier: "premium" }, free)).toEqual([{ path: "modelTier", message: "Premium isn’t included in your plan." }]);
    expect(tenantConfigSchema(professional).safeParse({ ...base, modelTier: "premium" }).success).toBe(true);
    expect(issues({ ...base, modelTier: "ultra" }, professional).map((i) => i.path)).toEqual(["modelTier"]);
  });

  it("bounds maxTokens by 64 and the plan's cap, whole numbers only", () => {
    expect(tenantConfigSchema(free).safeParse({ ...base, maxTokens: 64 }).success).toBe(true);
    expect(tenantConfigSchema(free).safeParse({ ...base, maxTokens: 1024 }).success).toBe(true);
    expect(issues({ ...base, maxTokens: 63 }).map((i) => i.path)).toEqual(["maxTokens"]);
    expect(issues({ ...base, maxTokens: 1025 })).toEqual([{ path: "maxTokens", message: "At most 1,024 on your plan." }]);
    expect(tenantConfigSchema(professional).safeParse({ ...base, maxTokens: 4096 }).success).toBe(true);
    expect(issues({ ...base, maxTokens: 100.5 }).map((i) => i.path)).toEqual(["maxTokens"]);
    expect(issues({ ...base, maxTokens: "512" }).map((i) => i.path)).toEqual(["maxTokens"]);
    expect(issues({ ...base, maxTokens: Number.NaN }).map((i) => i.path)).toEqual(["maxTokens"]);
  });

  it("groups the error envelope's dotted paths by field", () => {
    expect(groupFieldErrors({ "allowedTopics.1": ["a"], allowedTopics: ["b"], persona: ["c"], "": ["d"] })).toEqual({
      allowedTopics: ["a", "b"],
      persona: ["c"],
      _: ["d"],
    });
  });
});

describe("diffConfigs", () => {
  it("finds nothing between equal configs", () => {
    expect(diffConfigs(base, { ...base, allowedTopics: [...base.allowedTopics] })).toEqual([]);
  });

  it("reports changed scalars with before and after", () => {
    expect(diffConfigs(base, { ...base, modelTier: "economy", maxTokens: 512, companyName: "Acme" })).toEqual([
      { kind: "scalar", field: "companyName", before: "Acme Robotics", after: "Acme" },
      { kind: "scalar", field: "modelTier", before: "standard", after: "economy" },
      { kind: "scalar", field: "maxTokens", before: 1024, after: 512 },
    ]);
  });

  it("reports added and removed tags, and a pure reorder", () => {
    expect(diffConfigs(base, { ...base, allowedTopics: ["firmware", "orders"], restrictedTopics: [] })).toEqual([
      { kind: "tags", field: "allowedTopics", added: ["orders"], removed: ["warranty"], reordered: false },
      { kind: "tags", field: "restrictedTopics", added: [], removed: ["legal advice"], reordered: false },
    ]);
    expect(diffConfigs(base, { ...base, allowedTopics: ["firmware", "warranty"] })).toEqual([
      { kind: "tags", field: "allowedTopics", added: [], removed: [], reordered: true },
    ]);
  });

  it("diffs long text line by line", () => {
    const before = "line one\nline two\nline three\nline four";
    const after = "line one\nline 2\nline three\nline four\nline five";
    const [change] = diffConfigs({ ...base, persona: before }, { ...base, persona: after });
    expect(change).toEqual({
      kind: "text",
      field: "persona",
      lines: [
        { op: "same", text: "line one" },
        { op: "removed", text: "line two" },
        { op: "added", text: "line 2" },
        { op: "same", text: "line three" },
        { op: "same", text: "line four" },
        { op: "added", text: "line five" },
      ],
    });
  });
});

describe("diffLines", () => {
  it("keeps the longest common subsequence in the middle", () => {
    expect(diffLines("a\nb\nc\nd\ne", "a\nc\nx\ne")).toEqual([
      { op: "same", text: "a" },
      { op: "removed", text: "b" },
      { op: "same", text: "c" },
      { op: "removed", text: "d" },
      { op: "added", text: "x" },
      { op: "same", text: "e" },
    ]);
  });

  it("treats empty text as no lines", () => {
    expect(diffLines("", "new")).toEqual([{ op: "added", text: "new" }]);
    expect(diffLines("old", "")).toEqual([{ op: "removed", text: "old" }]);
    expect(diffLines("", "")).toEqual([]);
  });

  it("rebuilds both sides from its output", () => {
    const before = "x\ny\nz\ny\nx\nw";
    const after = "y\nx\nw\nz\nz\nx";
    const ops = diffLines(before, after);
    expect(ops.filter((o) => o.op !== "added").map((o) => o.text).join("\n")).toBe(before);
    expect(ops.filter((o) => o.op !== "removed").map((o) => o.text).join("\n")).toBe(after);
    // LCS of the two is 3 lines long (e.g. y, x, x or y, w, x … any of length 3).
    expect(ops.filter((o) => o.op === "same")).toHaveLength(3);
  });
});

describe("summariseChanges", () => {
  it("names every changed field and copies small values, never long text", () => {
    const changes = diffConfigs(base, { ...base, persona: "Someone else entirely.", allowedTopics: ["warranty"], maxTokens: 256 });
    const summary = summariseChanges(changes);
    expect(summary).toEqual({
      changed: ["persona", "allowedTopics", "maxTokens"],
      allowedTopics: { added: [], removed: ["firmware"] },
      maxTokens: { from: 1024, to: 256 },
    });
    expect(JSON.stringify(summary)).not.toContain("Someone else");
  });
});
