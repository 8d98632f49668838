import { describe, expect, it } from "vitest";
import {
  formatCompact,
  formatDateTime,
  formatDay,
  formatInstant,
  formatInteger,
  formatMonth,
  formatPercent,
  formatUsd,
  formatUsdCompact,
  formatUsdPrecise,
  formatWait,
} from "@/lib/format";

describe("formatUsd", () => {
  it.each([
    [0, "$0.00"],
    [49_000_000, "$49.00"],
    [1_234_560_000, "$1,234.56"],
    [-12_500_000, "-$12.50"],
    // Under a cent keeps four decimals, so cheap calls do not read as $0.00.
    [1_234, "$0.0012"],
    [-50, "-$0.0001"],
    [10_000, "$0.01"],
  ])("%s micro-USD → %s", (micros, text) => {
    expect(formatUsd(micros)).toBe(text);
  });
});

describe("formatUsdCompact and formatUsdPrecise", () => {
  it.each([
    [0, "$0"],
    [1_500_000, "$1.5"],
    [12_000_000, "$12"],
    [1_234_000_000, "$1.2K"],
    [-2_500_000_000, "-$2.5K"],
  ])("axis tick %s → %s", (micros, text) => {
    expect(formatUsdCompact(micros)).toBe(text);
  });

  it("keeps sub-cent price parts", () => {
    expect(formatUsdPrecise(300_000)).toBe("$0.30");
    expect(formatUsdPrecise(1)).toBe("$0.000001");
  });
});

describe("formatPercent", () => {
  it.each([
    [0.125, 1, "12.5%"],
    [0, 1, "0.0%"],
    [1.5, 0, "150%"],
    [-0.082, 1, "-8.2%"],
  ])("%s (%s digits) → %s", (fraction, digits, text) => {
    expect(formatPercent(fraction, digits)).toBe(text);
  });
});

describe("formatWait", () => {
  it.each([
    [0, "0 seconds"],
    [0.2, "1 second"],
    [45, "45 seconds"],
    [119, "119 seconds"],
    [120, "2 minutes"],
    [121, "3 minutes"],
    [7199, "120 minutes"],
    [7200, "2 hours"],
    [3 * 86400, "3 days"],
    [-5, "0 seconds"],
  ])("%s seconds → %s", (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
});

describe("numbers and dates", () => {
  it("formats counts", () => {
    expect(formatInteger(1234.6)).toBe("1,235");
    expect(formatCompact(1_234_567)).toBe("1.2M");
  });

  it("reads calendar days and months without a zone shift", () => {
    expect(formatDay("2026-03-01")).toBe("Mar 1");
    expect(formatMonth("2026-02")).toBe("February 2026");
  });

  it("renders an instant in the given zone, saying UTC when it is UTC", () => {
    const at = new Date("2026-03-03T14:05:00Z");
    expect(formatDateTime(at, "UTC")).toBe("Mar 3, 2026, 2:05 PM UTC");
    expect(formatDateTime(at.toISOString(), "Asia/Tokyo")).toBe("Mar 3, 2026, 11:05 PM");
    expect(formatInstant(at, "America/New_York")).toBe("Mar 3, 9:05 AM");
    expect(formatInstant(at, "Not/AZone")).toBe("Mar 3, 2:05 PM UTC");
  });
});
