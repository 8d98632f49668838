import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { inject } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { drainOutbox, enqueueTurnWrite, fileOutbox } from "@/lib/ledger/outbox";
import { reconcileLedger } from "@/lib/ledger/reconcile";
import { reserveRequest } from "@/lib/ledger/reserve";
import { sweepStaleRequests } from "@/lib/ledger/sweeper";
import { buildUsageEvent } from "@/lib/ledger/usage-event";
import { applyTurnWriteNow } from "@/lib/ledger/write-turn";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { TIER_MODELS } from "@/lib/llm/models";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { startChatTurn } from "@/lib/pipeline/chat-turn";
import { turnWritesSettled } from "@/lib/chat/turn-writes";
import { priceAt } from "@/lib/usage/price-book";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * The small version of `npm run bench -- ledger`: turns through the real pipeline with
 * client aborts, upstream faults (429 and 529 then success, a mid-stream error), a turn's
 * write delivered twice through the outbox, and a request a "dead process" left in flight,
 * then the sweeper and a fold — and the ledger must reconcile with what the simulator
 * received, to the token. (The bench adds the PostgreSQL outage and a real SIGKILL, which
 * would disturb the other test files sharing this database.)
 */
let prisma: PrismaClient;
let sim: RunningSimulator;
let owner: pg.Client;
const tenants: { tenantId: string; userId: string }[] = [];
const ok = { ok: true, limit: 1e9, remaining: 1e9, resetAt: 0, retryAfterSeconds: 0, policy: "test", degraded: false };
const unlimited: RateLimiter = { checkLimit: async () => ok, limitTokens: async () => ok, refundTokens: async () => {}, remaining: async () => ({ remaining: 1e9, resetAt: 0, degraded: false }) };

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  owner = new pg.Client({ connectionString: inject("ownerUrl") });
  await owner.connect();
  for (let i = 0; i < 3; i++) {
    const r = await signUp({ name: `R${i}`, email: `${unique("recon")}@r.test`, password: "long-enough-1", workspaceName: `Recon ${i}` });
    tenants.push({ tenantId: r.tenantId, userId: r.userId });
  }
});

afterAll(async () => {
  setClaudeClient(undefined);
  await sim.close();
  await owner.end();
  await prisma.$disconnect();
});

async function turn(t: { tenantId: string; userId: string }, message: string, abortAfterMs: number | null): Promise<void> {
  const abort = new AbortController();
  if (abortAfterMs !== null) setTimeout(() => abort.abort(), abortAfterMs);
  const stream = await startChatTurn({ ...t, planId: "enterprise" }, { message }, abort.signal, { limiter: unlimited });
  const reader = stream.getReader();
  while (!(await reader.read()).done) {
    /* drain */
  }
  await turnWritesSettled(t); // the turn's write commits just after its answer ends
}

describe("ledger reconciliation (small)", () => {
  it("after aborts, faults, a duplicate delivery and a dead process, the ledger equals what the upstream received", async () => {
    const markers = ["", "", "", "[[sim:slow:3]]", "[[sim:429x1:0.01]]", "[[sim:529x1:0.01]]", "[[sim:midstream]]", ""];
    const work: Promise<void>[] = [];
    for (let i = 0; i < 48; i++) {
      const marker = markers[i % markers.length]!;
      work.push(turn(tenants[i % tenants.length]!, `${unique("turn ")} ${marker}`, marker.startsWith("[[sim:slow") ? 5 + (i % 30) : null));
    }
    await Promise.all(work);

    // A turn's final write delivered twice through the outbox: the second changes nothing.
    const t = tenants[0]!;
    const model = TIER_MODELS.economy.id;
    const requestId = unique("req_dup");
    await reserveRequest({ tenantId: t.tenantId, requestId, userId: t.userId, conversationId: null, requestType: "chat", model, estimatedInputTokens: 10, maxTokens: 10, reserveTokens: 100, quota: 1e12, at: new Date() });
    // (No upstream received this one: it is settled as estimated, like an aborted call.)
    const event = buildUsageEvent(
      { usage: { inputTokens: 10, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, latencyMs: 1, ttftMs: null, status: "aborted", errorType: undefined, estimated: true },
      { tenantId: t.tenantId, requestId, userId: t.userId, requestType: "chat", model },
      await priceAt(model),
    );
    const dir = await mkdtemp(path.join(tmpdir(), "bulkhead-recon-"));
    const store = fileOutbox(dir);
    const write = { tenantId: t.tenantId, userId: t.userId, messages: null, events: [event] };
    await enqueueTurnWrite(write, store);
    expect((await drainOutbox((w) => applyTurnWriteNow(w), store)).written).toBe(1);
    await enqueueTurnWrite(write, store);
    expect((await drainOutbox((w) => applyTurnWriteNow(w), store)).duplicates).toBe(1);
    await rm(dir, { recursive: true, force: true });

    // A request a dead process left in flight an hour ago.
    await reserveRequest({ tenantId: tenants[1]!.tenantId, requestId: unique("req_dead"), userId: tenants[1]!.userId, conversationId: null, requestType: "chat", model, estimatedInputTokens: 50, maxTokens: 100, reserveTokens: 500, quota: 1e12, at: new Date(Date.now() - 3_600_000) });
    const ids = tenants.map((x) => x.tenantId);
    expect(await sweepStaleRequests({ tenantIds: ids })).toEqual({ found: 1, settled: 1 });
    for (const id of ids) await owner.query("SELECT fold_usage_rollups($1)", [id]);

    const received = sim.received.filter((e) => e.endpoint === "messages" && ids.includes(e.headers["x-bulkhead-tenant"] ?? ""));
    expect(received.length).toBeGreaterThanOrEqual(48 + 6); // every turn, plus the retried 429s and 529s
    const report = await reconcileLedger(owner, received, { tenantIds: ids });
    expect(report.failures).toEqual([]);
    expect(report.rows).toBe(received.length + 2);
    expect(report.unseenEstimated).toBe(2);
    expect(report.estimated).toBeGreaterThanOrEqual(2 + 6); // the two above, the mid-stream errors and the aborts
  });

  it("the reconciliation finds a mismatch: a row whose tokens differ from what the upstream billed", async () => {
    const t = tenants[2]!;
    await turn(t, unique("tamper "), null);
    const entry = sim.received.last()!;
    const id = entry.headers["x-bulkhead-request"]!;
    await owner.query("UPDATE usage_events SET output_tokens = output_tokens + 1 WHERE request_id = $1", [id]);
    await owner.query("SELECT fold_usage_rollups($1)", [t.tenantId]);
    const report = await reconcileLedger(owner, [entry], { tenantIds: [t.tenantId] });
    expect(report.failures.some((f) => f.includes(id) && f.includes("vs simulator"))).toBe(true);
    // The quota was settled with the original figure: that mismatch is caught too.
    expect(report.failures.some((f) => f.includes("quota used"))).toBe(true);
  });
});
