import { z } from "zod";

/**
 * Every background queue, its payload and its retry policy, as data (lib/jobs/boss.ts turns
 * this into pg-boss queues). A tenant's job names its tenant in the payload and its handler
 * runs in that tenant's platform scope (lib/jobs/boss.ts `JobContext.scope`); platform jobs
 * (sweeper, anomalies, rollups) scope themselves as the system actor, as before.
 *
 * Retries: pg-boss waits retryDelay × 2^attempt seconds (with jitter) between attempts,
 * capped by retryDelayMax. A job that exhausts its retries stays in pgboss.job as `failed`
 * (the staff console's jobs panel lists them, lib/jobs/status.ts); tenant-visible state
 * (a document's status and reason) is the handler's to record.
 */
const uuid = z.uuid();

export const JOB_PAYLOADS = {
  /** Parse, chunk and index one version of a knowledge document (lib/knowledge/ingest.ts). */
  "knowledge-ingest": z.object({ tenantId: uuid, documentId: uuid, version: z.number().int().positive() }),
  /** Summarise the turns of a conversation beyond the window (lib/context/summarise-job.ts SummaryJob). */
  "session-summarise": z.object({ tenantId: uuid, userId: uuid, planId: z.string().min(1), conversationId: uuid, before: z.iso.datetime({ offset: true }) }),
  /** Propose memories from a conversation, when the user allows it (lib/memory/propose-job.ts ProposeJob). */
  "memory-propose": z.object({ tenantId: uuid, userId: uuid, planId: z.string().min(1), conversationId: uuid }),
  /** Settle ledger rows a dead process left 'started' (lib/ledger/sweeper.ts). */
  "ledger-sweep": z.object({}).passthrough(),
  /** Flag usage anomalies for the last full hour (lib/usage/anomalies.ts). */
  "usage-anomalies": z.object({}).passthrough(),
  /** Fold queued usage changes into the rollups (lib/usage/fold.ts). */
  "rollup-fold": z.object({}).passthrough(),
} as const;

export type JobName = keyof typeof JOB_PAYLOADS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_PAYLOADS)[N]>;

export interface QueuePolicy {
  /** pg-boss queue policy: 'singleton' runs at most one job of the queue at a time (periodic work). */
  policy: "standard" | "singleton";
  retryLimit: number;
  /** Seconds before the first retry; doubled per attempt (retryBackoff). */
  retryDelay: number;
  retryDelayMax: number;
  /** An active job not finished by then is failed (and retried): a worker that died. */
  expireInSeconds: number;
  /** How many jobs of this queue one process runs at once. */
  localConcurrency: number;
  /** Periodic queues: a cron expression (UTC). pg-boss sends one job per tick across all instances. */
  cron?: string;
}

export const QUEUE_POLICIES: Record<JobName, QueuePolicy> = {
  "knowledge-ingest": { policy: "standard", retryLimit: 3, retryDelay: 5, retryDelayMax: 120, expireInSeconds: 600, localConcurrency: 2 },
  "session-summarise": { policy: "standard", retryLimit: 3, retryDelay: 10, retryDelayMax: 300, expireInSeconds: 300, localConcurrency: 2 },
  "memory-propose": { policy: "standard", retryLimit: 3, retryDelay: 10, retryDelayMax: 300, expireInSeconds: 300, localConcurrency: 1 },
  // The sweeper ran every 60 s as a timer; a minute is also cron's finest step.
  "ledger-sweep": { policy: "singleton", retryLimit: 1, retryDelay: 10, retryDelayMax: 30, expireInSeconds: 300, localConcurrency: 1, cron: "* * * * *" },
  // Detection evaluates the last full hour and is idempotent per tenant and hour.
  "usage-anomalies": { policy: "singleton", retryLimit: 2, retryDelay: 30, retryDelayMax: 120, expireInSeconds: 600, localConcurrency: 1, cron: "*/5 * * * *" },
  // Every reader folds first (lib/usage/fold.ts), so the periodic fold only keeps the queue short.
  "rollup-fold": { policy: "singleton", retryLimit: 1, retryDelay: 5, retryDelayMax: 30, expireInSeconds: 120, localConcurrency: 1, cron: "* * * * *" },
};

export const JOB_NAMES = Object.keys(JOB_PAYLOADS) as JobName[];

/** Jobs whose payload names a tenant run in that tenant's platform scope. */
export function tenantOfPayload(payload: unknown): string | null {
  const tenantId = (payload as { tenantId?: unknown } | null)?.tenantId;
  return typeof tenantId === "string" ? tenantId : null;
}
