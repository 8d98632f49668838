import type { ModelTier } from "@/lib/db/generated/enums";
import { withTenant } from "@/lib/db/scope";
import { modelForTier } from "@/lib/llm/models";
import { costMicros, selectPrice } from "@/lib/llm/pricing";
import { loadPriceBook } from "@/lib/usage/price-book";
import type { UsageEventRow } from "@/lib/ledger/usage-event";

/** Small deterministic PRNG (mulberry32) so every fresh demo has the same history. */
function prng(seedText: string): () => number {
  let seed = 0;
  for (const ch of seedText) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) | 0;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface UsageHistoryInput {
  tenantId: string;
  actorId: string;
  userIds: string[];
  modelTier: ModelTier;
  dailyCalls: number;
  days: number;
  now: Date;
  seed: string;
}

/**
 * Plausible usage for the demo dashboards: weekday-heavy, a slow upward trend, mostly chat
 * with some background work, a few aborted and failed calls, priced from the price book
 * at each event's time exactly as live calls are.
 */
export async function seedUsageHistory(input: UsageHistoryInput): Promise<number> {
  const random = prng(input.seed);
  const prices = await loadPriceBook();
  const primary = modelForTier(input.modelTier);
  const secondary = modelForTier(input.modelTier === "premium" ? "standard" : "economy");
  const events: UsageEventRow[] = [];
  const dayMs = 86_400_000;

  for (let d = input.days; d >= 1; d--) {
    const dayStart = new Date(input.now.getTime() - d * dayMs);
    const weekday = dayStart.getUTCDay();
    const trend = 0.6 + 0.4 * ((input.days - d) / input.days);
    const weekend = weekday === 0 || weekday === 6 ? 0.35 : 1;
    const calls = Math.max(1, Math.round(input.dailyCalls * trend * weekend * (0.7 + random() * 0.6)));
    for (let i = 0; i < calls; i++) {
      const at = new Date(dayStart.getTime() + Math.floor((0.3 + random() * 0.6) * dayMs));
      const background = random() < 0.15;
      const model = random() < 0.8 ? primary : secondary;
      const roll = random();
      const status = roll < 0.03 ? "error" : roll < 0.07 ? "aborted" : "completed";
      const cacheRead = random() < 0.5 ? Math.floor(400 + random() * 1200) : 0;
      const usage = {
        inputTokens: Math.floor(150 + random() * 1800),
        outputTokens: status === "error" ? 0 : Math.floor((status === "aborted" ? 20 : 120) + random() * 700),
        cacheWriteTokens: cacheRead === 0 && random() < 0.3 ? Math.floor(500 + random() * 900) : 0,
        cacheWrite1hTokens: 0,
        cacheReadTokens: cacheRead,
      };
      const price = selectPrice(prices, model, at);
      const latencyMs = Math.floor(600 + usage.outputTokens * (8 + random() * 10));
      events.push({
        tenantId: input.tenantId,
        requestId: `seed_${input.seed}_${d}_${i}`,
        userId: background ? null : input.userIds[Math.floor(random() * input.userIds.length)]!,
        conversationId: null,
        requestType: background ? "background" : "chat",
        model,
        ...usage,
        latencyMs,
        timeToFirstTokenMs: status === "error" ? null : Math.floor(250 + random() * 900),
        costMicros: costMicros(usage, price),
        priceMissing: price.priceMissing,
        priceId: price.id,
        status,
        errorType: status === "error" ? (random() < 0.5 ? "overloaded_error" : "rate_limit_error") : null,
        estimated: false,
        createdAt: at,
      });
    }
  }
  for (let i = 0; i < events.length; i += 1000) {
    const batch = events.slice(i, i + 1000);
    // History arrives settled: started and settled when the call ended.
    const rows = batch.map((e) => ({ ...e, startedAt: e.createdAt, settledAt: e.createdAt }));
    await withTenant({ tenantId: input.tenantId, userId: input.actorId }, (tx) => tx.usageEvent.createMany({ data: rows, skipDuplicates: true }));
  }
  // The month's quota meter (the tenant-local month) counts what live calls settle; the
  // history settles the same way.
  await withTenant({ tenantId: input.tenantId, userId: input.actorId }, (tx) =>
    tx.$executeRaw`
      INSERT INTO quota_usage (tenant_id, period, used_tokens)
      SELECT ${input.tenantId}::uuid, p.period, coalesce(sum(e.input_tokens + e.output_tokens + e.cache_write_tokens + e.cache_read_tokens), 0)
        FROM (SELECT tenant_quota_period(id, ${input.now}::timestamptz) AS period, time_zone FROM tenants WHERE id = ${input.tenantId}::uuid) p
        LEFT JOIN usage_events e ON e.tenant_id = ${input.tenantId}::uuid AND (e.created_at AT TIME ZONE p.time_zone)::date >= p.period
       GROUP BY p.period
      ON CONFLICT (tenant_id, period) DO UPDATE SET used_tokens = EXCLUDED.used_tokens`,
  );
  return events.length;
}
