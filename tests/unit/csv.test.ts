import { describe, expect, it } from "vitest";
import { csvField, csvRecord } from "@/lib/usage/csv";

describe("csvField", () => {
  it("quotes fields with commas, quotes and line breaks, doubling inner quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });

  it("writes null as empty, numbers and bigints as decimals, dates in ISO UTC", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(-12)).toBe("-12");
    expect(csvField(12345678901234567890n)).toBe("12345678901234567890");
    expect(csvField(new Date("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05.678Z");
    expect(csvField(false)).toBe("false");
  });

  it("defuses strings a spreadsheet would run as formulas", () => {
    expect(csvField("=HYPERLINK(\"http://evil\")")).toBe("\"'=HYPERLINK(\"\"http://evil\"\")\"");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-cmd")).toBe("'-cmd");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
    expect(csvField("a=b")).toBe("a=b");
  });

  it("ends records with CRLF", () => {
    expect(csvRecord(["a", 1, null])).toBe("a,1,\r\n");
  });
});
