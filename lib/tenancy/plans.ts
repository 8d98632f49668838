import type { ModelTier } from "@/lib/db/generated/enums";
import { withAuth } from "@/lib/db/scope";

/**
 * Plans are reference data owned by the migrations (free, starter, professional,
 * enterprise): rates, quota and price per plan live in the `plans` table, read once a
 * minute per process so the chat path never queries them.
 */
export interface Plan extends PlanLimits {
  id: string;
  name: string;
  monthlyPriceMicros: bigint;
}

/** What a plan allows a tenant. Consumers that need a few of these take a Pick of it. */
export interface PlanLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  monthlyTokenQuota: number;
  /** 1–100: percentage of the tenant's per-minute budget one user may consume. */
  userSharePct: number;
  maxTokensCap: number;
  allowedTiers: readonly ModelTier[];
}

const TTL_MS = 60_000;
const cache = globalThis as unknown as { bulkheadPlans?: { at: number; plans: Promise<Map<string, Plan>> } };

async function loadPlans(): Promise<Map<string, Plan>> {
  const rows = await withAuth((tx) => tx.plan.findMany());
  return new Map(rows.map((p) => [p.id, { ...p, monthlyTokenQuota: Number(p.monthlyTokenQuota) }]));
}

export async function listPlans(): Promise<Plan[]> {
  const now = Date.now();
  if (!cache.bulkheadPlans || now - cache.bulkheadPlans.at > TTL_MS) {
    const plans = loadPlans();
    cache.bulkheadPlans = { at: now, plans };
    plans.catch(() => {
      if (cache.bulkheadPlans?.plans === plans) cache.bulkheadPlans = undefined;
    });
  }
  return [...(await cache.bulkheadPlans.plans).values()];
}

export async function getPlan(planId: string): Promise<Plan> {
  const plan = (await listPlans()).find((p) => p.id === planId);
  if (plan) return plan;
  // A plan added since the last read (another instance's migration, an operator's insert):
  // read again once rather than fail every request of its tenants until the cache expires.
  invalidatePlans();
  const reread = (await listPlans()).find((p) => p.id === planId);
  if (!reread) throw new Error(`Unknown plan ${planId}`);
  return reread;
}

/** After a plan edit in this process. */
export function invalidatePlans(): void {
  cache.bulkheadPlans = undefined;
}
