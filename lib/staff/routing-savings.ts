import { withStaff } from "@/lib/db/scope";
import { costMicros, selectPrice, type PriceRow } from "@/lib/llm/pricing";
import { assertStaffActor } from "@/lib/staff/actor";
import { deletedTenantLabel, parseMonth } from "@/lib/staff/margins";
import { toUtcMs, type IsoDate } from "@/lib/usage/dates";
import { foldUsageRollups } from "@/lib/usage/fold";
import { loadPriceBook } from "@/lib/usage/price-book";

/**
 * What model routing saved against the tier default in a UTC month (issue 14, item 2): the
 * routed calls' tokens priced from the price book twice — at the model that answered and at
 * the tier default's model (recorded with each decision, 0014) — and the difference. An
 * estimate, and labelled so: the default model would not have produced the same tokens, a
 * day's calls are priced at that day's noon (UTC) price, and an unpriced model is priced at
 * the book's highest rates as billing does. Read from the routing rollup (0017), never the events.
 */
export interface RoutingSavingsTenant {
  tenantId: string;
  name: string;
  requests: number;
  /** Requests answered below the tier default. */
  routedDown: number;
  /** The routed tokens at the models that answered / at the tier default's models. */
  routedCostMicros: number;
  defaultCostMicros: number;
  /** defaultCostMicros − routedCostMicros (negative if routing cost more). */
  savingsMicros: number;
}

export interface RoutingSavings {
  /** YYYY-MM (UTC). */
  month: string;
  totals: Omit<RoutingSavingsTenant, "tenantId" | "name">;
  /** Most saved first. */
  tenants: RoutingSavingsTenant[];
}

interface SavingsRow {
  tenant_id: string;
  name: string | null;
  utc_day: string;
  model: string;
  default_model: string;
  requests: bigint;
  routed_down: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cache_write_tokens: bigint;
  cache_write_1h_tokens: bigint;
  cache_read_tokens: bigint;
}

const NOON_MS = 12 * 3_600_000;

export async function getRoutingSavings(staffUserId: string, options: { month: string; prices?: readonly PriceRow[] }): Promise<RoutingSavings> {
  const month = parseMonth(options.month);
  if (!month) throw new RangeError("month must be YYYY-MM");
  const start: IsoDate = `${month}-01`;
  const end = nextMonth(start);
  const [rows, prices] = await Promise.all([
    withStaff(staffUserId, async (tx) => {
      await assertStaffActor(tx, staffUserId);
      await foldUsageRollups(tx, null);
      return tx.$queryRaw<SavingsRow[]>`
        SELECT r.tenant_id::text AS tenant_id, t.name, r.utc_day::text AS utc_day, r.model, r.default_model,
               sum(r.requests)::bigint AS requests,
               coalesce(sum(r.requests) FILTER (WHERE r.route_tier < r.default_tier), 0)::bigint AS routed_down,
               sum(r.input_tokens)::bigint AS input_tokens, sum(r.output_tokens)::bigint AS output_tokens,
               sum(r.cache_write_tokens)::bigint AS cache_write_tokens, sum(r.cache_write_1h_tokens)::bigint AS cache_write_1h_tokens,
               sum(r.cache_read_tokens)::bigint AS cache_read_tokens
          FROM usage_routing_daily r
          LEFT JOIN tenants t ON t.id = r.tenant_id
         WHERE r.utc_day >= ${start}::date AND r.utc_day < ${end}::date
         GROUP BY r.tenant_id, t.name, r.utc_day, r.model, r.default_model`;
    }),
    options.prices ? Promise.resolve(options.prices) : loadPriceBook(),
  ]);

  const byTenant = new Map<string, RoutingSavingsTenant>();
  for (const r of rows) {
    const at = new Date(toUtcMs(r.utc_day) + NOON_MS);
    const usage = {
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      cacheWriteTokens: Number(r.cache_write_tokens),
      cacheWrite1hTokens: Number(r.cache_write_1h_tokens),
      cacheReadTokens: Number(r.cache_read_tokens),
    };
    const routed = Number(costMicros(usage, selectPrice(prices, r.model, at)));
    const fallback = Number(costMicros(usage, selectPrice(prices, r.default_model, at)));
    const entry = byTenant.get(r.tenant_id) ?? { tenantId: r.tenant_id, name: r.name ?? deletedTenantLabel(r.tenant_id), ...emptyTotals() };
    entry.requests += Number(r.requests);
    entry.routedDown += Number(r.routed_down);
    entry.routedCostMicros += routed;
    entry.defaultCostMicros += fallback;
    entry.savingsMicros = entry.defaultCostMicros - entry.routedCostMicros;
    byTenant.set(r.tenant_id, entry);
  }
  const tenants = [...byTenant.values()].sort((a, b) => b.savingsMicros - a.savingsMicros);
  const totals = emptyTotals();
  for (const t of tenants) {
    totals.requests += t.requests;
    totals.routedDown += t.routedDown;
    totals.routedCostMicros += t.routedCostMicros;
    totals.defaultCostMicros += t.defaultCostMicros;
  }
  totals.savingsMicros = totals.defaultCostMicros - totals.routedCostMicros;
  return { month, totals, tenants };
}

function emptyTotals(): Omit<RoutingSavingsTenant, "tenantId" | "name"> {
  return { requests: 0, routedDown: 0, routedCostMicros: 0, defaultCostMicros: 0, savingsMicros: 0 };
}

function nextMonth(first: IsoDate): IsoDate {
  const d = new Date(toUtcMs(first));
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}
