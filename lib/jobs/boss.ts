import { PgBoss, type JobWithMetadata } from "pg-boss";
import type { Scope } from "@/lib/db/scope";
import { appDatabaseUrl } from "@/lib/db/urls";
import { env } from "@/lib/env";
import { embeddedBossDatabase } from "@/lib/jobs/embedded-db";
import { JOB_NAMES, JOB_PAYLOADS, QUEUE_POLICIES, tenantOfPayload, type JobName, type JobPayload } from "@/lib/jobs/queues";

/**
 * Background jobs on pg-boss, on the application's own PostgreSQL (schema `pgboss`, created
 * by 0018_knowledge; pg-boss creates and upgrades its tables there at start, as the app's
 * login, which has CREATE on that schema only). One boss per process:
 *
 * - `npm start` (BULKHEAD_JOBS=in-process, the default): the app server enqueues and works
 *   every queue (instrumentation.ts → lib/jobs/start-jobs.ts).
 * - `npm run worker` (scripts/worker.ts): works every queue; run the app servers with
 *   BULKHEAD_JOBS=worker and they only enqueue.
 *
 * Checked on the embedded database too: pg-boss runs through pglite-socket (start, retries
 * with backoff, schedules), on the adapter in lib/jobs/embedded-db.ts that keeps each of
 * its statements together, so `npm start` on a bare machine runs the same queues. A separate
 * worker process cannot share the embedded database (one process holds its files), so with
 * it the jobs always run in-process.
 *
 * Periodic work (sweeper, anomalies, rollups) is a pg-boss schedule: one job per cron tick
 * across all instances, on 'singleton' queues so two never run at once.
 */
export interface JobContext {
  jobId: string;
  /** 0 on the first run, then 1, 2, … per retry. */
  retryCount: number;
  /** True when a failure now is final (no retry follows): record tenant-visible state then. */
  finalAttempt: boolean;
  /** The tenant's platform scope (no user) for jobs whose payload names a tenant; null otherwise. */
  scope: Extract<Scope, { kind: "tenant" }> | null;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<void>;

interface BossState {
  boss: PgBoss | null;
  closeDb: (() => Promise<void>) | null;
  starting: Promise<PgBoss> | null;
  working: boolean;
  handlers: Map<JobName, JobHandler<JobName>>;
  workers: Set<JobName>;
}

const holder = globalThis as typeof globalThis & { __bulkheadJobs?: BossState };
function state(): BossState {
  holder.__bulkheadJobs ??= { boss: null, closeDb: null, starting: null, working: false, handlers: new Map(), workers: new Set() };
  return holder.__bulkheadJobs;
}

export interface StartJobsOptions {
  /** Work the queues (and run the schedules) in this process; false only enqueues. */
  work: boolean;
  /** Defaults to the app's login (lib/db/urls.ts); tests pass their throwaway database. */
  connectionString?: string;
  /** Connections of pg-boss's own pool. */
  max?: number;
  /** Seconds between polls of an idle queue (tests poll faster). */
  pollingIntervalSeconds?: number;
  /** Run the periodic schedules (default: when working). Tests that share a database turn them off. */
  schedules?: boolean;
}

let pollingIntervalSeconds = 2;

/**
 * Starts this process's boss once (a second call returns the same one). Queues are created
 * or updated from QUEUE_POLICIES on every start, so a policy change deploys with the code.
 */
export function startJobs(options: StartJobsOptions): Promise<PgBoss> {
  const s = state();
  if (s.boss) return Promise.resolve(s.boss);
  s.starting ??= (async () => {
    pollingIntervalSeconds = options.pollingIntervalSeconds ?? pollingIntervalSeconds;
    const connectionString = options.connectionString ?? appDatabaseUrl();
    const embedded = env.BULKHEAD_EMBEDDED_DB === "1" ? embeddedBossDatabase(connectionString, options.max ?? 4) : null;
    s.closeDb = embedded?.close ?? null;
    const boss = new PgBoss({
      ...(embedded ? { db: embedded.db } : { connectionString, max: options.max ?? 4 }),
      schema: "pgboss",
      createSchema: false,
      application_name: "bulkhead-jobs",
      supervise: options.work,
      schedule: options.work && options.schedules !== false,
    });
    boss.on("error", (error: Error) => console.error("[jobs] pg-boss error:", error.message));
    await boss.start();
    await ensureQueues(boss);
    s.boss = boss;
    s.working = options.work;
    if (options.work) {
      if (options.schedules !== false) await scheduleQueues(boss);
      for (const name of s.handlers.keys()) await workQueue(boss, name);
    }
    return boss;
  })().finally(() => {
    s.starting = null;
  });
  return s.starting;
}

export async function stopJobs(): Promise<void> {
  const s = state();
  const boss = s.boss ?? (s.starting ? await s.starting.catch(() => null) : null);
  const closeDb = s.closeDb;
  s.boss = null;
  s.closeDb = null;
  s.workers.clear();
  s.working = false;
  if (boss) await boss.stop({ graceful: true, timeout: 10_000 });
  await closeDb?.();
}

async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const name of JOB_NAMES) {
    const { policy, retryLimit, retryDelay, retryDelayMax, expireInSeconds } = QUEUE_POLICIES[name];
    const options = { retryLimit, retryDelay, retryBackoff: true, retryDelayMax, expireInSeconds };
    if (await boss.getQueue(name)) await boss.updateQueue(name, options);
    else await boss.createQueue(name, { policy, ...options });
  }
}

async function scheduleQueues(boss: PgBoss): Promise<void> {
  for (const name of JOB_NAMES) {
    const cron = QUEUE_POLICIES[name].cron;
    if (cron) await boss.schedule(name, cron, {}, { tz: "UTC" });
  }
}

/**
 * The handler for a queue. Register before startJobs (lib/jobs/handlers.ts registers every
 * built-in one); a registration after a working start begins working at once.
 */
export function registerJob<N extends JobName>(name: N, handler: JobHandler<N>): void {
  const s = state();
  s.handlers.set(name, handler as unknown as JobHandler<JobName>);
  if (s.boss && s.working) void workQueue(s.boss, name).catch((error: unknown) => console.error(`[jobs] cannot work ${name}:`, error));
}

/**
 * Enqueues a job; the payload is checked against the queue's schema first (a malformed job
 * would only fail later, in a worker, where nobody sees why). Starts an enqueue-only boss
 * in a process that has none yet (a script). Returns the job id, or null when a singleton
 * key already has a job waiting.
 */
export async function enqueueJob<N extends JobName>(name: N, payload: JobPayload<N>, options: { singletonKey?: string; startAfterSeconds?: number } = {}): Promise<string | null> {
  const data = JOB_PAYLOADS[name].parse(payload) as object;
  const s = state();
  const boss = s.boss ?? (await (s.starting ?? startJobs({ work: false })));
  return boss.send(name, data, { singletonKey: options.singletonKey, startAfter: options.startAfterSeconds });
}

async function workQueue(boss: PgBoss, name: JobName): Promise<void> {
  const s = state();
  if (s.workers.has(name)) return;
  s.workers.add(name);
  const { localConcurrency } = QUEUE_POLICIES[name];
  await boss.work(name, { includeMetadata: true, batchSize: 1, localConcurrency, pollingIntervalSeconds }, async (jobs: JobWithMetadata<object>[]) => {
    for (const job of jobs) await runJob(name, job);
  });
}

async function runJob(name: JobName, job: JobWithMetadata<object>): Promise<void> {
  const handler = state().handlers.get(name);
  if (!handler) throw new Error(`no handler registered for ${name}`);
  const payload = JOB_PAYLOADS[name].parse(job.data) as JobPayload<JobName>;
  const tenantId = tenantOfPayload(payload);
  const ctx: JobContext = {
    jobId: job.id,
    retryCount: job.retryCount,
    finalAttempt: job.retryCount >= job.retryLimit,
    scope: tenantId ? { kind: "tenant", tenantId, userId: "" } : null,
  };
  try {
    await handler(payload, ctx);
  } catch (error) {
    console.error(`[jobs] ${name} ${job.id} failed (attempt ${job.retryCount + 1} of ${job.retryLimit + 1}):`, error instanceof Error ? error.message : error);
    throw error;
  }
}

/** The running boss, for status reads (lib/jobs/status.ts) and tests. */
export function currentBoss(): PgBoss | null {
  return state().boss;
}
