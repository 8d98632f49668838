import { describe, expect, it } from "vitest";
import { coveredDays, dailyRevenue, monthBounds, revenueByTenant, type AssignmentSpan } from "@/lib/staff/revenue";
import { projectMonth } from "@/lib/staff/margins";

const STARTER = 49_000_000;
const PRO = 299_000_000;
const T = "tenant-a";

const span = (from: string, to: string | null, price: number, tenantId = T): AssignmentSpan => ({
  tenantId,
  planId: `p${price}`,
  monthlyPriceMicros: price,
  effectiveFrom: new Date(from),
  effectiveTo: to === null ? null : new Date(to),
});
const revenue = (assignments: AssignmentSpan[], month: string, until?: string) => revenueByTenant(assignments, month, until).get(T)?.revenueMicros ?? 0;

describe("revenue prorated by UTC day", () => {
  it("knows each month's length, leap February included", () => {
    expect(monthBounds("2025-01")).toEqual({ start: "2025-01-01", end: "2025-02-01", days: 31 });
    expect(monthBounds("2024-02").days).toBe(29);
    expect(monthBounds("2025-02").days).toBe(28);
    expect(monthBounds("2025-12")).toEqual({ start: "2025-12-01", end: "2026-01-01", days: 31 });
  });

  // [case, assignments, month, expected micros]
  const table: Array<[string, AssignmentSpan[], string, number]> = [
    ["on the plan all month", [span("2024-06-01T00:00:00Z", null, STARTER)], "2025-01", STARTER],
    ["created on the 20th of a 31-day month (a partial first day counts): 12/31", [span("2025-01-20T15:30:00Z", null, STARTER)], "2025-01", Math.round((STARTER * 12) / 31)],
    ["created at 23:59 on the last day: 1 day", [span("2025-01-31T23:59:00Z", null, PRO)], "2025-01", Math.round(PRO / 31)],
    [
      "upgrade on the 15th at 10:00: 14 days of the old plan, 17 of the new",
      [span("2024-06-01T00:00:00Z", "2025-01-15T10:00:00Z", STARTER), span("2025-01-15T10:00:00Z", null, PRO)],
      "2025-01",
      Math.round((STARTER * 14 + PRO * 17) / 31),
    ],
    [
      "the month before an upgrade keeps its own plan's price",
      [span("2024-06-01T00:00:00Z", "2025-02-03T09:00:00Z", STARTER), span("2025-02-03T09:00:00Z", null, PRO)],
      "2025-01",
      STARTER,
    ],
    [
      "two changes on one day: only the plan at the day's end bills it",
      [span("2024-06-01T00:00:00Z", "2025-01-10T08:00:00Z", STARTER), span("2025-01-10T08:00:00Z", "2025-01-10T17:00:00Z", PRO), span("2025-01-10T17:00:00Z", null, 0)],
      "2025-01",
      Math.round((STARTER * 9) / 31),
    ],
    ["deleted on the 11th: days 1–10, not the day of deletion", [span("2024-06-01T00:00:00Z", "2025-01-11T12:00:00Z", STARTER)], "2025-01", Math.round((STARTER * 10) / 31)],
    ["a month after the tenant was deleted bills nothing", [span("2024-06-01T00:00:00Z", "2025-01-11T12:00:00Z", STARTER)], "2025-02", 0],
    ["a month before the tenant existed bills nothing", [span("2025-01-20T00:00:00Z", null, STARTER)], "2024-12", 0],
    ["February of a leap year: created on the 20th pays 10/29", [span("2024-02-20T00:00:00Z", null, STARTER)], "2024-02", Math.round((STARTER * 10) / 29)],
  ];

  it.each(table)("%s", (_name, assignments, month, expected) => {
    expect(revenue(assignments, month)).toBe(expected);
  });

  it("month to date counts the days through today, today included", () => {
    const a = [span("2025-01-20T15:30:00Z", null, STARTER)];
    // Through the 25th: the 20th to the 25th, six days.
    expect(revenue(a, "2025-01", "2025-01-26")).toBe(Math.round((STARTER * 6) / 31));
    // A cut-off past the month's end is the whole month; before its start, nothing.
    expect(revenue(a, "2025-01", "2025-03-01")).toBe(revenue(a, "2025-01"));
    expect(revenue(a, "2025-01", "2024-12-01")).toBe(0);
  });

  it("a tenant covered by no day of the month is left out", () => {
    const map = revenueByTenant([span("2025-01-20T00:00:00Z", null, STARTER), span("2025-03-01T00:00:00Z", null, PRO, "later")], "2025-01");
    expect([...map.keys()]).toEqual([T]);
  });

  it("the daily series sums to the month's revenue (up to one micro-dollar a day of rounding)", () => {
    const a = [span("2024-06-01T00:00:00Z", "2025-01-15T10:00:00Z", STARTER), span("2025-01-15T10:00:00Z", null, PRO)];
    const days = dailyRevenue(a, "2025-01-01", "2025-01-31");
    expect(days.size).toBe(31);
    expect(days.get("2025-01-14")).toBe(Math.round(STARTER / 31));
    expect(days.get("2025-01-15")).toBe(Math.round(PRO / 31));
    const sum = [...days.values()].reduce((s, v) => s + v, 0);
    expect(Math.abs(sum - revenue(a, "2025-01"))).toBeLessThanOrEqual(31);
  });

  it("coveredDays never goes negative for an assignment outside the range", () => {
    expect(coveredDays(span("2025-03-01T00:00:00Z", null, STARTER), "2025-01-01", "2025-02-01")).toBe(0);
    expect(coveredDays(span("2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", STARTER), "2025-01-01", "2025-02-01")).toBe(0);
  });
});

describe("the month-end projection", () => {
  const bounds = { start: "2025-01-01", end: "2025-02-01" };

  it("scales cost so far by the month's length over the time elapsed, and keeps revenue as assigned", () => {
    // 10 of 31 days elapsed, $100 so far: $310 by the month's end.
    const p = projectMonth(new Date("2025-01-11T00:00:00Z"), bounds, 100_000_000, 500_000_000);
    expect(p).toEqual({ revenueMicros: 500_000_000, costMicros: 310_000_000, marginMicros: 190_000_000, marginPct: 38 });
  });

  it("says nothing in the month's first hour, and has no percentage without revenue", () => {
    expect(projectMonth(new Date("2025-01-01T00:59:00Z"), bounds, 5, 100)).toBeNull();
    expect(projectMonth(new Date("2025-01-16T12:00:00Z"), bounds, 5_000_000, 0)?.marginPct).toBeNull();
  });
});
