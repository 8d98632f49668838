import { describe, expect, it } from "vitest";
import { inline, literal } from "@/lib/db/sql";

describe("SQL literals for the hot path's one-round-trip statements", () => {
  it("quotes strings by doubling quotes (and E-prefixes backslashes)", () => {
    expect(literal("it's")).toBe("'it''s'");
    expect(literal("a\\b")).toBe(" E'a\\\\b'");
    expect(literal("'); DROP TABLE messages; --")).toBe("'''); DROP TABLE messages; --'");
  });

  it("writes numbers, booleans, null, bigints, dates and JSON", () => {
    expect(literal(42)).toBe("42");
    expect(literal(true)).toBe("TRUE");
    expect(literal(null)).toBe("NULL");
    expect(literal(12n)).toBe("12");
    expect(literal(new Date("2026-01-02T03:04:05.000Z"))).toBe("'2026-01-02T03:04:05.000Z'");
    expect(literal({ a: "it's" })).toBe(`'{"a":"it''s"}'`);
    expect(() => literal(Number.NaN)).toThrow();
  });

  it("replaces $10 as a whole, not as $1 followed by 0", () => {
    const params = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(inline("SELECT $1, $10", params)).toBe("SELECT 1, 10");
    expect(() => inline("SELECT $2", [1])).toThrow(/missing/);
  });

  it("does not rescan inserted values for placeholders", () => {
    expect(inline("SELECT $1, $2", ["$2", "x"])).toBe("SELECT '$2', 'x'");
  });
});
