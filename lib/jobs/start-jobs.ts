import { env } from "@/lib/env";
import { startJobs } from "@/lib/jobs/boss";
import { registerBuiltInJobs } from "@/lib/jobs/handlers";
import { startOutboxDrainer } from "@/lib/ledger/drainer";

/**
 * Background work of an app server process (instrumentation.ts).
 *
 * - Queued and periodic jobs (ingestion, sweeper, anomalies, rollups, summaries, memory
 *   proposals) run on pg-boss (lib/jobs/boss.ts): worked here with BULKHEAD_JOBS=in-process
 *   (the default, `npm start`), only enqueued with BULKHEAD_JOBS=worker (`npm run worker`
 *   processes work them).
 * - The usage outbox drainer stays an in-process timer in every app process: the outbox holds
 *   the writes PostgreSQL could not take, so its replay cannot wait on a queue that lives in
 *   PostgreSQL, and its embedded store is a directory on this machine.
 *
 * A failed pg-boss start (the database not reachable yet) is retried with backoff.
 */
export function startBackgroundJobs(): void {
  startOutboxDrainer();
  registerBuiltInJobs();
  void startWithRetry(env.BULKHEAD_JOBS === "in-process", 1_000);
}

async function startWithRetry(work: boolean, delayMs: number): Promise<void> {
  try {
    await startJobs({ work });
  } catch (error) {
    const next = Math.min(delayMs * 2, 60_000);
    console.error(`[jobs] pg-boss did not start (${error instanceof Error ? error.message : String(error)}); retrying in ${next / 1000} s`);
    setTimeout(() => void startWithRetry(work, next), next).unref();
  }
}
