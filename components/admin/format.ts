const formatters = new Map<string, Intl.DateTimeFormat>();

/** Date and time in the workspace's time zone, so server and browser render the same text. */
export function formatDateTime(date: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(date);
}

export function formatNumber(n: number): string {
  return n.toLocaleString("en");
}
