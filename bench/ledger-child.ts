import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { startChatTurn } from "@/lib/pipeline/chat-turn";

/**
 * bench/ledger.ts's second app process: starts slow chat turns on the bench database and
 * prints "started" as each reply begins to stream; the parent SIGKILLs it mid-stream.
 */
const tenants = JSON.parse(process.env.BENCH_TENANTS ?? "[]") as { tenantId: string; userId: string }[];
setPrismaClient(createPrismaClient(process.env.BENCH_APP_URL!, 8));
setClaudeClient(createClaudeClient({ baseURL: process.env.BENCH_SIM_URL! }));
const ok = { ok: true, limit: 1e9, remaining: 1e9, resetAt: 0, retryAfterSeconds: 0, policy: "bench", degraded: false };
const unlimited: RateLimiter = { checkLimit: async () => ok, limitTokens: async () => ok, refundTokens: async () => {}, remaining: async () => ({ remaining: 1e9, resetAt: 0, degraded: false }) };

for (let i = 0; i < Number(process.env.BENCH_TURNS ?? 10); i++) {
  const t = tenants[i % tenants.length]!;
  void startChatTurn({ ...t, planId: "enterprise" }, { message: `killed turn ${i} [[sim:slow:50]]` }, new AbortController().signal, { limiter: unlimited }).then(async (stream) => {
    const reader = stream.getReader();
    let announced = false;
    while (!(await reader.read()).done) {
      if (!announced) {
        announced = true;
        process.stdout.write("started\n");
      }
    }
  });
}
