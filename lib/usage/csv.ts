/**
 * RFC 4180 CSV: fields containing a comma, a double quote, CR or LF are quoted and inner
 * quotes doubled; records end with CRLF. null and undefined are empty fields, bigints and
 * numbers their decimal text, dates ISO 8601 in UTC, booleans true/false.
 *
 * A string that a spreadsheet would run as a formula (it begins with =, +, -, @, a tab or
 * a CR) gets a leading apostrophe, as OWASP's CSV-injection advice says: an exported field
 * is data, never a formula. Numbers are written as they are, negative ones included.
 */
export type CsvValue = string | number | bigint | boolean | Date | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  const raw = value instanceof Date ? value.toISOString() : String(value);
  const text = typeof value === "string" && FORMULA_START.test(raw) ? `'${raw}` : raw;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
