import { withAuth, type ScopeOptions } from "@/lib/db/scope";
import { selectPrice, type Price, type PriceRow } from "@/lib/llm/pricing";

/**
 * The price book, cached in memory: the chat hot path prices every call and must not read
 * the database each time. Prices change rarely and are effective-dated, so a copy up to
 * CACHE_TTL_MS old is correct as long as new rows are entered ahead of their effective time
 * (or `invalidatePriceBook()` is called after an edit in this process).
 */
export const CACHE_TTL_MS = 60_000;

type Loader = () => Promise<PriceRow[]>;

interface CacheState {
  rows: PriceRow[] | null;
  loadedAt: number;
  inflight: Promise<PriceRow[]> | null;
  loader: Loader;
}

const globalForPrices = globalThis as unknown as { bulkheadPriceBook?: CacheState };

function state(): CacheState {
  globalForPrices.bulkheadPriceBook ??= { rows: null, loadedAt: 0, inflight: null, loader: () => loadPriceBook() };
  return globalForPrices.bulkheadPriceBook;
}

/**
 * Every row of the book (a few dozen). price_book is reference data that every scoped role
 * may read; the pre-tenant scope is the one that needs no tenant or user to read it.
 */
export async function loadPriceBook(options?: ScopeOptions): Promise<PriceRow[]> {
  const rows = await withAuth(
    (tx) =>
      tx.priceBook.findMany({
        select: {
          id: true,
          model: true,
          effectiveFrom: true,
          inputMicrosPerMTok: true,
          outputMicrosPerMTok: true,
          cacheWrite5mMicrosPerMTok: true,
          cacheWrite1hMicrosPerMTok: true,
          cacheReadMicrosPerMTok: true,
        },
        orderBy: [{ model: "asc" }, { effectiveFrom: "asc" }],
      }),
    options,
  );
  return rows;
}

/** The cached rows, reloaded when older than CACHE_TTL_MS; concurrent callers share one load. */
export async function getPriceBook(now = Date.now()): Promise<PriceRow[]> {
  const s = state();
  if (s.rows && now - s.loadedAt < CACHE_TTL_MS) return s.rows;
  s.inflight ??= s
    .loader()
    .then((rows) => {
      s.rows = rows;
      s.loadedAt = Date.now();
      return rows;
    })
    .finally(() => {
      s.inflight = null;
    });
  return s.inflight;
}

/**
 * The price of `model` at instant `at`. Never throws and never prices at zero: if the book
 * cannot be read, a stale copy is used, and without any copy the ceiling rates (flagged
 * priceMissing), because a call that already happened must still be recorded.
 */
export async function priceAt(model: string, at: Date = new Date()): Promise<Price> {
  let rows: readonly PriceRow[];
  try {
    rows = await getPriceBook();
  } catch (error) {
    console.error("[bulkhead] price book unavailable; using the cached copy or ceiling rates", error);
    rows = state().rows ?? [];
  }
  const price = selectPrice(rows, model, at);
  if (price.priceMissing && !warnedModels.has(model)) {
    warnedModels.add(model);
    console.warn(`[bulkhead] no price for model ${model} at ${at.toISOString()}; billed at the highest known rates`);
  }
  return price;
}

/** Warn once per model and process, not on every call of the hot path. */
const warnedModels = new Set<string>();

/** After a price edit in this process, or in tests. */
export function invalidatePriceBook(): void {
  const s = state();
  s.rows = null;
  s.loadedAt = 0;
}

/** Tests: count or replace the database read. Pass undefined to restore the default. */
export function setPriceBookLoaderForTests(loader: Loader | undefined): void {
  const s = state();
  s.loader = loader ?? (() => loadPriceBook());
  invalidatePriceBook();
}
