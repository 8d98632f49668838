import type { Tx } from "@/lib/db/scope";
import type { IsoDate } from "@/lib/usage/dates";

/**
 * What model routing did (issue 14, item 2), from the routing rollup (usage_routing_daily,
 * 0017_routing_signals; the caller folds first): requests, tokens and cost by outcome —
 * answered below the tier default (routed down), at it, or above it. Only routed events are
 * counted; calls from before routing, or with no decision, are not in the rollup at all.
 */
export const ROUTING_OUTCOMES = ["down", "default", "up"] as const;
export type RoutingOutcome = (typeof ROUTING_OUTCOMES)[number];

export const ROUTING_OUTCOME_LABELS: Readonly<Record<RoutingOutcome, string>> = {
  down: "Routed below the tier default",
  default: "At the tier default",
  up: "Above the tier default",
};

export interface RoutingOutcomeTotals {
  outcome: RoutingOutcome;
  requests: number;
  /** input + output + cache writes + cache reads, as everywhere on the dashboard. */
  tokens: number;
  costMicros: number;
}

interface OutcomeRow {
  outcome: RoutingOutcome;
  requests: bigint;
  tokens: bigint;
  cost_micros: bigint;
}

/** Every outcome, zeros included, in ROUTING_OUTCOMES order. One index range scan of the tenant's days. */
export async function readRoutingOutcomes(tx: Tx, tenantId: string, from: IsoDate, to: IsoDate): Promise<RoutingOutcomeTotals[]> {
  const rows = await tx.$queryRaw<OutcomeRow[]>`
    SELECT CASE WHEN r.route_tier < r.default_tier THEN 'down' WHEN r.route_tier > r.default_tier THEN 'up' ELSE 'default' END AS outcome,
           sum(r.requests)::bigint AS requests,
           sum(r.input_tokens + r.output_tokens + r.cache_write_tokens + r.cache_read_tokens)::bigint AS tokens,
           sum(r.cost_micros)::bigint AS cost_micros
      FROM usage_routing_daily r
     WHERE r.tenant_id = ${tenantId}::uuid AND r.day BETWEEN ${from}::date AND ${to}::date
     GROUP BY 1`;
  const byOutcome = new Map(rows.map((r) => [r.outcome, r]));
  return ROUTING_OUTCOMES.map((outcome) => {
    const r = byOutcome.get(outcome);
    return { outcome, requests: Number(r?.requests ?? 0n), tokens: Number(r?.tokens ?? 0n), costMicros: Number(r?.cost_micros ?? 0n) };
  });
}
