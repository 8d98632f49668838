import { BACKGROUND_MIN_HEADROOM } from "@/lib/limits/account-snapshot";

/**
 * The one gate in front of the upstream: every Claude call waits here for a slot.
 *
 * Two classes, each with its own concurrency pool. User-facing (interactive) work always
 * goes first: a queued background task starts only when no interactive task is waiting and
 * the account's rate-limit headroom is not low, so batch jobs never eat the capacity a
 * person is waiting for. FIFO within a class. Per process: app instances each run their own
 * (the account limit is shared upstream; headroom is what coordinates them).
 */
export type Priority = "interactive" | "background";

export interface HeadroomSnapshot {
  /** Fraction of the account's limits still available, 0..1. */
  headroom: number;
}

export interface SchedulerOptions {
  interactiveConcurrency?: number;
  backgroundConcurrency?: number;
  /** Account headroom; null = unknown. Without it, background is gated only by interactive work. */
  headroom?: () => Promise<HeadroomSnapshot | null>;
  /** Background tasks are held while headroom is below this. */
  minBackgroundHeadroom?: number;
  /** How long a headroom reading stays fresh, and how often held background work re-checks. */
  pollMs?: number;
}

export interface ClassStats {
  running: number;
  queued: number;
}

export interface SchedulerStats {
  interactive: ClassStats;
  background: ClassStats;
}

export interface Scheduler {
  /** Runs `task` when its class has a slot. Rejects with an AbortError if `signal` aborts while queued. */
  run<T>(priority: Priority, task: (signal?: AbortSignal) => Promise<T>, opts?: { signal?: AbortSignal }): Promise<T>;
  stats(): SchedulerStats;
}

interface Job {
  start: () => void;
}

export function createScheduler({
  interactiveConcurrency = 32,
  backgroundConcurrency = 4,
  headroom,
  minBackgroundHeadroom = BACKGROUND_MIN_HEADROOM,
  pollMs = 250,
}: SchedulerOptions = {}): Scheduler {
  const limits: Record<Priority, number> = { interactive: interactiveConcurrency, background: backgroundConcurrency };
  const running: Record<Priority, number> = { interactive: 0, background: 0 };
  const queues: Record<Priority, Job[]> = { interactive: [], background: [] };

  // Headroom reading: at most one lookup per pollMs, however many tasks are queued.
  let headroomLow = false;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking = false;
  let recheckTimer: ReturnType<typeof setTimeout> | null = null;

  function refreshHeadroom(read: () => Promise<HeadroomSnapshot | null>): void {
    if (checking) return;
    checking = true;
    Promise.resolve()
      .then(read)
      .then(
        // Headroom is 1 - remaining/limit: 1 - 8/10 must count as 0.2, not just below it.
        (snapshot) => snapshot !== null && snapshot.headroom < minBackgroundHeadroom - 1e-9,
        // A broken monitor must not stall background work forever: unknown, like null.
        () => false,
      )
      .then((low) => {
        headroomLow = low;
        checkedAt = performance.now();
        checking = false;
        pump(true);
      });
  }

  function startNext(priority: Priority): void {
    while (running[priority] < limits[priority]) {
      const job = queues[priority].shift();
      if (!job) return;
      job.start();
    }
  }

  /** Starts whatever may start now. `fresh`: the headroom reading was just taken. */
  function pump(fresh = false): void {
    startNext("interactive");
    const background = queues.background;
    if (background.length === 0 || running.background >= limits.background) return;
    if (queues.interactive.length > 0) return; // woken again when an interactive task ends
    if (headroom) {
      if (!fresh && performance.now() - checkedAt >= pollMs) return refreshHeadroom(headroom); // pumps when read
      if (headroomLow) {
        // Not unref'd: held tasks are real work the process should stay up for.
        recheckTimer ??= setTimeout(() => {
          recheckTimer = null;
          pump();
        }, pollMs);
        return;
      }
    }
    startNext("background");
  }

  function run<T>(priority: Priority, task: (signal?: AbortSignal) => Promise<T>, opts: { signal?: AbortSignal } = {}): Promise<T> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const queue = queues[priority];
        const index = queue.indexOf(job);
        if (index >= 0) queue.splice(index, 1);
        reject(abortError());
        pump(); // a removed interactive task may have been what held background work
      };
      const job: Job = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          running[priority]++;
          // Once started, abort is the task's business (it gets the signal).
          // Free the slot before the caller resumes, so stats() is already true for it.
          (async () => task(signal))()
            .finally(() => {
              running[priority]--;
              pump();
            })
            .then(resolve, reject);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queues[priority].push(job);
      pump();
    });
  }

  return {
    run,
    stats: () => ({
      interactive: { running: running.interactive, queued: queues.interactive.length },
      background: { running: running.background, queued: queues.background.length },
    }),
  };
}

function abortError(): DOMException {
  return new DOMException("The task was aborted while queued.", "AbortError");
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

const globalForScheduler = globalThis as unknown as { bulkheadScheduler?: Scheduler };

/**
 * The process's scheduler (on globalThis so Next's dev reloads keep one queue), gated by the
 * account-headroom monitor. Imported lazily: the monitor brings Redis and the database, which
 * this module and its unit tests otherwise do not need.
 */
export function getScheduler(): Scheduler {
  globalForScheduler.bulkheadScheduler ??= createScheduler({
    headroom: async () => (await import("@/lib/limits/account-headroom")).getAccountHeadroom(),
  });
  return globalForScheduler.bulkheadScheduler;
}
