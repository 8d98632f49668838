import { withStaff, withTenant, type Scope } from "@/lib/db/scope";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";

/**
 * Usage anomalies: a tenant whose tokens (input + output + cache writes + cache reads) in
 * the last full hour exceed k × its trailing hourly baseline, and at least `minTokens`
 * (so a tenant going from 10 to 100 tokens is not news). Hours without events count as 0
 * in the baseline. Flags land in `anomalies`, one per tenant and hour.
 */
export interface DetectOptions {
  /** Defaults to now; the hour evaluated is the last full UTC hour before it. */
  now?: Date;
  /** Flag when tokens > k × baseline. */
  k?: number;
  minTokens?: number;
  baselineDays?: number;
  /** Recorded as app.user_id in the staff scope. */
  actorId?: string;
}

export interface AnomalyFlag {
  tenantId: string;
  hourStart: Date;
  tokens: number;
  baselineTokensPerHour: number;
  /** tokens / baseline; null when the baseline is 0 (no history). */
  ratio: number | null;
  /** False when this tenant and hour were already flagged (a second run, another instance). */
  isNew: boolean;
}

const HOUR_MS = 3_600_000;

export function lastFullHour(now: Date): { hourStart: Date; hourEnd: Date } {
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { hourStart: new Date(end - HOUR_MS), hourEnd: new Date(end) };
}

interface FlagRow {
  tenant_id: string;
  tokens: bigint;
  baseline: number;
  ratio: number | null;
  inserted: boolean;
}

/**
 * One statement: aggregates in the database and inserts the flags. Driven from tenants with
 * a LATERAL subquery so each tenant's events are one range scan of the usage_events
 * (tenant_id, created_at) index bounded to [hour - baselineDays, hour end), however many
 * rows the table holds outside that window.
 */
export async function detectAnomalies(options: DetectOptions = {}): Promise<AnomalyFlag[]> {
  const k = options.k ?? 5;
  const minTokens = options.minTokens ?? 5_000;
  const baselineDays = options.baselineDays ?? 7;
  if (!(k > 0) || !(minTokens >= 0) || !Number.isInteger(baselineDays) || baselineDays < 1) {
    throw new RangeError("detectAnomalies: k > 0, minTokens >= 0 and a whole baselineDays >= 1 are required");
  }
  const { hourStart, hourEnd } = lastFullHour(options.now ?? new Date());
  const windowStart = new Date(hourStart.getTime() - baselineDays * 24 * HOUR_MS);
  const baselineHours = baselineDays * 24;

  const rows = await withStaff(options.actorId ?? SYSTEM_ACTOR_ID, (tx) =>
    tx.$queryRaw<FlagRow[]>`
      WITH totals AS (
        SELECT t.id AS tenant_id, s.hour_tokens, s.baseline_tokens
        FROM tenants t
        CROSS JOIN LATERAL (
          SELECT
            COALESCE(sum(u.input_tokens::bigint + u.output_tokens + u.cache_write_tokens + u.cache_read_tokens)
                     FILTER (WHERE u.created_at >= ${hourStart}::timestamptz), 0)::bigint AS hour_tokens,
            COALESCE(sum(u.input_tokens::bigint + u.output_tokens + u.cache_write_tokens + u.cache_read_tokens)
                     FILTER (WHERE u.created_at < ${hourStart}::timestamptz), 0)::bigint AS baseline_tokens
          FROM usage_events u
          WHERE u.tenant_id = t.id
            AND u.created_at >= ${windowStart}::timestamptz
            AND u.created_at < ${hourEnd}::timestamptz
        ) s
      ),
      flagged AS (
        SELECT tenant_id,
               hour_tokens AS tokens,
               baseline_tokens::float8 / ${baselineHours}::int AS baseline
        FROM totals
        WHERE hour_tokens >= ${minTokens}::bigint
          AND hour_tokens > ${k}::float8 * (baseline_tokens::float8 / ${baselineHours}::int)
      ),
      inserted AS (
        INSERT INTO anomalies (tenant_id, hour_start, tokens, baseline_tokens_per_hour, ratio)
        SELECT tenant_id, ${hourStart}::timestamptz, tokens, baseline,
               CASE WHEN baseline > 0 THEN tokens / baseline END
        FROM flagged
        ON CONFLICT (tenant_id, hour_start) DO NOTHING
        RETURNING tenant_id
      )
      SELECT f.tenant_id::text AS tenant_id, f.tokens, f.baseline,
             CASE WHEN f.baseline > 0 THEN f.tokens / f.baseline END AS ratio,
             (i.tenant_id IS NOT NULL) AS inserted
      FROM flagged f LEFT JOIN inserted i ON i.tenant_id = f.tenant_id
      ORDER BY f.tokens DESC, f.tenant_id`,
  );

  return rows.map((r) => ({
    tenantId: r.tenant_id,
    hourStart,
    tokens: Number(r.tokens),
    baselineTokensPerHour: r.baseline,
    ratio: r.ratio,
    isNew: r.inserted,
  }));
}

// ---------------------------------------------------------------------------------------
// Reading flags
// ---------------------------------------------------------------------------------------

export type AnomalyScope = Extract<Scope, { kind: "staff" }> | Extract<Scope, { kind: "tenant" }>;

export interface AnomalyRecord {
  /** bigint identity as text (JSON-safe). */
  id: string;
  tenantId: string;
  hourStart: Date;
  tokens: number;
  baselineTokensPerHour: number;
  ratio: number | null;
  createdAt: Date;
}

export interface ListAnomaliesOptions {
  since?: Date;
  limit?: number;
}

/** Staff: every tenant's flags. Tenant: only its own (row-level security enforces it too). */
export async function listAnomalies(scope: AnomalyScope, options: ListAnomaliesOptions = {}): Promise<AnomalyRecord[]> {
  const take = Math.min(Math.max(options.limit ?? 100, 1), 1_000);
  const since = options.since ? { hourStart: { gte: options.since } } : {};
  const rows =
    scope.kind === "staff"
      ? await withStaff(scope.userId, (tx) =>
          tx.anomaly.findMany({ where: since, orderBy: [{ hourStart: "desc" }, { tenantId: "asc" }], take }),
        )
      : await withTenant(scope, (tx) =>
          tx.anomaly.findMany({ where: { tenantId: scope.tenantId, ...since }, orderBy: { hourStart: "desc" }, take }),
        );
  return rows.map((r) => ({
    id: r.id.toString(),
    tenantId: r.tenantId,
    hourStart: r.hourStart,
    tokens: Number(r.tokens),
    baselineTokensPerHour: r.baselineTokensPerHour,
    ratio: r.ratio,
    createdAt: r.createdAt,
  }));
}

// ---------------------------------------------------------------------------------------
// The periodic job
// ---------------------------------------------------------------------------------------

export interface AnomalyJobOptions extends Omit<DetectOptions, "now"> {
  intervalMs?: number;
  /** The detection to run (tests substitute one). */
  detect?: (options: DetectOptions) => Promise<AnomalyFlag[]>;
}

export interface AnomalyJob {
  stop(): void;
  /** Resolves when the current tick (if any) has finished; for tests and shutdown. */
  idle(): Promise<void>;
}

const jobHolder = globalThis as typeof globalThis & { __bulkheadAnomalyJob?: AnomalyJob };

/**
 * Once per process (a second call returns the running job). Ticks every `intervalMs` but
 * evaluates each hour once: the last full hour only changes on the hour, and a tick that
 * failed is retried by the next one. Several instances evaluating the same hour is
 * harmless: the insert is ON CONFLICT DO NOTHING. The timer is unref'd so it never keeps
 * a process alive.
 */
export function startAnomalyJob(options: AnomalyJobOptions = {}): AnomalyJob {
  if (jobHolder.__bulkheadAnomalyJob) return jobHolder.__bulkheadAnomalyJob;
  const { intervalMs = 5 * 60_000, detect = detectAnomalies, ...detectOptions } = options;
  let doneHour: number | null = null;
  let running: Promise<void> | null = null;

  const tick = () => {
    if (running) return;
    const now = new Date();
    const hour = lastFullHour(now).hourStart.getTime();
    if (hour === doneHour) return;
    running = detect({ ...detectOptions, now })
      .then((flags) => {
        doneHour = hour;
        const fresh = flags.filter((f) => f.isNew);
        if (fresh.length > 0) console.warn(`[anomalies] ${fresh.length} tenant(s) flagged for ${new Date(hour).toISOString()}`);
      })
      .catch((error: unknown) => {
        console.error(`[anomalies] detection failed; retrying next tick: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        running = null;
      });
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();

  const job: AnomalyJob = {
    stop() {
      clearInterval(timer);
      if (jobHolder.__bulkheadAnomalyJob === job) jobHolder.__bulkheadAnomalyJob = undefined;
    },
    idle: async () => {
      await running;
    },
  };
  jobHolder.__bulkheadAnomalyJob = job;
  return job;
}
