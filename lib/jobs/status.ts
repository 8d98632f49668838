import { getPool } from "@/lib/db/client";
import { JOB_NAMES, QUEUE_POLICIES, type JobName } from "@/lib/jobs/queues";

/**
 * Per-queue counts for the staff console: what waits, runs and failed (pg-boss keeps failed
 * jobs until its retention deletes them, so `failed` is a rolling count of recent failures).
 * Counted from pgboss.job itself, as the app's login (which owns that schema and nothing
 * else): pg-boss's own getQueues() counts come from a cache its monitor refreshes, minutes
 * late. Counts only: payloads name tenants and documents, and a failure's output may carry
 * an error message, neither of which the console needs.
 */
export interface JobQueueStatus {
  name: JobName;
  schedule: string | null;
  queued: number;
  active: number;
  failed: number;
}

export async function getJobQueueStatus(): Promise<JobQueueStatus[]> {
  const { rows } = await getPool().query<{ name: string; state: string; n: string }>(
    "SELECT name, state::text AS state, count(*) AS n FROM pgboss.job WHERE name = ANY ($1::text[]) AND state IN ('created', 'retry', 'active', 'failed') GROUP BY name, state",
    [JOB_NAMES],
  );
  const count = (name: string, ...states: string[]) => rows.filter((r) => r.name === name && states.includes(r.state)).reduce((n, r) => n + Number(r.n), 0);
  return JOB_NAMES.map((name) => ({
    name,
    schedule: QUEUE_POLICIES[name].cron ?? null,
    queued: count(name, "created", "retry"),
    active: count(name, "active"),
    failed: count(name, "failed"),
  }));
}
