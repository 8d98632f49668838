/** Display formats for the staff console. Money arrives as integer micro-USD. */
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usdCompact = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1 });
const usdPrecise = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 6 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const dayLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export const MICROS_PER_USD = 1_000_000;

/** $1,234.56 (a minus sign before the symbol for losses). */
export function formatUsd(micros: number): string {
  return usd.format(micros / MICROS_PER_USD);
}

/** $1.2K: axis ticks. */
export function formatUsdCompact(micros: number): string {
  return usdCompact.format(micros / MICROS_PER_USD);
}

/** Prices per million tokens can have sub-cent parts ($0.30, $0.000001). */
export function formatUsdPrecise(micros: number): string {
  return usdPrecise.format(micros / MICROS_PER_USD);
}

export function formatPct(value: number | null, digits = 1): string {
  return value === null ? "—" : `${value.toFixed(digits)} %`;
}

export function formatCompact(value: number): string {
  return compact.format(value);
}

export function formatInteger(value: number): string {
  return integer.format(value);
}

/** "Mar 3" from YYYY-MM-DD. */
export function formatDay(day: string): string {
  return dayLabel.format(new Date(`${day}T00:00:00Z`));
}

/** "3 Mar 2026, 14:05 UTC". */
export function formatDateTime(value: Date | string): string {
  return `${dateTime.format(typeof value === "string" ? new Date(value) : value)} UTC`;
}

const timeOnly = new Intl.DateTimeFormat("en-GB", { timeStyle: "medium", timeZone: "UTC" });

/** "14:05:30 UTC": rate-limit resets, which are seconds to a minute away. */
export function formatTime(value: Date): string {
  return `${timeOnly.format(value)} UTC`;
}

export function formatMonth(month: string): string {
  return new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${month}-01T00:00:00Z`));
}
