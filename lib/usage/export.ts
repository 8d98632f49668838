import { AppError } from "@/lib/api/errors";
import { Prisma } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { csvRecord, type CsvValue } from "@/lib/usage/csv";
import { assertScopeAllowed, type UsageDashboardContext, type UsageScope } from "@/lib/usage/dashboard";
import { daysBetween, isIsoDate, type IsoDate } from "@/lib/usage/dates";

/**
 * The settled usage events of a date range (the tenant's local days, both included) as
 * CSV, streamed: each batch is read in its own short tenant-scoped transaction (keyset
 * pages on created_at, request_id), so a large export never holds a transaction or the
 * whole result in memory.
 *
 * Calls still in flight (ledger status 'started': no final usage yet) are left out, as on
 * the dashboard; they appear in an export made after they settle. Every row names its
 * tenant-local date and the time zone it is in (the range is in those days); created_at is
 * the UTC instant. `estimated` marks figures the upstream did not report (cut, aborted or
 * swept calls); `price_missing` marks calls whose model had no price (costed at the book's highest rates).
 */
export const MAX_EXPORT_DAYS = 366;
const BATCH_ROWS = 2_000;

export interface ExportOptions {
  from: IsoDate;
  to: IsoDate;
  scope: UsageScope;
}

/** usage_events' own columns in the export, without tenant_id (one tenant per file). */
const EVENT_COLUMNS = [
  "created_at",
  "request_id",
  "user_id",
  "conversation_id",
  "request_type",
  "model",
  "status",
  "error_type",
  "input_tokens",
  "output_tokens",
  "cache_write_tokens",
  "cache_write_1h_tokens",
  "cache_read_tokens",
  "latency_ms",
  "ttft_ms",
  "cost_micros",
  "estimated",
  "price_missing",
  "price_id",
] as const;

/** The CSV columns, in order: the event's instant, its tenant-local date and zone, then the event. */
export const EXPORT_COLUMNS = ["created_at", "local_date", "time_zone", ...EVENT_COLUMNS.slice(1)] as const;

interface EventRow {
  created_at: Date;
  local_date: string;
  time_zone: string;
  request_id: string;
  user_id: string | null;
  conversation_id: string | null;
  request_type: string;
  model: string;
  status: string;
  error_type: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  latency_ms: number;
  ttft_ms: number | null;
  cost_micros: bigint;
  estimated: boolean;
  price_missing: boolean;
  price_id: string | null;
}

export function validateExportRange(from: string, to: string): void {
  if (!isIsoDate(from) || !isIsoDate(to)) throw new AppError("validation_failed", "Dates must be YYYY-MM-DD.");
  const span = daysBetween(from, to) + 1;
  if (span < 1) throw new AppError("validation_failed", "The start date must not be after the end date.", { fields: { from: ["Must be on or before the end date."] } });
  if (span > MAX_EXPORT_DAYS) {
    throw new AppError("validation_failed", `Export at most ${MAX_EXPORT_DAYS} days at a time.`, { fields: { to: [`At most ${MAX_EXPORT_DAYS} days after the start date.`] } });
  }
}

/**
 * Resolves the range (so a bad request fails before any byte is sent), then streams a
 * header row and one record per event, oldest first.
 */
export async function exportUsageCsv(ctx: UsageDashboardContext, options: ExportOptions): Promise<ReadableStream<Uint8Array>> {
  validateExportRange(options.from, options.to);
  assertScopeAllowed(ctx.role, options.scope);
  const onlyUser = options.scope === "self" ? Prisma.sql`AND e.user_id = ${ctx.userId}::uuid` : Prisma.empty;

  const [range] = await withTenant(ctx, (tx) =>
    tx.$queryRaw<Array<{ start: Date; end: Date; time_zone: string }>>`
      SELECT t.time_zone, (${options.from}::date::timestamp AT TIME ZONE t.time_zone) AS start,
             ((${options.to}::date + 1)::timestamp AT TIME ZONE t.time_zone) AS "end"
        FROM tenants t WHERE t.id = ${ctx.tenantId}::uuid`,
  );
  if (!range) throw new AppError("not_found", "Workspace not found.");

  const encoder = new TextEncoder();
  let after: { at: Date; id: string } | null = null;
  let done = false;

  const nextBatch = () =>
    withTenant(ctx, (tx) =>
      tx.$queryRaw<EventRow[]>`
        SELECT ${Prisma.raw(EVENT_COLUMNS.map((c) => `e.${c}`).join(", "))},
               (e.created_at AT TIME ZONE ${range.time_zone})::date::text AS local_date, ${range.time_zone}::text AS time_zone
          FROM usage_events e
         WHERE e.tenant_id = ${ctx.tenantId}::uuid
           AND e.status <> 'started'
           AND e.created_at >= ${range.start} AND e.created_at < ${range.end}
           ${onlyUser}
           ${after ? Prisma.sql`AND (e.created_at, e.request_id) > (${after.at}::timestamptz, ${after.id})` : Prisma.empty}
         ORDER BY e.created_at, e.request_id
         LIMIT ${BATCH_ROWS}`,
    );

  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRecord(EXPORT_COLUMNS)));
    },
    async pull(controller) {
      if (done) return;
      const rows = await nextBatch();
      if (rows.length > 0) {
        const last = rows.at(-1)!;
        after = { at: last.created_at, id: last.request_id };
        controller.enqueue(encoder.encode(rows.map((r) => csvRecord(EXPORT_COLUMNS.map((c) => r[c] as CsvValue))).join("")));
      }
      if (rows.length < BATCH_ROWS) {
        done = true;
        controller.close();
      }
    },
  });
}
