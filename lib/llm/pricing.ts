/**
 * Cost of one call, in integer micro-USD. Pure: the price rows come from lib/usage/price-book.ts.
 *
 * Prices are micro-USD per million tokens, so each component is tokens × price / 1,000,000.
 * Summing first and rounding once (half-up) keeps the total exact to the micro-dollar; rounding
 * each component would drift by up to 2.5 µ$ per call and disagree with the sum of the parts.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** All cache writes, 5-minute and 1-hour. */
  cacheWriteTokens: number;
  /** The 1-hour share of cacheWriteTokens (billed at the higher rate). */
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface PriceRates {
  inputMicrosPerMTok: bigint;
  outputMicrosPerMTok: bigint;
  cacheWrite5mMicrosPerMTok: bigint;
  cacheWrite1hMicrosPerMTok: bigint;
  cacheReadMicrosPerMTok: bigint;
}

export interface PriceRow extends PriceRates {
  id: string;
  model: string;
  effectiveFrom: Date;
}

/** The rates to bill a call with, and where they came from. */
export interface Price extends PriceRates {
  /** The price_book row; null when the model had no price and a ceiling was used. */
  id: string | null;
  model: string;
  effectiveFrom: Date | null;
  /** True when the model (at that time) had no price: billed at the highest known rates. */
  priceMissing: boolean;
}

const TOKENS_PER_MTOK = 1_000_000n;

const RATE_KEYS = [
  "inputMicrosPerMTok",
  "outputMicrosPerMTok",
  "cacheWrite5mMicrosPerMTok",
  "cacheWrite1hMicrosPerMTok",
  "cacheReadMicrosPerMTok",
] as const satisfies ReadonlyArray<keyof PriceRates>;

/**
 * Used only when the price book is empty or unreadable: the highest list rates we know
 * (Opus 4.5+, see FACTS.md). Never zero, so a gap in the book can only over-charge.
 */
export const CEILING_RATES: Readonly<PriceRates> = {
  inputMicrosPerMTok: 5_000_000n,
  outputMicrosPerMTok: 25_000_000n,
  cacheWrite5mMicrosPerMTok: 6_250_000n,
  cacheWrite1hMicrosPerMTok: 10_000_000n,
  cacheReadMicrosPerMTok: 500_000n,
};

function tokens(value: number, name: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return BigInt(value);
}

export function costMicros(usage: TokenUsage, price: PriceRates): bigint {
  const cacheWrite1h = tokens(usage.cacheWrite1hTokens, "cacheWrite1hTokens");
  const cacheWrite = tokens(usage.cacheWriteTokens, "cacheWriteTokens");
  if (cacheWrite1h > cacheWrite) throw new RangeError("cacheWrite1hTokens cannot exceed cacheWriteTokens");

  const total =
    tokens(usage.inputTokens, "inputTokens") * price.inputMicrosPerMTok +
    tokens(usage.outputTokens, "outputTokens") * price.outputMicrosPerMTok +
    (cacheWrite - cacheWrite1h) * price.cacheWrite5mMicrosPerMTok +
    cacheWrite1h * price.cacheWrite1hMicrosPerMTok +
    tokens(usage.cacheReadTokens, "cacheReadTokens") * price.cacheReadMicrosPerMTok;
  // Half-up; total is never negative, so adding half and truncating is exact.
  return (total + TOKENS_PER_MTOK / 2n) / TOKENS_PER_MTOK;
}

/**
 * The row for `model` with the greatest effectiveFrom ≤ at. Without one, the highest rate of
 * each component across the whole book (or CEILING_RATES if the book is empty), flagged.
 */
export function selectPrice(rows: readonly PriceRow[], model: string, at: Date): Price {
  const atMs = at.getTime();
  let best: PriceRow | undefined;
  for (const row of rows) {
    if (row.model !== model) continue;
    const from = row.effectiveFrom.getTime();
    if (from <= atMs && (!best || from > best.effectiveFrom.getTime())) best = row;
  }
  if (best) {
    return { ...pickRates(best), id: best.id, model, effectiveFrom: best.effectiveFrom, priceMissing: false };
  }
  return { ...highestRates(rows), id: null, model, effectiveFrom: null, priceMissing: true };
}

export function highestRates(rows: readonly PriceRates[]): PriceRates {
  if (rows.length === 0) return { ...CEILING_RATES };
  const rates = pickRates(rows[0] as PriceRates);
  for (const row of rows) {
    for (const key of RATE_KEYS) if (row[key] > rates[key]) rates[key] = row[key];
  }
  return rates;
}

function pickRates(row: PriceRates): PriceRates {
  return {
    inputMicrosPerMTok: row.inputMicrosPerMTok,
    outputMicrosPerMTok: row.outputMicrosPerMTok,
    cacheWrite5mMicrosPerMTok: row.cacheWrite5mMicrosPerMTok,
    cacheWrite1hMicrosPerMTok: row.cacheWrite1hMicrosPerMTok,
    cacheReadMicrosPerMTok: row.cacheReadMicrosPerMTok,
  };
}
