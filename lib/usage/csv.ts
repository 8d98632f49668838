/**
 * RFC 4180 CSV: fields containing a comma, a double quote, CR or LF are quoted and inner
 * quotes doubled; records end with CRLF. null and undefined are empty fields, bigints and
 * numbers their decimal text, dates ISO 8601 in UTC, booleans true/false.
 */
export type CsvValue = string | number | bigint | boolean | Date | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
