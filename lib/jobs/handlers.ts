import { contextJobFrom, enqueueContextJob, runContextJob } from "@/lib/context/background-jobs";
import { registerJob } from "@/lib/jobs/boss";
import { ingestDocument } from "@/lib/knowledge/ingest";
import { sweepStaleRequests } from "@/lib/ledger/sweeper";
import { detectAnomalies } from "@/lib/usage/anomalies";
import { foldAllUsageRollups } from "@/lib/usage/fold";

/**
 * The one list of what works each queue (lib/jobs/queues.ts names them). A queue without a
 * handler here keeps its jobs waiting, visible in the staff console's jobs panel.
 */
export function registerBuiltInJobs(): void {
  registerJob("knowledge-ingest", async (payload, ctx) => {
    await ingestDocument(payload, ctx);
  });
  // The context layer (lib/context/background-jobs.ts): a summary with more to cover queues its next batch.
  registerJob("session-summarise", async (payload) => {
    const job = contextJobFrom("session-summarise", payload);
    if ((await runContextJob(job)).more) enqueueContextJob(job, { startAfterSeconds: 1 });
  });
  registerJob("memory-propose", async (payload) => {
    await runContextJob(contextJobFrom("memory-propose", payload));
  });
  registerJob("ledger-sweep", async () => {
    await sweepStaleRequests();
  });
  registerJob("usage-anomalies", async () => {
    const flags = await detectAnomalies();
    const fresh = flags.filter((f) => f.isNew);
    if (fresh.length > 0) console.warn(`[anomalies] ${fresh.length} tenant(s) flagged`);
  });
  registerJob("rollup-fold", async () => {
    await foldAllUsageRollups();
  });
}
