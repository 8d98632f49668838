import "@/lib/zod-jitless";
import { z } from "zod";
import { withScopeSql } from "@/lib/db/sql";
import { addDays, daysBetween } from "@/lib/usage/dates";
import { GatewayError } from "@/lib/gateway/errors";
import type { ApiCaller } from "@/lib/pipeline/api-call";

/**
 * GET /v1/usage (scope usage:read): the tenant's settled usage for a range of its local
 * days, grouped by day, model or key. Day and model groups read the same daily rollups as
 * the usage dashboard (after folding this tenant's queued changes, as the dashboard does), so
 * their totals are the dashboard's; the key groups read the ledger rows of API requests
 * (usage_events.api_key_id, indexed per tenant and key). Calls still in flight are not
 * counted until they settle. Runs as the platform acting for the tenant: usage only, no
 * conversation content is visible in that scope.
 *
 *   ?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD (inclusive, default: the last 30 days)
 *   &group_by=day|model|key (default day)
 */
const MAX_DAYS = 366;
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2026-12-01").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "is not a real date");

const querySchema = z.strictObject({
  start_date: isoDate.optional(),
  end_date: isoDate.optional(),
  group_by: z.enum(["day", "model", "key"], { error: "must be one of day, model, key" }).default("day"),
});

export interface UsageFigures {
  requests: number;
  errors: number;
  aborted: number;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_read_tokens: number;
  cost_usd_micros: number;
}

interface FigureRow {
  g: string | null;
  requests: string;
  errors: string;
  aborted: string;
  input_tokens: string;
  output_tokens: string;
  cache_write_tokens: string;
  cache_read_tokens: string;
  cost_micros: string;
}

const SUMS = `sum(requests)::text AS requests, sum(errors)::text AS errors, sum(aborted)::text AS aborted,
  sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens,
  sum(cache_write_tokens)::text AS cache_write_tokens, sum(cache_read_tokens)::text AS cache_read_tokens,
  sum(cost_micros)::text AS cost_micros`;

const RANGE_SQL = `SELECT (now() AT TIME ZONE t.time_zone)::date::text AS today, t.time_zone FROM tenants t WHERE t.id = $1::uuid`;
const FOLD_SQL = `SELECT fold_usage_rollups($1::uuid)`;
const ROLLUP_SQL = (group: "day" | "model" | null) => `
SELECT ${group === "day" ? "day::text" : group === "model" ? "model" : "NULL"} AS g, ${SUMS}
  FROM usage_daily WHERE tenant_id = $1::uuid AND day BETWEEN $2::date AND $3::date
 ${group ? "GROUP BY 1 ORDER BY 1" : ""}`;
const KEY_SQL = `
SELECT e.api_key_id::text AS g,
  count(*)::text AS requests, count(*) FILTER (WHERE e.status = 'error')::text AS errors,
  count(*) FILTER (WHERE e.status = 'aborted')::text AS aborted,
  sum(e.input_tokens)::text AS input_tokens, sum(e.output_tokens)::text AS output_tokens,
  sum(e.cache_write_tokens)::text AS cache_write_tokens, sum(e.cache_read_tokens)::text AS cache_read_tokens,
  sum(e.cost_micros)::text AS cost_micros
  FROM usage_events e JOIN tenants t ON t.id = e.tenant_id
 WHERE e.tenant_id = $1::uuid AND e.api_key_id IS NOT NULL AND e.status <> 'started'
   AND e.created_at >= ($2::date::timestamp AT TIME ZONE t.time_zone)
   AND e.created_at < (($3::date + 1)::timestamp AT TIME ZONE t.time_zone)
 GROUP BY 1 ORDER BY 1`;

export async function readUsage(caller: ApiCaller, params: URLSearchParams) {
  const parsed = querySchema.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.code === "unrecognized_keys" ? `${issue.keys.join(", ")}: unknown query parameter` : `${issue.path.join(".")}: ${issue.message}`;
    throw new GatewayError(400, "invalid_request_error", message);
  }
  const query = parsed.data;
  return withScopeSql({ kind: "tenant", tenantId: caller.tenantId, userId: "" }, async (db) => {
    const [range] = await db.query<{ today: string; time_zone: string }>(RANGE_SQL, [caller.tenantId]);
    const end = query.end_date ?? range!.today;
    const start = query.start_date ?? addDays(end, -29);
    if (start > end) throw new GatewayError(400, "invalid_request_error", "start_date must not be after end_date.");
    if (daysBetween(start, end) + 1 > MAX_DAYS) throw new GatewayError(400, "invalid_request_error", `The range may span at most ${MAX_DAYS} days.`);
    await db.query(FOLD_SQL, [caller.tenantId]);
    const [total] = await db.query<FigureRow>(ROLLUP_SQL(null), [caller.tenantId, start, end]);
    const rows =
      query.group_by === "key"
        ? await db.query<FigureRow>(KEY_SQL, [caller.tenantId, start, end], { commit: true })
        : await db.query<FigureRow>(ROLLUP_SQL(query.group_by), [caller.tenantId, start, end], { commit: true });
    const groupName = query.group_by === "key" ? "api_key_id" : query.group_by;
    return {
      start_date: start,
      end_date: end,
      time_zone: range!.time_zone,
      group_by: query.group_by,
      totals: figures(total),
      data: rows.map((r) => ({ [groupName]: r.g, ...figures(r) })),
    };
  });
}

function figures(row: FigureRow | undefined): UsageFigures {
  const n = (v: string | null | undefined) => Number(v ?? 0);
  return {
    requests: n(row?.requests),
    errors: n(row?.errors),
    aborted: n(row?.aborted),
    input_tokens: n(row?.input_tokens),
    output_tokens: n(row?.output_tokens),
    cache_write_tokens: n(row?.cache_write_tokens),
    cache_read_tokens: n(row?.cache_read_tokens),
    cost_usd_micros: n(row?.cost_micros),
  };
}
