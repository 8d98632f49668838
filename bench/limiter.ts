import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { admitRequest } from "@/lib/limits/admission";
import { createRateLimiter, type RateLimiter } from "@/lib/limits/rate-limit";
import { closeRedis, createRedis } from "@/lib/redis/client";
import type { RedisTransport } from "@/lib/redis/transport";
import type { Plan } from "@/lib/tenancy/plans";
import { startUpstashRestServer } from "@/tests/helpers/upstash-rest-server";
import type { Scenario } from "./lib/scenario";
import { round2, summarize, type LatencySummary } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Limiter cost per request for each transport (the chat path's admission: user share then
 * tenant requests per minute, two sliding-window checks), and admitted ÷ limit when a
 * burst far above the limit arrives at once.
 */
const REDIS_URL = "redis://127.0.0.1:6379";

const plan = (rpm: number): Plan => ({
  id: "bench",
  name: "Bench",
  requestsPerMinute: rpm,
  tokensPerMinute: 1_000_000_000,
  monthlyTokenQuota: 1_000_000_000,
  monthlyPriceMicros: 0n,
  userSharePct: 100,
  maxTokensCap: 4096,
  allowedTiers: ["economy", "standard", "premium"],
});

interface TransportRow {
  transport: string;
  sequential: LatencySummary;
  concurrent50: LatencySummary;
  burst: { limit: number; sent: number; admitted: number; ratio: number };
}

async function measure(limiter: RateLimiter, count: number, concurrency: number): Promise<LatencySummary> {
  // A limit no run reaches: this measures the cost of admitting, not of refusing.
  const p = plan(10_000_000);
  const tenantId = randomUUID();
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await admitRequest({ tenantId, userId: `u${i % 20}`, plan: p, limiter });
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(samples);
}

async function burst(limiter: RateLimiter, limit: number, sent: number): Promise<TransportRow["burst"]> {
  // Start well inside a window so the burst is judged against one window only.
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
  const tenantId = randomUUID();
  const results = await Promise.allSettled(
    Array.from({ length: sent }, (_, i) => admitRequest({ tenantId, userId: `u${i % 20}`, plan: plan(limit), limiter })),
  );
  const admitted = results.filter((r) => r.status === "fulfilled").length;
  return { limit, sent, admitted, ratio: admitted / limit };
}

export const limiter: Scenario = {
  name: "limiter",
  description: "rate-limiter cost per request per transport, and admitted ÷ limit under a burst",
  async run(options) {
    const count = options.quick ? 300 : 3_000;
    const rest = await startUpstashRestServer({ token: "bench-token", redisUrl: REDIS_URL });
    const transports: [string, RedisTransport][] = [
      ["memory", { kind: "memory" }],
      ["redis-tcp", { kind: "redis-tcp", url: REDIS_URL }],
      ["upstash-rest", { kind: "upstash-rest", url: rest.url, token: rest.token }],
    ];
    const rows: TransportRow[] = [];
    try {
      for (const [name, transport] of transports) {
        const redis = createRedis(transport);
        const l = createRateLimiter({ redis, prefix: `bh-bench:${randomUUID()}` });
        await measure(l, 50, 5); // warm-up: connections, script cache
        const sequential = await measure(l, count, 1);
        const concurrent50 = await measure(l, count, 50);
        const b = await burst(l, 300, 1_000);
        rows.push({ transport: name, sequential, concurrent50, burst: b });
        await closeRedis(redis);
      }
    } finally {
      await rest.close();
    }
    console.log(
      "\n" +
        formatTable(
          ["transport", "seq P50 ms", "seq P99 ms", "c50 P50 ms", "c50 P99 ms", "burst admitted/limit"],
          rows.map((r) => [r.transport, ms(r.sequential.p50), ms(r.sequential.p99), ms(r.concurrent50.p50), ms(r.concurrent50.p99), `${r.burst.admitted}/${r.burst.limit} = ${round2(r.burst.ratio)}`]),
        ),
    );
    const failures = rows.filter((r) => r.burst.admitted !== r.burst.limit).length;
    return { data: { requestsPerLevel: count, checksPerRequest: 2, transports: rows }, failures };
  },
};
