import { withStaff, type Tx } from "@/lib/db/scope";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";

/**
 * Usage rollups (usage_daily, usage_daily_tenant, usage_monthly_tenant) are folded from
 * usage_rollup_queue (0009_ledger), not written by the request. Every reader folds first, in
 * its own scoped transaction, so what it shows equals the events committed before it began
 * (a tenant scope may fold only its own tenant; staff every tenant with null). The periodic
 * fold below keeps the queue short, so a reader's fold is a handful of rows.
 */
export async function foldUsageRollups(tx: Tx, tenantId: string | null): Promise<number> {
  const [row] = await tx.$queryRaw<Array<{ folded: bigint }>>`SELECT fold_usage_rollups(${tenantId}::uuid) AS folded`;
  return Number(row?.folded ?? 0n);
}

export interface RollupFolder {
  stop(): void;
  /** Resolves when the current tick (if any) has finished; for tests and shutdown. */
  idle(): Promise<void>;
}

export interface RollupFolderOptions {
  intervalMs?: number;
  /** The fold to run (tests substitute one). */
  fold?: () => Promise<number>;
}

const holder = globalThis as typeof globalThis & { __bulkheadRollupFolder?: RollupFolder };

/** Every tenant's queued changes, in the staff scope as the platform itself. */
export function foldAllUsageRollups(): Promise<number> {
  return withStaff(SYSTEM_ACTOR_ID, (tx) => foldUsageRollups(tx, null));
}

/**
 * Once per process (a second call returns the running folder). Ticks every few seconds and
 * skips a tick while the previous fold runs; a failed fold is retried by the next tick.
 * Several instances folding at once is harmless: each fold takes disjoint queue rows. The
 * timer is unref'd so it never keeps a process alive.
 */
export function startRollupFolder(options: RollupFolderOptions = {}): RollupFolder {
  if (holder.__bulkheadRollupFolder) return holder.__bulkheadRollupFolder;
  const { intervalMs = 5_000, fold = foldAllUsageRollups } = options;
  let running: Promise<void> | null = null;

  const tick = () => {
    if (running) return;
    running = fold()
      .then(() => undefined)
      .catch((error: unknown) => {
        console.error(`[rollups] fold failed; retrying next tick: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        running = null;
      });
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();

  const folder: RollupFolder = {
    stop() {
      clearInterval(timer);
      if (holder.__bulkheadRollupFolder === folder) holder.__bulkheadRollupFolder = undefined;
    },
    idle: async () => {
      await running;
    },
  };
  holder.__bulkheadRollupFolder = folder;
  return folder;
}
