import { afterEach, describe, expect, it, vi } from "vitest";
import { CEILING_RATES, costMicros, highestRates, selectPrice, type PriceRates, type PriceRow, type TokenUsage } from "@/lib/llm/pricing";
import { getPriceBook, invalidatePriceBook, priceAt, setPriceBookLoaderForTests, CACHE_TTL_MS } from "@/lib/usage/price-book";

const ZERO: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
const SONNET: PriceRates = {
  inputMicrosPerMTok: 3_000_000n,
  outputMicrosPerMTok: 15_000_000n,
  cacheWrite5mMicrosPerMTok: 3_750_000n,
  cacheWrite1hMicrosPerMTok: 6_000_000n,
  cacheReadMicrosPerMTok: 300_000n,
};
const rates = (input: bigint, output = 0n, w5 = 0n, w1 = 0n, read = 0n): PriceRates => ({
  inputMicrosPerMTok: input,
  outputMicrosPerMTok: output,
  cacheWrite5mMicrosPerMTok: w5,
  cacheWrite1hMicrosPerMTok: w1,
  cacheReadMicrosPerMTok: read,
});

describe("costMicros", () => {
  it("is zero for zero tokens", () => {
    expect(costMicros(ZERO, SONNET)).toBe(0n);
  });

  it("bills each component at its rate per million tokens", () => {
    expect(costMicros({ ...ZERO, inputTokens: 1_000_000 }, SONNET)).toBe(3_000_000n);
    expect(costMicros({ ...ZERO, outputTokens: 1_000_000 }, SONNET)).toBe(15_000_000n);
    expect(costMicros({ ...ZERO, cacheReadTokens: 1_000_000 }, SONNET)).toBe(300_000n);
    // 1,000 cache writes of which 400 are 1-hour: 600 × 3.75 + 400 × 6 = 4,650 µ$.
    expect(costMicros({ ...ZERO, cacheWriteTokens: 1_000, cacheWrite1hTokens: 400 }, SONNET)).toBe(4_650n);
    // 1,234 in + 567 out at $3/$15: 3,702 + 8,505 = 12,207 µ$.
    expect(costMicros({ ...ZERO, inputTokens: 1_234, outputTokens: 567 }, SONNET)).toBe(12_207n);
  });

  it("rounds half up", () => {
    expect(costMicros({ ...ZERO, inputTokens: 1 }, rates(500_000n))).toBe(1n); // 0.5
    expect(costMicros({ ...ZERO, inputTokens: 1 }, rates(499_999n))).toBe(0n); // 0.499999
    expect(costMicros({ ...ZERO, inputTokens: 3 }, rates(500_000n))).toBe(2n); // 1.5
    expect(costMicros({ ...ZERO, inputTokens: 1 }, rates(1_500_001n))).toBe(2n); // 1.500001
  });

  it("rounds once at the end, not per component", () => {
    // 0.4 + 0.4 = 0.8 → 1 (per-component rounding would give 0 + 0 = 0).
    expect(costMicros({ ...ZERO, inputTokens: 1, outputTokens: 1 }, rates(400_000n, 400_000n))).toBe(1n);
    // Five components of 0.3 each = 1.5 → 2 (per component: 0).
    const usage = { inputTokens: 1, outputTokens: 1, cacheWriteTokens: 2, cacheWrite1hTokens: 1, cacheReadTokens: 1 };
    expect(costMicros(usage, rates(300_000n, 300_000n, 300_000n, 300_000n, 300_000n))).toBe(2n);
  });

  it("stays exact for counts whose product exceeds double precision", () => {
    const max = Number.MAX_SAFE_INTEGER; // 9,007,199,254,740,991
    // × $3 per MTok = 3 µ$ per token, exactly 27,021,597,764,222,973 µ$ (a double would round it).
    expect(costMicros({ ...ZERO, inputTokens: max }, SONNET)).toBe(27_021_597_764_222_973n);
    expect(Number.isSafeInteger(max * 3)).toBe(false);
    // 10^12 output tokens at $25 per MTok = $25,000,000.
    expect(costMicros({ ...ZERO, outputTokens: 1e12 }, rates(0n, 25_000_000n))).toBe(25_000_000_000_000n);
  });

  it("rejects impossible usage instead of pricing it", () => {
    expect(() => costMicros({ ...ZERO, inputTokens: -1 }, SONNET)).toThrow(RangeError);
    expect(() => costMicros({ ...ZERO, outputTokens: 1.5 }, SONNET)).toThrow(RangeError);
    expect(() => costMicros({ ...ZERO, cacheWriteTokens: 1, cacheWrite1hTokens: 2 }, SONNET)).toThrow(RangeError);
  });
});

describe("selectPrice", () => {
  const jan = new Date("2025-01-01T00:00:00.000Z");
  const june = new Date("2025-06-01T00:00:00.000Z");
  const rows: PriceRow[] = [
    { id: "s1", model: "claude-sonnet-4-5", effectiveFrom: jan, ...SONNET },
    { id: "s2", model: "claude-sonnet-4-5", effectiveFrom: june, ...SONNET, inputMicrosPerMTok: 4_000_000n },
    { id: "o1", model: "claude-opus-4-5", effectiveFrom: jan, ...rates(5_000_000n, 25_000_000n, 6_250_000n, 10_000_000n, 500_000n) },
    // Highest cache read comes from a third row, so "highest per component" is not "one row".
    { id: "x1", model: "odd-model", effectiveFrom: jan, ...rates(1n, 1n, 1n, 1n, 900_000n) },
  ];

  it("uses the row effective at exactly its effective_from instant", () => {
    const price = selectPrice(rows, "claude-sonnet-4-5", june);
    expect(price).toMatchObject({ id: "s2", inputMicrosPerMTok: 4_000_000n, priceMissing: false });
    expect(price.effectiveFrom?.getTime()).toBe(june.getTime());
  });

  it("uses the previous row one millisecond before", () => {
    const price = selectPrice(rows, "claude-sonnet-4-5", new Date(june.getTime() - 1));
    expect(price).toMatchObject({ id: "s1", inputMicrosPerMTok: 3_000_000n, priceMissing: false });
  });

  it("prices an unknown model at the highest known rate of each component, flagged", () => {
    const price = selectPrice(rows, "claude-unknown-9", june);
    expect(price).toMatchObject({
      id: null,
      priceMissing: true,
      inputMicrosPerMTok: 5_000_000n,
      outputMicrosPerMTok: 25_000_000n,
      cacheWrite5mMicrosPerMTok: 6_250_000n,
      cacheWrite1hMicrosPerMTok: 10_000_000n,
      cacheReadMicrosPerMTok: 900_000n,
    });
  });

  it("treats a time before a model's first price as missing, never as free", () => {
    const price = selectPrice(rows, "claude-sonnet-4-5", new Date(jan.getTime() - 1));
    expect(price.priceMissing).toBe(true);
    expect(costMicros({ ...ZERO, inputTokens: 1_000_000 }, price)).toBe(5_000_000n);
  });

  it("falls back to the ceiling rates when the book is empty", () => {
    const price = selectPrice([], "claude-sonnet-4-5", june);
    expect(price.priceMissing).toBe(true);
    expect(highestRates([])).toEqual(CEILING_RATES);
    for (const key of Object.keys(CEILING_RATES) as (keyof PriceRates)[]) expect(price[key]).toBeGreaterThan(0n);
  });
});

describe("priceAt (cached price book)", () => {
  const row: PriceRow = { id: "h1", model: "claude-haiku-4-5", effectiveFrom: new Date("2025-01-01T00:00:00Z"), ...rates(1_000_000n, 5_000_000n) };

  afterEach(() => {
    vi.useRealTimers();
    setPriceBookLoaderForTests(undefined);
  });

  it("reads the book once per TTL, and concurrent callers share one read", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const loader = vi.fn(async () => [row]);
    setPriceBookLoaderForTests(loader);
    const prices = await Promise.all([priceAt("claude-haiku-4-5"), priceAt("claude-haiku-4-5"), priceAt("claude-haiku-4-5")]);
    expect(prices.map((p) => p.id)).toEqual(["h1", "h1", "h1"]);
    await priceAt("claude-haiku-4-5");
    expect(loader).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + CACHE_TTL_MS - 1);
    await priceAt("claude-haiku-4-5");
    expect(loader).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 2);
    await priceAt("claude-haiku-4-5");
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it("keeps pricing from the stale copy when a reload fails", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let fail = false;
    setPriceBookLoaderForTests(async () => {
      if (fail) throw new Error("database down");
      return [row];
    });
    expect((await priceAt("claude-haiku-4-5")).id).toBe("h1");
    fail = true;
    vi.setSystemTime(Date.now() + CACHE_TTL_MS + 1);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const price = await priceAt("claude-haiku-4-5");
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
    expect(price).toMatchObject({ id: "h1", priceMissing: false });
  });

  it("prices at the ceiling, flagged, when the book was never readable", async () => {
    setPriceBookLoaderForTests(async () => {
      throw new Error("database down");
    });
    invalidatePriceBook();
    const silence = [vi.spyOn(console, "error").mockImplementation(() => {}), vi.spyOn(console, "warn").mockImplementation(() => {})];
    const price = await priceAt("claude-haiku-4-5");
    for (const spy of silence) spy.mockRestore();
    expect(price).toMatchObject({ id: null, priceMissing: true, inputMicrosPerMTok: CEILING_RATES.inputMicrosPerMTok });
    await expect(getPriceBook()).rejects.toThrow("database down");
  });
});
