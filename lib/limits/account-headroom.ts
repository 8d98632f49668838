import type { Redis } from "@upstash/redis";
import { withStaff } from "@/lib/db/scope";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";
import { getRedis } from "@/lib/redis/client";
import {
  ACCOUNT_METRICS,
  ALERT_LEVELS,
  DEFAULT_CLEAR_HYSTERESIS,
  decideAlertChanges,
  deserialiseSnapshot,
  headroomOf,
  parseAccountHeaders,
  serialiseSnapshot,
  type AccountMetric,
  type AccountSnapshot,
  type AlertLevel,
} from "./account-snapshot";

export {
  ACCOUNT_METRICS,
  ALERT_LEVELS,
  BACKGROUND_MIN_HEADROOM,
  decideAlertChanges,
  headroomOf,
  isHeadroomLow,
  parseAccountHeaders,
  type AccountMetric,
  type AccountSnapshot,
  type AlertLevel,
  type MetricSnapshot,
} from "./account-snapshot";
export { checkOversubscription, type Oversubscription } from "./oversubscription";

/**
 * Account-level headroom, watched from the `anthropic-ratelimit-*` headers of every upstream
 * response (ARCHITECTURE.md, "Infrastructure" isolation layer).
 *
 * - The latest snapshot lives in process memory and in Redis (`<prefix>:snapshot`, TTL 2 min)
 *   so every instance, the scheduler and the staff console read the same account state.
 * - Alerts at 50/70/90 % per metric go to `account_alerts`, once per crossing. Redis holds
 *   one claim key per raised (metric, level), taken with SET NX: of several instances seeing
 *   the same crossing, only the one that wins the claim inserts. A partial unique index
 *   (one open alert per metric and level) backs this up when Redis is down or was wiped;
 *   after a wipe, the open alerts are copied back from the database once.
 * - The hot path costs one Redis round trip (snapshot write + claim read, pipelined);
 *   the database is touched only when a level is crossed or cleared.
 */
export interface AccountWatchOptions {
  /** Defaults to the process client, resolved on first use. */
  redis?: Redis;
  /** Key prefix; tests use their own. Default `bh:account`. */
  keyPrefix?: string;
  snapshotTtlSeconds?: number;
  clearHysteresis?: number;
  /** Bound on Redis reads for getHeadroom (the scheduler asks before background calls). */
  readTimeoutMs?: number;
  /** Recorded as app.user_id in the staff scope. */
  actorId?: string;
  /**
   * Share a snapshot in Redis at most this often (ms) while it crosses no alert level: every
   * upstream response carries the headers, and at a gateway's rate writing each one is a
   * Redis command per call for a figure that changes smoothly. A response that would raise
   * or clear an alert is always shared and acted on. Default 250; 0 shares every one.
   */
  shareIntervalMs?: number;
}

export interface AlertChange {
  metric: AccountMetric;
  level: AlertLevel;
  utilisation: number;
  limit: number;
  remaining: number;
}

export interface ObserveResult {
  snapshot: AccountSnapshot | null;
  /** Alerts this instance inserted (another instance may have raised the same crossing). */
  raised: AlertChange[];
  /** Alerts this instance marked cleared. */
  cleared: AlertChange[];
}

export type AccountHeadroom = AccountSnapshot & {
  /** 1 - highest utilisation, metrics past their reset counting as replenished. */
  headroom: number;
  source: "redis" | "memory";
};

export interface AccountWatch {
  /** Never rejects; callers on the request path need not await it. */
  observe(headers: Record<string, string>, now?: Date): Promise<ObserveResult>;
  /** The newest snapshot of Redis and this process's memory, or null if none is recent. */
  getHeadroom(now?: Date): Promise<AccountHeadroom | null>;
}

const DEFAULT_PREFIX = "bh:account";
const DEFAULT_TTL_SECONDS = 120;
const DEFAULT_READ_TIMEOUT_MS = 250;
const DEFAULT_SHARE_INTERVAL_MS = 250;
/** After a failed database write, alert bookkeeping pauses this long (the snapshot still updates). */
const DB_RETRY_MS = 30_000;
const WARN_INTERVAL_MS = 30_000;

type Held = Map<AccountMetric, Set<AlertLevel>>;
type Wanted = { raise: AlertChange[]; clear: AlertChange[] };
type Changes = Pick<ObserveResult, "raised" | "cleared">;

const isEmpty = (wanted: Wanted) => wanted.raise.length === 0 && wanted.clear.length === 0;

const CLAIMS: ReadonlyArray<{ metric: AccountMetric; level: AlertLevel }> = ACCOUNT_METRICS.flatMap((metric) =>
  ALERT_LEVELS.map((level) => ({ metric, level })),
);

function emptyHeld(): Held {
  return new Map(ACCOUNT_METRICS.map((m) => [m, new Set<AlertLevel>()]));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createAccountWatch(options: AccountWatchOptions = {}): AccountWatch {
  const prefix = options.keyPrefix ?? DEFAULT_PREFIX;
  const ttlSeconds = options.snapshotTtlSeconds ?? DEFAULT_TTL_SECONDS;
  const hysteresis = options.clearHysteresis ?? DEFAULT_CLEAR_HYSTERESIS;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const actorId = options.actorId ?? SYSTEM_ACTOR_ID;
  const shareIntervalMs = options.shareIntervalMs ?? DEFAULT_SHARE_INTERVAL_MS;
  let lastSharedAt = Number.NEGATIVE_INFINITY;

  const snapshotKey = `${prefix}:snapshot`;
  const syncedKey = `${prefix}:alerts-synced`;
  const claimKey = (metric: AccountMetric, level: AlertLevel) => `${prefix}:alert:${metric}:${level}`;

  let latest: AccountSnapshot | null = null;
  /** This process's view of the raised levels: Redis's when reachable, else its own. */
  let held: Held = emptyHeld();
  let dbPausedUntil = 0;
  let syncing: Promise<Array<{ metric: AccountMetric; level: AlertLevel }>> | null = null;
  let lastWarningAt = 0;

  const warn = (what: string, error: unknown) => {
    const now = Date.now();
    if (now - lastWarningAt < WARN_INTERVAL_MS) return;
    lastWarningAt = now;
    console.warn(`[account-headroom] ${what}: ${error instanceof Error ? error.message : String(error)}`);
  };

  const redisOrNull = (): Redis | null => {
    try {
      return options.redis ?? getRedis();
    } catch (error) {
      warn("Redis not configured", error);
      return null;
    }
  };

  const isFresh = (snapshot: AccountSnapshot, now: Date) => now.getTime() - snapshot.observedAt.getTime() <= ttlSeconds * 1000;

  /** Writes the snapshot and reads every claim in one round trip; null when Redis fails. */
  async function shareSnapshot(redis: Redis, snapshot: AccountSnapshot): Promise<{ held: Held; synced: boolean } | null> {
    try {
      const pipeline = redis.pipeline();
      pipeline.set(snapshotKey, JSON.stringify(serialiseSnapshot(snapshot)), { ex: ttlSeconds });
      pipeline.mget(...CLAIMS.map((c) => claimKey(c.metric, c.level)), syncedKey);
      const [, values] = await pipeline.exec<[unknown, unknown[]]>();
      const next = emptyHeld();
      CLAIMS.forEach((c, i) => {
        if (values[i] !== null && values[i] !== undefined) next.get(c.metric)?.add(c.level);
      });
      return { held: next, synced: values[CLAIMS.length] !== null && values[CLAIMS.length] !== undefined };
    } catch (error) {
      warn("Redis unavailable; alert state is per process until it is back", error);
      return null;
    }
  }

  /**
   * Redis lost its claims (restart, flush; or a new prefix): copy the open alerts back from
   * the database, once per wipe. Concurrent observations share one sync.
   */
  function syncClaims(redis: Redis): Promise<Array<{ metric: AccountMetric; level: AlertLevel }>> {
    syncing ??= (async () => {
      try {
        const rows = await withStaff(actorId, (tx) =>
          tx.accountAlert.findMany({ where: { clearedAt: null }, select: { metric: true, level: true } }),
        );
        const open = rows.map((r) => ({ metric: r.metric as AccountMetric, level: r.level as AlertLevel }));
        const pipeline = redis.pipeline();
        for (const row of open) pipeline.set(claimKey(row.metric, row.level), "db", { nx: true });
        pipeline.set(syncedKey, "1");
        await pipeline.exec();
        return open;
      } finally {
        syncing = null;
      }
    })();
    return syncing;
  }

  function decide(snapshot: AccountSnapshot): Wanted {
    const wanted: Wanted = { raise: [], clear: [] };
    for (const metric of ACCOUNT_METRICS) {
      const m = snapshot.metrics[metric];
      if (!m) continue;
      const { raise, clear } = decideAlertChanges(held.get(metric) ?? [], m.utilisation, hysteresis);
      const change = (level: AlertLevel): AlertChange => ({ metric, level, utilisation: m.utilisation, limit: m.limit, remaining: m.remaining });
      wanted.raise.push(...raise.map(change));
      wanted.clear.push(...clear.map(change));
    }
    return wanted;
  }

  async function updateAlerts(snapshot: AccountSnapshot): Promise<Changes> {
    const none: Changes = { raised: [], cleared: [] };
    const redis = redisOrNull();
    const shared = redis ? await shareSnapshot(redis, snapshot) : null;
    if (shared) held = shared.held;

    // A Redis without the synced marker has lost (or never had) the claims: learn the open
    // alerts from the database first, or a level raised before the wipe could never clear.
    if (redis && shared && !shared.synced && Date.now() >= dbPausedUntil) {
      try {
        for (const row of await syncClaims(redis)) held.get(row.metric)?.add(row.level);
      } catch (error) {
        pauseDb(error);
      }
    }
    const wanted = decide(snapshot);
    // The common case: nothing crossed, so no database.
    if (isEmpty(wanted) || Date.now() < dbPausedUntil) return none;
    return applyChanges(shared ? redis : null, wanted);
  }

  function pauseDb(error: unknown) {
    dbPausedUntil = Date.now() + DB_RETRY_MS;
    warn("account alerts database unavailable; retrying in 30 s", error);
  }

  /**
   * Raise: claim in Redis (SET NX) first, insert only if the claim was won; a failed insert
   * gives the claim back so a later observation retries. Clear: database first (idempotent),
   * then drop the claim, so a cleared level is never left claimed with no open row.
   * Without Redis (`redis` null) the partial unique index alone prevents duplicates.
   */
  async function applyChanges(redis: Redis | null, wanted: Wanted): Promise<Changes> {
    const toInsert: AlertChange[] = [];
    const claimed: string[] = [];
    for (const alert of wanted.raise) {
      held.get(alert.metric)?.add(alert.level);
      if (redis) {
        const key = claimKey(alert.metric, alert.level);
        let won: unknown;
        try {
          won = await redis.set(key, String(Date.now()), { nx: true });
        } catch (error) {
          warn("Redis claim failed", error);
          continue;
        }
        if (won === null) continue; // another instance raised it
        claimed.push(key);
      }
      toInsert.push(alert);
    }

    let raised: AlertChange[] = [];
    let cleared: AlertChange[] = [];
    try {
      ({ raised, cleared } = await withStaff(actorId, async (tx) => {
        const inserted =
          toInsert.length === 0
            ? []
            : await tx.accountAlert.createManyAndReturn({
                data: toInsert.map((a) => ({
                  metric: a.metric,
                  level: a.level,
                  utilisation: a.utilisation,
                  limitValue: BigInt(a.limit),
                  remaining: BigInt(a.remaining),
                })),
                // ON CONFLICT DO NOTHING: an alert already open for this metric and level stays the one.
                skipDuplicates: true,
                select: { metric: true, level: true },
              });
        const closed: AlertChange[] = [];
        for (const alert of wanted.clear) {
          // Database clock for both ends, so cleared_at >= raised_at whatever the instances' clocks;
          // GREATEST because now() is this transaction's start, which can precede a raise
          // committed by another instance while this one was open (bench ledger hit that).
          const n = await tx.$executeRaw`UPDATE account_alerts SET cleared_at = GREATEST(now(), raised_at) WHERE metric = ${alert.metric} AND level = ${alert.level} AND cleared_at IS NULL`;
          if (n > 0) closed.push(alert);
        }
        const insertedKeys = new Set(inserted.map((r) => `${r.metric}:${r.level}`));
        return { raised: toInsert.filter((a) => insertedKeys.has(`${a.metric}:${a.level}`)), cleared: closed };
      }));
    } catch (error) {
      for (const alert of toInsert) held.get(alert.metric)?.delete(alert.level);
      if (redis && claimed.length > 0) await redis.del(...claimed).catch((e: unknown) => warn("could not release alert claims", e));
      pauseDb(error);
      return { raised: [], cleared: [] };
    }

    for (const alert of wanted.clear) held.get(alert.metric)?.delete(alert.level);
    if (redis && wanted.clear.length > 0) {
      await redis.del(...wanted.clear.map((a) => claimKey(a.metric, a.level))).catch((e: unknown) => warn("could not drop alert claims", e));
    }
    return { raised, cleared };
  }

  return {
    async observe(headers, now = new Date()) {
      const snapshot = parseAccountHeaders(headers, now);
      if (snapshot === null) return { snapshot: null, raised: [], cleared: [] };
      if (latest === null || snapshot.observedAt >= latest.observedAt) latest = snapshot;
      const at = snapshot.observedAt.getTime();
      if (at - lastSharedAt < shareIntervalMs && isEmpty(decide(snapshot))) return { snapshot, raised: [], cleared: [] };
      lastSharedAt = at;
      try {
        return { snapshot, ...(await updateAlerts(snapshot)) };
      } catch (error) {
        warn("observing account headers failed", error);
        return { snapshot, raised: [], cleared: [] };
      }
    },

    async getHeadroom(now = new Date()) {
      let fromRedis: AccountSnapshot | null = null;
      const redis = redisOrNull();
      if (redis) {
        try {
          fromRedis = deserialiseSnapshot(await withTimeout(redis.get<unknown>(snapshotKey), readTimeoutMs));
        } catch (error) {
          warn("could not read the shared snapshot; using this process's", error);
        }
      }
      const fromMemory = latest !== null && isFresh(latest, now) ? latest : null;
      const useRedis = fromRedis !== null && (fromMemory === null || fromRedis.observedAt >= fromMemory.observedAt);
      const snapshot = useRedis ? fromRedis : fromMemory;
      if (snapshot === null) return null;
      return { ...snapshot, headroom: headroomOf(snapshot, now), source: useRedis ? "redis" : "memory" };
    },
  };
}

// One watch per process, on globalThis so Next's dev reloads keep its state.
const holder = globalThis as typeof globalThis & { __bulkheadAccountWatch?: AccountWatch };

export function getAccountWatch(): AccountWatch {
  holder.__bulkheadAccountWatch ??= createAccountWatch();
  return holder.__bulkheadAccountWatch;
}

/** Call after every upstream response with `TrackedResult.rateLimitHeaders`. Never rejects. */
export function observeAccountHeaders(headers: Record<string, string>): Promise<ObserveResult> {
  return getAccountWatch().observe(headers);
}

export function getAccountHeadroom(): Promise<AccountHeadroom | null> {
  return getAccountWatch().getHeadroom();
}
