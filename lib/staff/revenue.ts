import { addDays, daysBetween, isoDayOfUtcMs, type IsoDate } from "@/lib/usage/dates";

/**
 * Plan revenue, prorated by day within the UTC month (the provider's invoice month), from
 * effective-dated plan assignments (0011_plan_assignments).
 *
 * The day rule: a UTC day is billed to the assignment in effect at the end of that day.
 * So an assignment covers the UTC days from the day it starts (a partial first day counts
 * as a whole one) up to, not including, the day it ends; the day of a plan change goes to
 * the new plan, and the day a tenant is deleted to nobody. A month's revenue is, over its
 * assignments, Σ monthly price × days covered in the month / days in the month, rounded to
 * a whole micro-dollar once per tenant. A tenant created on the 20th of a 31-day month
 * pays 12/31; upgrading on the 15th bills 14 days of the old plan and 17 of the new. A
 * change never touches a month that ended before it.
 */
export interface AssignmentSpan {
  tenantId: string;
  planId: string;
  monthlyPriceMicros: number;
  effectiveFrom: Date;
  /** Exclusive; null while current. */
  effectiveTo: Date | null;
}

export interface MonthBounds {
  /** First day of the month, and of the next one. */
  start: IsoDate;
  end: IsoDate;
  days: number;
}

export function monthBounds(month: string): MonthBounds {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  const start = isoDayOfUtcMs(Date.UTC(year, mon - 1, 1));
  const end = isoDayOfUtcMs(Date.UTC(year, mon, 1));
  return { start, end, days: daysBetween(start, end) };
}

const dayOf = (at: Date): IsoDate => isoDayOfUtcMs(at.getTime());
const maxDay = (a: IsoDate, b: IsoDate) => (a > b ? a : b);
const minDay = (a: IsoDate, b: IsoDate) => (a < b ? a : b);

/** The days of [from, to) that the assignment covers. */
export function coveredDays(a: Pick<AssignmentSpan, "effectiveFrom" | "effectiveTo">, from: IsoDate, to: IsoDate): number {
  const first = maxDay(dayOf(a.effectiveFrom), from);
  const end = a.effectiveTo === null ? to : minDay(dayOf(a.effectiveTo), to);
  return Math.max(0, daysBetween(first, end));
}

export interface TenantRevenue {
  revenueMicros: number;
  /** Days of the range billed to at least one assignment. */
  days: number;
}

/**
 * Revenue per tenant for the days of `month` before `until` (default: the whole month;
 * month to date: the day after today). Tenants with no day in the range are left out.
 */
export function revenueByTenant(assignments: readonly AssignmentSpan[], month: string, until?: IsoDate): Map<string, TenantRevenue> {
  const bounds = monthBounds(month);
  const to = until === undefined ? bounds.end : minDay(maxDay(until, bounds.start), bounds.end);
  const numerators = new Map<string, { micros: number; days: number }>();
  for (const a of assignments) {
    const days = coveredDays(a, bounds.start, to);
    if (days === 0) continue;
    const acc = numerators.get(a.tenantId) ?? { micros: 0, days: 0 };
    acc.micros += a.monthlyPriceMicros * days;
    acc.days += days;
    numerators.set(a.tenantId, acc);
  }
  return new Map([...numerators].map(([id, n]) => [id, { revenueMicros: Math.round(n.micros / bounds.days), days: n.days }]));
}

/** Each day's revenue of [from, to] (both included): Σ covering assignments' price / that month's days, rounded once per day. */
export function dailyRevenue(assignments: readonly AssignmentSpan[], from: IsoDate, to: IsoDate): Map<IsoDate, number> {
  const out = new Map<IsoDate, number>();
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const next = addDays(day, 1);
    const daysInMonth = monthBounds(day.slice(0, 7)).days;
    let micros = 0;
    for (const a of assignments) if (coveredDays(a, day, next) === 1) micros += a.monthlyPriceMicros;
    out.set(day, Math.round(micros / daysInMonth));
  }
  return out;
}

/** The assignment in effect at the end of `day` (the plan the day is billed to), if any. */
export function assignmentOnDay<T extends AssignmentSpan>(assignments: readonly T[], day: IsoDate): T | null {
  const next = addDays(day, 1);
  return assignments.find((a) => coveredDays(a, day, next) === 1) ?? null;
}
