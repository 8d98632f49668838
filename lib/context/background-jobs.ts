import { summariseConversation, type SummaryJob } from "@/lib/context/summarise-job";
import { proposeMemories, type ProposeJob } from "@/lib/memory/propose-job";

/**
 * The context layer's background jobs and how they are started. Compose decides that one is
 * due (turns dropped from the window, or new messages to read for memory proposals) and
 * enqueues it; nothing waits for it — the next turn uses what it stored.
 *
 *   session-summarise   lib/context/summarise-job.ts   the dropped turns → the summary
 *   memory-propose      lib/memory/propose-job.ts      the user's messages → proposals
 *
 * IN-PROCESS FALLBACK: pg-boss (issue 13, item 7) is not wired yet, so jobs run here, in
 * this process, one per conversation and job at a time (a second request while one runs is
 * dropped: the running one or the next turn covers it), with no retry and no persistence —
 * a job lost with the process is simply requested again by the next turn that needs it.
 * When lib/jobs/ offers enqueueJob/registerJob, `enqueueContextJob` becomes enqueueJob with
 * the same key as pg-boss's singletonKey and the handlers are registered as they are.
 */
export type ContextJob = { name: "session-summarise"; payload: SummaryJob } | { name: "memory-propose"; payload: ProposeJob };

const running = new Map<string, Promise<void>>();

export function contextJobKey(job: ContextJob): string {
  return `${job.name}:${job.payload.tenantId}:${job.payload.conversationId}`;
}

/** Starts the job unless the same one is already running; never throws, never waits. */
export function enqueueContextJob(job: ContextJob): void {
  const key = contextJobKey(job);
  if (running.has(key)) return;
  const run = runInProcessFallback(job)
    .catch((error: unknown) => console.error(`[bulkhead] background job ${job.name} failed`, error instanceof Error ? error.message : error))
    .finally(() => running.delete(key));
  running.set(key, run);
}

async function runInProcessFallback(job: ContextJob): Promise<void> {
  // Off the caller's tick: the turn that enqueued it goes on first.
  await new Promise((resolve) => setImmediate(resolve));
  if (job.name === "session-summarise") {
    const result = await summariseConversation(job.payload);
    if (result.more) enqueueAfter(job);
  } else {
    await proposeMemories(job.payload);
  }
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
