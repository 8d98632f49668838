import { BACKGROUND_MIN_HEADROOM } from "@/lib/limits/account-snapshot";
import { IN_FLIGHT_CAPS, inFlightCapForPlan } from "@/lib/limits/policies";

/**
 * The one gate in front of the upstream: every Claude call waits here for a slot.
 *
 * Two classes, each with its own concurrency pool. User-facing (interactive) work always
 * goes first: a queued background task starts only when no interactive task that could
 * start is waiting and the account's rate-limit headroom is not low, so batch jobs never eat
 * the capacity a person is waiting for. Per process: app instances each run their own (the
 * account limit is shared upstream; headroom is what coordinates them).
 *
 * Across tenants, fair: each tenant has its own queue per class, and a free slot goes to the
 * next tenant in round-robin order that is under its cap of in-flight calls (by plan,
 * lib/limits/policies.ts; both classes count). FIFO within one tenant's queue. A tenant at
 * its cap waits in its own queue while others go ahead — no 429 here: by the time a call
 * reaches the scheduler its response has started (the chat stream is open), the wait is
 * bounded by the caller's signal, and how much a tenant can queue is bounded by its
 * requests/min limit (step 4). Calls without a tenant share one uncapped queue.
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
  /**
   * In-flight calls one tenant may have, read when each of its calls is queued. Must not
   * reject. Without it, tenants are queued fairly but not capped.
   */
  tenantCap?: (tenantId: string) => number | Promise<number>;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Whose call this is: the unit of fair queuing and of the per-tenant cap. */
  tenantId?: string;
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
  /**
   * Runs `task` when its class has a slot and its tenant is under its cap. Rejects with an
   * AbortError if `signal` aborts while queued.
   */
  run<T>(priority: Priority, task: (signal?: AbortSignal) => Promise<T>, opts?: RunOptions): Promise<T>;
  stats(): SchedulerStats;
  /** One tenant's calls: running (both classes) and queued (both classes). */
  tenantStats(tenantId: string): ClassStats;
}

interface Job {
  tenantId: string;
  start: () => void;
}

/** The queue key of calls made without a tenant. Not a UUID, so no tenant can have it. */
const NO_TENANT = "(none)";

interface Lane {
  tenantId: string;
  jobs: Job[];
}

/**
 * One class's queue: a queue per tenant, served round-robin. The cursor points at the lane
 * after the one served last, so a tenant that just started a task goes to the back.
 */
class FairQueue {
  private readonly ring: Lane[] = [];
  private readonly lanes = new Map<string, Lane>();
  private cursor = 0;
  size = 0;

  push(job: Job): void {
    let lane = this.lanes.get(job.tenantId);
    if (!lane) {
      lane = { tenantId: job.tenantId, jobs: [] };
      this.lanes.set(job.tenantId, lane);
      this.ring.push(lane);
    }
    lane.jobs.push(job);
    this.size++;
  }

  remove(job: Job): boolean {
    const lane = this.lanes.get(job.tenantId);
    const index = lane ? lane.jobs.indexOf(job) : -1;
    if (!lane || index < 0) return false;
    lane.jobs.splice(index, 1);
    this.size--;
    if (lane.jobs.length === 0) this.dropLane(this.ring.indexOf(lane));
    return true;
  }

  /** The next job, round-robin over tenants, whose tenant `mayStart`; removed from the queue. */
  take(mayStart: (tenantId: string) => boolean): Job | undefined {
    const i = this.findLane(mayStart);
    const lane = i === null ? undefined : this.ring[i];
    if (i === null || !lane) return undefined;
    const job = lane.jobs.shift();
    this.size--;
    this.cursor = i;
    if (lane.jobs.length === 0) this.dropLane(i);
    else this.cursor = (i + 1) % this.ring.length;
    return job;
  }

  has(mayStart: (tenantId: string) => boolean): boolean {
    return this.findLane(mayStart) !== null;
  }

  queuedFor(tenantId: string): number {
    return this.lanes.get(tenantId)?.jobs.length ?? 0;
  }

  private findLane(mayStart: (tenantId: string) => boolean): number | null {
    for (let k = 0; k < this.ring.length; k++) {
      const i = (this.cursor + k) % this.ring.length;
      const lane = this.ring[i];
      if (lane && mayStart(lane.tenantId)) return i;
    }
    return null;
  }

  private dropLane(i: number): void {
    const [lane] = this.ring.splice(i, 1);
    if (lane) this.lanes.delete(lane.tenantId);
    // The lane after the dropped one moved into its index: it is next.
    if (i < this.cursor) this.cursor--;
    if (this.cursor >= this.ring.length) this.cursor = 0;
  }
}

export function createScheduler({
  // Upstream calls are I/O: a slot is a socket and a few kilobytes, so the pool is sized for
  // a gateway's open streams (1,000 concurrent on one instance: bench api-streams), not for CPU.
  interactiveConcurrency = 1_024,
  backgroundConcurrency = 4,
  headroom,
  minBackgroundHeadroom = BACKGROUND_MIN_HEADROOM,
  pollMs = 250,
  tenantCap,
}: SchedulerOptions = {}): Scheduler {
  const limits: Record<Priority, number> = { interactive: interactiveConcurrency, background: backgroundConcurrency };
  const running: Record<Priority, number> = { interactive: 0, background: 0 };
  const queues: Record<Priority, FairQueue> = { interactive: new FairQueue(), background: new FairQueue() };
  // Per tenant: calls running in either class, and the cap read when its latest call was queued.
  // An entry lives while the tenant has calls running or queued.
  const tenants = new Map<string, { running: number; cap: number }>();
  const underCap = (tenantId: string) => {
    const t = tenants.get(tenantId);
    return !t || t.running < t.cap;
  };

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
      const job = queues[priority].take(underCap);
      if (!job) return;
      job.start();
    }
  }

  function forgetIfIdle(tenantId: string): void {
    const t = tenants.get(tenantId);
    if (t && t.running === 0 && queues.interactive.queuedFor(tenantId) === 0 && queues.background.queuedFor(tenantId) === 0) tenants.delete(tenantId);
  }

  /** Starts whatever may start now. `fresh`: the headroom reading was just taken. */
  function pump(fresh = false): void {
    startNext("interactive");
    const background = queues.background;
    if (background.size === 0 || running.background >= limits.background) return;
    // Interactive work that could start but has no slot holds background (woken again when an
    // interactive task ends); work held only by its own tenant's cap does not.
    if (queues.interactive.has(underCap)) return;
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

  function run<T>(priority: Priority, task: (signal?: AbortSignal) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    const { signal, tenantId = NO_TENANT } = opts;
    if (signal?.aborted) return Promise.reject(abortError());
    const cap = tenantCap && tenantId !== NO_TENANT ? tenantCap(tenantId) : Number.POSITIVE_INFINITY;
    if (typeof cap === "number") return enqueue(priority, task, signal, tenantId, cap);
    return cap.then((resolved) => (signal?.aborted ? Promise.reject(abortError()) : enqueue(priority, task, signal, tenantId, resolved)));
  }

  function enqueue<T>(priority: Priority, task: (signal?: AbortSignal) => Promise<T>, signal: AbortSignal | undefined, tenantId: string, cap: number): Promise<T> {
    const tenant = tenants.get(tenantId) ?? { running: 0, cap };
    tenant.cap = cap; // a plan change applies from the tenant's next call
    tenants.set(tenantId, tenant);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        queues[priority].remove(job);
        forgetIfIdle(tenantId);
        reject(abortError());
        pump(); // a removed interactive task may have been what held background work
      };
      const job: Job = {
        tenantId,
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          running[priority]++;
          tenant.running++;
          // Once started, abort is the task's business (it gets the signal).
          // Free the slot before the caller resumes, so stats() is already true for it.
          (async () => task(signal))()
            .finally(() => {
              running[priority]--;
              tenant.running--;
              forgetIfIdle(tenantId);
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
      interactive: { running: running.interactive, queued: queues.interactive.size },
      background: { running: running.background, queued: queues.background.size },
    }),
    tenantStats: (tenantId) => ({
      running: tenants.get(tenantId)?.running ?? 0,
      queued: queues.interactive.queuedFor(tenantId) + queues.background.queuedFor(tenantId),
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
 * account-headroom monitor and capping each tenant by its plan. Imported lazily: the monitor
 * and the plan lookup bring Redis and the database, which this module and its unit tests
 * otherwise do not need.
 */
export function getScheduler(): Scheduler {
  globalForScheduler.bulkheadScheduler ??= createScheduler({
    headroom: async () => (await import("@/lib/limits/account-headroom")).getAccountHeadroom(),
    tenantCap: tenantCapByPlan,
  });
  return globalForScheduler.bulkheadScheduler;
}

const PLAN_TTL_MS = 60_000;
const MAX_CACHED_TENANTS = 10_000;
const tenantPlanCache = new Map<string, { at: number; cap: Promise<number> }>();

/**
 * A tenant's cap from its plan, read once a minute per tenant (like the plans themselves),
 * so a call waits on the database at most once a minute. The call-claude interface carries
 * only the tenant id. If the read fails, the free plan's cap, retried on the next call.
 */
function tenantCapByPlan(tenantId: string): Promise<number> {
  const now = performance.now();
  const hit = tenantPlanCache.get(tenantId);
  if (hit && now - hit.at < PLAN_TTL_MS) return hit.cap;
  if (tenantPlanCache.size >= MAX_CACHED_TENANTS) tenantPlanCache.clear();
  const cap = readTenantPlanId(tenantId).then(
    (planId) => inFlightCapForPlan(planId ?? "free"),
    (error: unknown) => {
      tenantPlanCache.delete(tenantId);
      console.warn(`[bulkhead] plan of tenant ${tenantId} not read; capping at the free plan's`, error instanceof Error ? error.message : error);
      return IN_FLIGHT_CAPS.free;
    },
  );
  tenantPlanCache.set(tenantId, { at: now, cap });
  return cap;
}

async function readTenantPlanId(tenantId: string): Promise<string | null> {
  const [{ withStaff }, { SYSTEM_ACTOR_ID }] = await Promise.all([import("@/lib/db/scope"), import("@/lib/jobs/system-actor")]);
  const tenant = await withStaff(SYSTEM_ACTOR_ID, (tx) => tx.tenant.findUnique({ where: { id: tenantId }, select: { planId: true } }));
  return tenant?.planId ?? null;
}
