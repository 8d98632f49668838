import { z } from "zod";
import { isReasonableDate } from "@/lib/validation/bounds";
import { AppError, fromZodError } from "@/lib/api/errors";
import { isUniqueViolation } from "@/lib/db/errors";
import { withStaff } from "@/lib/db/scope";
import { assertStaffActor } from "@/lib/staff/actor";
import { CACHE_TTL_MS, invalidatePriceBook } from "@/lib/usage/price-book";

/**
 * The price book only grows: a price change is a new row effective from a future instant,
 * so a call is always priced by the row that was in force when it happened (usage events
 * keep the row's id). bh_staff holds INSERT on price_book and nothing else, so rows can't
 * be edited or deleted even by a bug here.
 *
 * "Future" means at least CACHE_TTL_MS ahead, by the database's clock: every app instance
 * caches the book for that long, and a row that took effect before an instance reloaded
 * would let it bill calls at the old price after the new one began, which is editing the past.
 */
const PRICE_LEAD_MS = CACHE_TTL_MS;
/** $1,000,000 per million tokens: far above any real rate, well inside bigint arithmetic. */
const MAX_MICROS_PER_MTOK = 1_000_000_000_000n;

const PRICE_COMPONENTS = [
  { key: "inputMicrosPerMTok", label: "Input" },
  { key: "outputMicrosPerMTok", label: "Output" },
  { key: "cacheWrite5mMicrosPerMTok", label: "Cache write (5 min)" },
  { key: "cacheWrite1hMicrosPerMTok", label: "Cache write (1 h)" },
  { key: "cacheReadMicrosPerMTok", label: "Cache read" },
] as const;


const microsPerMTok = z
  .union([z.string(), z.number(), z.bigint()])
  .transform((v) => (typeof v === "string" ? v.trim() : String(v)))
  .refine((v) => /^\d{1,13}$/.test(v), "Enter a whole number of micro-USD (e.g. 3000000 for $3).")
  .transform((v) => BigInt(v))
  .refine((v) => v <= MAX_MICROS_PER_MTOK, "That is more than $1,000,000 per million tokens.");

function addPriceSchema(now: Date = new Date()) {
  return z.object({
    model: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}[a-z0-9]$/, "Use the model id as the API spells it, e.g. claude-sonnet-4-6."),
    effectiveFrom: z.coerce
      .date("Enter a date and time.")
      .refine((d) => d.getTime() >= now.getTime() + PRICE_LEAD_MS, "Prices take effect in the future only: pick a time at least a minute from now.")
      .refine(isReasonableDate, "Pick a date before the year 2200."),
    inputMicrosPerMTok: microsPerMTok,
    outputMicrosPerMTok: microsPerMTok,
    cacheWrite5mMicrosPerMTok: microsPerMTok,
    cacheWrite1hMicrosPerMTok: microsPerMTok,
    cacheReadMicrosPerMTok: microsPerMTok,
  });
}


export interface PriceView {
  id: string;
  model: string;
  effectiveFrom: Date;
  createdAt: Date;
  inputMicrosPerMTok: number;
  outputMicrosPerMTok: number;
  cacheWrite5mMicrosPerMTok: number;
  cacheWrite1hMicrosPerMTok: number;
  cacheReadMicrosPerMTok: number;
}

export interface ModelPrices {
  model: string;
  /** The row in force now; null when the model only has future rows. */
  current: PriceView | null;
  /** Rows not yet in force, soonest first. */
  upcoming: PriceView[];
  /** How many older rows the current one replaced (kept: past calls were priced with them). */
  superseded: number;
}

interface InsertedRow {
  id: string;
  model: string;
  effective_from: Date;
  created_at: Date;
  input_micros_per_mtok: bigint;
  output_micros_per_mtok: bigint;
  cache_write_5m_micros_per_mtok: bigint;
  cache_write_1h_micros_per_mtok: bigint;
  cache_read_micros_per_mtok: bigint;
}

const DUPLICATE = "There is already a price for this model from that instant.";
const TOO_SOON = "Prices take effect in the future only: pick a time at least a minute from now.";

export async function addPrice(staffUserId: string, input: unknown, now: Date = new Date()): Promise<PriceView> {
  const parsed = addPriceSchema(now).safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  const p = parsed.data;
  const leadSeconds = PRICE_LEAD_MS / 1000;

  let rows: InsertedRow[];
  try {
    // The future check is repeated against the database clock in the same statement, so a
    // skewed app server cannot slip a row into the past.
    rows = await withStaff(staffUserId, async (tx) => {
      await assertStaffActor(tx, staffUserId);
      const inserted = await tx.$queryRaw<InsertedRow[]>`
        INSERT INTO price_book (model, effective_from, input_micros_per_mtok, output_micros_per_mtok,
                                cache_write_5m_micros_per_mtok, cache_write_1h_micros_per_mtok, cache_read_micros_per_mtok)
        SELECT ${p.model}, ${p.effectiveFrom}::timestamptz, ${p.inputMicrosPerMTok}::bigint, ${p.outputMicrosPerMTok}::bigint,
               ${p.cacheWrite5mMicrosPerMTok}::bigint, ${p.cacheWrite1hMicrosPerMTok}::bigint, ${p.cacheReadMicrosPerMTok}::bigint
        WHERE ${p.effectiveFrom}::timestamptz >= now() + make_interval(secs => ${leadSeconds}::int)
        RETURNING id::text AS id, model, effective_from, created_at, input_micros_per_mtok, output_micros_per_mtok,
                  cache_write_5m_micros_per_mtok, cache_write_1h_micros_per_mtok, cache_read_micros_per_mtok`;
      const row = inserted[0];
      if (row) {
        // Same transaction: a price without its audit entry never commits.
        await tx.staffAuditLog.createMany({
          data: [
            {
              actorId: staffUserId,
              action: "price_book.added",
              target: row.id,
              details: {
                model: row.model,
                effectiveFrom: row.effective_from.toISOString(),
                ...Object.fromEntries(PRICE_COMPONENTS.map((c) => [c.key, p[c.key].toString()])),
              },
            },
          ],
        });
      }
      return inserted;
    });
  } catch (error) {
    if (isUniqueViolation(error) || isDuplicatePriceRow(error)) throw new AppError("conflict", DUPLICATE, { fields: { effectiveFrom: [DUPLICATE] } });
    throw error;
  }
  const row = rows[0];
  if (!row) throw new AppError("validation_failed", TOO_SOON, { fields: { effectiveFrom: [TOO_SOON] } });

  invalidatePriceBook();
  return toView(row);
}

/**
 * A raw query's unique violation arrives as P2010 with the driver's SQLSTATE, not as P2002
 * (which isUniqueViolation knows).
 */
function isDuplicatePriceRow(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; constraint?: { index?: unknown } } } } } | null)?.meta
    ?.driverAdapterError?.cause;
  return cause?.originalCode === "23505" && cause.constraint?.index === "price_book_model_effective_from_key";
}

/** Every model's price now, what is scheduled, and how many rows it replaced. */
export async function listPrices(staffUserId: string, now: Date = new Date()): Promise<ModelPrices[]> {
  const rows = await withStaff(staffUserId, (tx) =>
    tx.priceBook.findMany({ orderBy: [{ model: "asc" }, { effectiveFrom: "asc" }] }),
  );
  const byModel = new Map<string, ModelPrices>();
  for (const r of rows) {
    const entry = byModel.get(r.model) ?? { model: r.model, current: null, upcoming: [], superseded: 0 };
    byModel.set(r.model, entry);
    const view = toView({
      id: r.id,
      model: r.model,
      effective_from: r.effectiveFrom,
      created_at: r.createdAt,
      input_micros_per_mtok: r.inputMicrosPerMTok,
      output_micros_per_mtok: r.outputMicrosPerMTok,
      cache_write_5m_micros_per_mtok: r.cacheWrite5mMicrosPerMTok,
      cache_write_1h_micros_per_mtok: r.cacheWrite1hMicrosPerMTok,
      cache_read_micros_per_mtok: r.cacheReadMicrosPerMTok,
    });
    if (r.effectiveFrom.getTime() > now.getTime()) {
      entry.upcoming.push(view);
    } else {
      // Rows come oldest first: each one in force replaces the previous.
      if (entry.current) entry.superseded += 1;
      entry.current = view;
    }
  }
  return [...byModel.values()];
}

function toView(r: InsertedRow): PriceView {
  return {
    id: r.id,
    model: r.model,
    effectiveFrom: r.effective_from,
    createdAt: r.created_at,
    inputMicrosPerMTok: Number(r.input_micros_per_mtok),
    outputMicrosPerMTok: Number(r.output_micros_per_mtok),
    cacheWrite5mMicrosPerMTok: Number(r.cache_write_5m_micros_per_mtok),
    cacheWrite1hMicrosPerMTok: Number(r.cache_write_1h_micros_per_mtok),
    cacheReadMicrosPerMTok: Number(r.cache_read_micros_per_mtok),
  };
}
