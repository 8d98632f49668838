import { withScopeSql } from "@/lib/db/sql";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";
import { buildUsageEvent } from "@/lib/ledger/usage-event";
import { applyTurnWriteNow } from "@/lib/ledger/write-turn";
import { STREAM_LIMITS } from "@/lib/llm/tracked-call";
import { priceAt } from "@/lib/usage/price-book";

/**
 * Ledger rows still 'started' long after any stream could have ended belong to a process
 * that died (deploy, OOM, SIGKILL) between sending a request and settling it. The sweeper
 * settles each at its reservation's estimate — the estimated input plus max_tokens of
 * output, the most the call could have cost — flagged `estimated`, through the same
 * idempotent write as every turn, so the quota's reservation becomes usage and `reserved`
 * returns to what live calls hold. A live process that settles later finds the row settled
 * and changes nothing.
 */
export const SWEEP_POLICY = {
  /** Longer than any stream may run (STREAM_LIMITS.totalMs) plus the final write's time. */
  staleAfterMs: STREAM_LIMITS.totalMs + 60_000,
  batch: 200,
  intervalMs: 60_000,
} as const;

interface StaleRow {
  tenant_id: string;
  request_id: string;
  user_id: string | null;
  conversation_id: string | null;
  request_type: "chat" | "background" | "api";
  model: string;
  input_tokens: number;
  max_tokens: number | null;
  started_at: Date;
}

export interface SweepResult {
  found: number;
  settled: number;
}

export async function sweepStaleRequests(options: { now?: Date; staleAfterMs?: number; /** Tests: only these tenants. */ tenantIds?: string[] } = {}): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - (options.staleAfterMs ?? SWEEP_POLICY.staleAfterMs));
  // Staff reads usage across tenants (never content); the partial index (settled_at IS NULL,
  // 0021) keeps this to rows in flight.
  const rows = await withScopeSql({ kind: "staff", userId: SYSTEM_ACTOR_ID }, (db) =>
    db.query<StaleRow>(
      `SELECT e.tenant_id, e.request_id, e.user_id, e.conversation_id, e.request_type, e.model, e.input_tokens, e.max_tokens, e.started_at
         FROM usage_events e
        WHERE e.settled_at IS NULL AND e.status = 'started' AND e.started_at < $1 AND ($3::uuid[] IS NULL OR e.tenant_id = ANY ($3::uuid[]))
        ORDER BY e.started_at LIMIT $2`,
      [cutoff, SWEEP_POLICY.batch, options.tenantIds ?? null],
      { commit: true },
    ),
  );
  let settled = 0;
  for (const row of rows) {
    const usage = { inputTokens: row.input_tokens, outputTokens: row.max_tokens ?? 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
    const event = buildUsageEvent(
      // How long it really ran is unknown (the process died); at most the longest stream allowed.
      { usage, latencyMs: Math.min(STREAM_LIMITS.totalMs, Math.max(0, now.getTime() - new Date(row.started_at).getTime())), ttftMs: null, status: "error", errorType: "abandoned", estimated: true },
      { tenantId: row.tenant_id, requestId: row.request_id, userId: row.user_id, conversationId: row.conversation_id, requestType: row.request_type, model: row.model, endedAt: now },
      await priceAt(row.model, now),
    );
    // No user in the scope: the platform acts for the tenant (the user may have left since).
    const result = await applyTurnWriteNow({ tenantId: row.tenant_id, userId: null, messages: null, events: [event] });
    settled += result.settled.length;
  }
  if (rows.length > 0) console.warn(`[bulkhead] sweeper settled ${settled} of ${rows.length} abandoned requests as estimated`);
  return { found: rows.length, settled };
}

const globalForSweeper = globalThis as unknown as { bulkheadSweeper?: { stop: () => void } };

/** Once per process; the timer never keeps the process alive. Runs once at start too. */
export function startSweeper(intervalMs: number = SWEEP_POLICY.intervalMs): { stop: () => void } {
  if (globalForSweeper.bulkheadSweeper) return globalForSweeper.bulkheadSweeper;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    sweepStaleRequests()
      .catch((error: unknown) => console.error("[bulkhead] sweeper failed", error))
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  setImmediate(tick);
  const handle = {
    stop() {
      clearInterval(timer);
      globalForSweeper.bulkheadSweeper = undefined;
    },
  };
  globalForSweeper.bulkheadSweeper = handle;
  return handle;
}
