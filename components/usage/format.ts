/** Number, money and date formatting for the usage page (en-US, like the rest of the UI). */

const integer = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export function formatInteger(n: number): string {
  return integer.format(Math.round(n));
}

/** 1.2M, 34.5K, 870. */
export function formatCompact(n: number): string {
  return compact.format(n);
}

export function formatTokens(n: number): string {
  return `${formatCompact(n)} tokens`;
}

/**
 * Micro-USD to dollars, in cents; amounts under a cent keep four decimals so a few cheap
 * calls do not read as $0.00.
 */
export function formatUsd(micros: number): string {
  const dollars = micros / 1_000_000;
  const digits = Math.abs(dollars) >= 0.01 || dollars === 0 ? 2 : 4;
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(dollars);
}

/** Axis ticks: $0, $1.5, $12, $1.2K. */
export function formatUsdCompact(micros: number): string {
  const dollars = micros / 1_000_000;
  if (dollars !== 0 && Math.abs(dollars) < 10) return `$${Number(dollars.toPrecision(2))}`;
  return `$${compact.format(dollars)}`;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 850 ms, 1.24 s, 12.3 s; "–" when unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const dayShort = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const dayLong = new Intl.DateTimeFormat("en-US", { weekday: "short", month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

/** A calendar date (YYYY-MM-DD, no zone): "Jun 9". */
export function formatDay(day: string): string {
  return dayShort.format(new Date(`${day}T00:00:00Z`));
}

export function formatDayLong(day: string): string {
  return dayLong.format(new Date(`${day}T00:00:00Z`));
}

/** An instant in the workspace's time zone ("Jun 14, 9:00 AM"); UTC if the zone is unknown here. */
export function formatInstant(iso: string, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  try {
    return new Intl.DateTimeFormat("en-US", { ...options, timeZone }).format(new Date(iso));
  } catch {
    return `${new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" }).format(new Date(iso))} UTC`;
  }
}
