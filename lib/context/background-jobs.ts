import { z } from "zod";
import { summariseConversation, type SummaryJob } from "@/lib/context/summarise-job";
import { currentBoss, enqueueJob } from "@/lib/jobs/boss";
import { proposeMemories, type ProposeJob } from "@/lib/memory/propose-job";

/**
 * The context layer's background jobs and how they are started. Compose decides that one is
 * due (turns dropped from the window, or new messages to read for memory proposals) and
 * enqueues it; nothing waits for it — the next turn uses what it stored.
 *
 *   session-summarise   lib/context/summarise-job.ts   the dropped turns → the summary
 *   memory-propose      lib/memory/propose-job.ts      the user's messages → proposals
 *
 * On pg-boss (lib/jobs/boss.ts) whenever this process has a boss running (the app server
 * and `npm run worker`; handlers registered in lib/jobs/handlers.ts): retried with backoff,
 * one waiting job per conversation and queue (singletonKey).
 *
 * IN-PROCESS FALLBACK, when no boss runs in this process (before it has started, scripts,
 * the integration tests): the job runs here, one per conversation and job at a time (a
 * second request while one runs is dropped: the running one or the next turn covers it),
 * with no retry and no persistence — a job lost with the process is simply requested again
 * by the next turn that needs it.
 */
export type ContextJob = { name: "session-summarise"; payload: SummaryJob } | { name: "memory-propose"; payload: ProposeJob };

const running = new Map<string, Promise<void>>();

const jobBase = z.object({ tenantId: z.uuid(), userId: z.uuid(), planId: z.string().min(1).max(64), conversationId: z.uuid() });
const summaryPayload = jobBase.extend({ before: z.iso.datetime({ offset: true }) });

/** A queued payload back into a job (pg-boss hands workers untyped data). */
export function contextJobFrom(name: ContextJob["name"], payload: unknown): ContextJob {
  return name === "session-summarise" ? { name, payload: summaryPayload.parse(payload) } : { name, payload: jobBase.parse(payload) };
}

export function contextJobKey(job: ContextJob): string {
  return `${job.name}:${job.payload.tenantId}:${job.payload.conversationId}`;
}

/** Queues the job (or starts it, in the fallback) unless the same one waits or runs; never throws, never waits. */
export function enqueueContextJob(job: ContextJob, options: { startAfterSeconds?: number } = {}): void {
  const key = contextJobKey(job);
  if (currentBoss()) {
    const queued = { singletonKey: key, startAfterSeconds: options.startAfterSeconds };
    const sent = job.name === "session-summarise" ? enqueueJob(job.name, { ...job.payload }, queued) : enqueueJob(job.name, { ...job.payload }, queued);
    void sent.catch((error: unknown) =>
      console.error(`[bulkhead] could not enqueue ${job.name}`, error instanceof Error ? error.message : error),
    );
    return;
  }
  if (running.has(key)) return;
  const run = runInProcessFallback(job)
    .catch((error: unknown) => console.error(`[bulkhead] background job ${job.name} failed`, error instanceof Error ? error.message : error))
    .finally(() => running.delete(key));
  running.set(key, run);
}

async function runInProcessFallback(job: ContextJob): Promise<void> {
  // Off the caller's tick: the turn that enqueued it goes on first.
  await new Promise((resolve) => setImmediate(resolve));
  const result = await runContextJob(job);
  if (result.more) enqueueAfter(job);
}

/** One run of a job, for pg-boss's worker and the fallback alike; throws to be retried. */
export async function runContextJob(job: ContextJob): Promise<{ more: boolean }> {
  if (job.name === "session-summarise") return { more: (await summariseConversation(job.payload)).more };
  await proposeMemories(job.payload);
  return { more: false };
}

/** A summary that had more to cover than one call takes goes on once this run is done. */
function enqueueAfter(job: ContextJob): void {
  const key = contextJobKey(job);
  void running.get(key)?.finally(() => enqueueContextJob(job));
}

/** Resolves when every in-process job (including follow-ups they start) has finished. For tests and shutdown. */
export async function settleContextJobs(): Promise<void> {
  while (running.size > 0) {
    await Promise.allSettled([...running.values()]);
    // Follow-ups are enqueued in a callback of the run that finished: let them register.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
