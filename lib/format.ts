/**
 * How numbers, money, waits and dates read everywhere (server messages, pages, client
 * components): one function per kind, en-US like the rest of the UI. Pure, so the browser
 * bundle can import it. Money arrives as integer micro-USD.
 */

const MICROS_PER_USD = 1_000_000;

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const cents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const subCent = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 4, maximumFractionDigits: 4 });
const precise = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 6 });

/** 1,234 (rounded to a whole number). */
export function formatInteger(n: number): string {
  return integer.format(n);
}

/** 1.2M, 34.5K, 870. */
export function formatCompact(n: number): string {
  return compact.format(n);
}

/**
 * -$1,234.56: dollars in cents; a non-zero amount under a cent keeps four decimals so a
 * few cheap calls do not read as $0.00.
 */
export function formatUsd(micros: number): string {
  const dollars = micros / MICROS_PER_USD;
  return (Math.abs(dollars) >= 0.01 || dollars === 0 ? cents : subCent).format(dollars);
}

/** Axis ticks: $0, $1.5, $12, $1.2K. */
export function formatUsdCompact(micros: number): string {
  const dollars = micros / MICROS_PER_USD;
  const sign = dollars < 0 ? "-" : "";
  const abs = Math.abs(dollars);
  return `${sign}$${abs !== 0 && abs < 10 ? Number(abs.toPrecision(2)) : compact.format(abs)}`;
}

/** Prices per million tokens can have sub-cent parts ($0.30, $0.000001). */
export function formatUsdPrecise(micros: number): string {
  return precise.format(micros / MICROS_PER_USD);
}

/** A fraction as a percentage: 0.125 → "12.5%". */
export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 850 ms, 1.24 s, 12.3 s; "–" when unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/**
 * A wait the way a sentence says it ("Try again in …"), always rounded up: "45 seconds"
 * up to two minutes (a countdown stays exact), then "3 minutes", "2 hours", "3 days".
 */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 120) return plural(s, "second");
  if (s < 2 * 3600) return plural(Math.ceil(s / 60), "minute");
  if (s < 2 * 86400) return plural(Math.ceil(s / 3600), "hour");
  return plural(Math.ceil(s / 86400), "day");
}

const dayShort = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const dayLong = new Intl.DateTimeFormat("en-US", { weekday: "short", month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
const monthLong = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" });

/** A calendar date (YYYY-MM-DD, no zone): "Jun 9". */
export function formatDay(day: string): string {
  return dayShort.format(new Date(`${day}T00:00:00Z`));
}

/** "Tue, Jun 9, 2026". */
export function formatDayLong(day: string): string {
  return dayLong.format(new Date(`${day}T00:00:00Z`));
}

/** A calendar month (YYYY-MM): "February 2026". */
export function formatMonth(month: string): string {
  return monthLong.format(new Date(`${month}-01T00:00:00Z`));
}

const zoned = new Map<string, Intl.DateTimeFormat>();

function inZone(key: string, options: Intl.DateTimeFormatOptions, timeZone: string): Intl.DateTimeFormat {
  const cacheKey = `${key}|${timeZone}`;
  let formatter = zoned.get(cacheKey);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    zoned.set(cacheKey, formatter);
  }
  return formatter;
}

/**
 * An instant in a given zone, so server and browser render the same text: "Mar 3, 2026,
 * 2:05 PM", with " UTC" appended when the zone is UTC (the staff console's clock).
 */
export function formatDateTime(value: Date | string, timeZone: string): string {
  const text = inZone("datetime", { dateStyle: "medium", timeStyle: "short" }, timeZone).format(new Date(value));
  return timeZone === "UTC" ? `${text} UTC` : text;
}

/** "2:05:30 PM UTC": rate-limit resets, which are seconds to a minute away. */
export function formatTimeUtc(value: Date): string {
  return `${inZone("time", { timeStyle: "medium" }, "UTC").format(value)} UTC`;
}

/** "Jun 14, 9:00 AM" in the workspace's zone; in UTC, saying so, if the zone is unknown here. */
export function formatInstant(value: Date | string, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  try {
    return inZone("instant", options, timeZone).format(new Date(value));
  } catch {
    return `${inZone("instant", options, "UTC").format(new Date(value))} UTC`;
  }
}
