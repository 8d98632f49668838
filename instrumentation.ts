import { env } from "@/lib/env";

/** Next.js calls this once per server process at start-up. */
export async function register(): Promise<void> {
  if (env.NEXT_RUNTIME !== "nodejs" || env.BULKHEAD_BENCH === "1") return;
  const { startBackgroundJobs } = await import("@/lib/jobs/start-jobs");
  startBackgroundJobs();
}
