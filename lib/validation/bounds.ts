import { z } from "zod";

/**
 * Numbers and dates the database columns can hold. A value past a column's range is a
 * database error (a 500) unless refused here first: an `integer` version of 4294967296,
 * a `bigint` cursor of 9999999999999999999, a year-300000 timestamp.
 */
export const PG_INTEGER_MAX = 2_147_483_647;
export const PG_BIGINT_MAX = 9_223_372_036_854_775_807n;

/** A positive `integer` column value (versions, counts). */
export function positiveInt(message?: string) {
  const error = message === undefined ? undefined : { error: message };
  return z.number(error).int(error).positive(error).max(PG_INTEGER_MAX, error);
}

/** A positive `bigint` identity as a decimal string (JSON-safe page cursors). */
export function bigintIdString(message = "Invalid page.") {
  return z
    .string()
    // abort: the refine below must never see a string BigInt() cannot parse.
    .regex(/^\d{1,19}$/, { error: message, abort: true })
    .refine((s) => BigInt(s) <= PG_BIGINT_MAX, { error: message });
}

/** Years the product can mean: well inside both JavaScript's and PostgreSQL's ranges. */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2200;

export function isReasonableDate(d: Date): boolean {
  const year = d.getUTCFullYear();
  return Number.isFinite(d.getTime()) && year >= MIN_YEAR && year <= MAX_YEAR;
}
