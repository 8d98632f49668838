import { env } from "@/lib/env";
import { startJobs, stopJobs } from "@/lib/jobs/boss";
import { registerBuiltInJobs } from "@/lib/jobs/handlers";

/**
 * `npm run worker`: a process that works every background queue (lib/jobs/queues.ts) on the
 * database in DATABASE_APP_URL / DATABASE_URL, for production beside app servers started
 * with BULKHEAD_JOBS=worker. Run several for throughput; pg-boss hands each job to one.
 * Not for the embedded database: one process holds its files, so `npm start` works the
 * queues in-process there.
 */
async function main(): Promise<void> {
  if (!env.DATABASE_URL && !env.DATABASE_APP_URL) {
    throw new Error("npm run worker needs DATABASE_URL (or DATABASE_APP_URL): with the embedded database, `npm start` runs the jobs in-process.");
  }
  registerBuiltInJobs();
  await startJobs({ work: true });
  console.log("[worker] working the background queues; Ctrl-C to stop");
  const stop = async () => {
    await stopJobs().catch((error: unknown) => console.error("[worker] stop failed", error));
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error("[worker] failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
