import { registerJob } from "@/lib/jobs/boss";
import { ingestDocument } from "@/lib/knowledge/ingest";
import { sweepStaleRequests } from "@/lib/ledger/sweeper";
import { detectAnomalies } from "@/lib/usage/anomalies";
import { foldAllUsageRollups } from "@/lib/usage/fold";

/**
 * The one list of what works each queue (lib/jobs/queues.ts names them). A queue without a
 * handler here keeps its jobs waiting, visible in the staff console's jobs panel.
 * session-summarise and memory-propose are registered by lib/context and lib/memory when
 * they land (add their registerJob calls here).
 */
export function registerBuiltInJobs(): void {
  registerJob("knowledge-ingest", async (payload, ctx) => {
    await ingestDocument(payload, ctx);
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
