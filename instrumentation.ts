/**
 * Next.js calls this once per server process at start-up. The one reader of process.env
 * outside lib/env.ts: the bundler replaces the literal `process.env.NEXT_RUNTIME` in each
 * runtime's bundle, so the Edge bundle drops this branch (jobs, Prisma) entirely. Any
 * other form (through lib/env, or an early return) leaves the Node-only imports in it.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { env } = await import("@/lib/env");
    if (env.BULKHEAD_BENCH === "1") return;
    const { startBackgroundJobs } = await import("@/lib/jobs/start-jobs");
    startBackgroundJobs();
  }
}
