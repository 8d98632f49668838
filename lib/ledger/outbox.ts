import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import type { Redis } from "@upstash/redis";
import { env } from "@/lib/env";
import type { TurnWrite, TurnWriteResult } from "@/lib/ledger/write-turn";
import { getRedis } from "@/lib/redis/client";
import { resolveRedisTransport } from "@/lib/redis/transport";

/**
 * Where a turn's final write waits when the database could not take it: the whole write
 * (messages, ledger settlements, quota), replayed later by the drainer with the same
 * idempotent statement (lib/ledger/write-turn.ts), so a duplicate delivery changes nothing.
 *
 * Two stores, one interface:
 * - Redis (when REDIS_URL or Upstash is configured): a hash `bh:outbox` keyed by the
 *   turn's first request id. It survives the app's process and disk (a container without a
 *   durable volume loses nothing), and every instance can drain it.
 * - A directory (the embedded default): one fsynced file per write, renamed into place, so a
 *   crash leaves the whole write or nothing. It survives a process crash, not the loss of
 *   the disk.
 * What neither store holds (both down at once) is settled by the sweeper at the
 * reservation, flagged estimated (lib/ledger/sweeper.ts).
 *
 * A write the database refuses for good (a constraint, e.g. the tenant was deleted) is moved
 * aside (`rejected/`, or the `bh:outbox:rejected` hash) instead of being retried forever.
 */
export interface OutboxStore {
  put(key: string, entry: string): Promise<void>;
  list(): Promise<Array<{ key: string; entry: string }>>;
  remove(key: string): Promise<void>;
  reject(key: string, entry: string, reason: string): Promise<void>;
}

export interface DrainResult {
  /** Writes applied that settled at least one row. */
  written: number;
  /** Writes already applied (a duplicate delivery): nothing changed. */
  duplicates: number;
  failed: number;
  rejected: number;
}

const FORMAT_VERSION = 2;

// ---------------------------------------------------------------------------
// Serialisation: Dates as ISO strings, micro-USD as decimal strings.
// ---------------------------------------------------------------------------

export function serialiseTurnWrite(write: TurnWrite): string {
  return JSON.stringify({ v: FORMAT_VERSION, enqueuedAt: new Date().toISOString(), write }, (_key, value: unknown) =>
    typeof value === "bigint" ? { $bigint: value.toString() } : value,
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function deserialiseTurnWrite(text: string): TurnWrite | null {
  try {
    const parsed = JSON.parse(text, (key, value: unknown) => {
      // Only the write's own timestamps: a message whose text happens to be a date stays text.
      if (key === "createdAt" && typeof value === "string" && ISO_DATE.test(value)) return new Date(value);
      if (typeof value === "object" && value !== null && "$bigint" in value) return BigInt((value as { $bigint: string }).$bigint);
      return value;
    }) as { v?: unknown; write?: TurnWrite };
    if (parsed.v !== FORMAT_VERSION || !parsed.write || !Array.isArray(parsed.write.events)) return null;
    return parsed.write;
  } catch {
    return null;
  }
}

function keyOf(write: TurnWrite): string {
  const first = write.events[0]?.requestId ?? randomUUID();
  return createHash("sha256").update(`${write.tenantId}\0${first}`).digest("hex").slice(0, 40);
}

// ---------------------------------------------------------------------------
// Stores
// ---------------------------------------------------------------------------

export function fileOutbox(dir: string = path.join(env.BULKHEAD_DATA_DIR ?? ".data", "outbox")): OutboxStore {
  return {
    async put(key, entry) {
      // turbopackIgnore: a runtime data directory, not part of the build's file trace.
      await mkdir(/* turbopackIgnore: true */ dir, { recursive: true, mode: 0o700 });
      const temp = path.join(dir, `.tmp-${randomUUID()}`);
      const file = path.join(dir, `${key}.json`);
      const handle = await open(/* turbopackIgnore: true */ temp, "w", 0o600);
      try {
        await handle.writeFile(`${entry}\n`, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(/* turbopackIgnore: true */ temp, /* turbopackIgnore: true */ file);
      await syncDir(dir);
    },
    async list() {
      let names: string[];
      try {
        names = (await readdir(/* turbopackIgnore: true */ dir)).filter((n) => n.endsWith(".json")).sort();
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      const out: Array<{ key: string; entry: string }> = [];
      for (const name of names) {
        const file = path.join(dir, name);
        try {
          out.push({ key: name.slice(0, -5), entry: await readFile(/* turbopackIgnore: true */ file, "utf8") });
        } catch (error) {
          if (!isMissing(error)) throw error; // another drainer took it
        }
      }
      return out;
    },
    async remove(key) {
      const file = path.join(dir, `${key}.json`);
      await unlink(/* turbopackIgnore: true */ file).catch(ignoreMissing);
    },
    async reject(key, entry, reason) {
      const rejected = path.join(dir, "rejected");
      const target = path.join(rejected, `${key}.json`);
      const file = path.join(dir, `${key}.json`);
      await mkdir(/* turbopackIgnore: true */ rejected, { recursive: true, mode: 0o700 });
      const handle = await open(/* turbopackIgnore: true */ target, "w", 0o600);
      try {
        await handle.writeFile(`${entry}\n# ${new Date().toISOString()} ${reason}\n`, "utf8");
      } finally {
        await handle.close();
      }
      await unlink(/* turbopackIgnore: true */ file).catch(ignoreMissing);
    },
  };
}

export const REDIS_OUTBOX_KEY = "bh:outbox";

export function redisOutbox(redis: Redis = getRedis(), key = REDIS_OUTBOX_KEY): OutboxStore {
  return {
    async put(field, entry) {
      await redis.hset(key, { [field]: entry });
    },
    async list() {
      // @upstash/redis parses JSON values by default; entries are read back as text.
      const all = (await redis.hgetall<Record<string, unknown>>(key)) ?? {};
      return Object.entries(all).map(([field, value]) => ({ key: field, entry: typeof value === "string" ? value : JSON.stringify(value) }));
    },
    async remove(field) {
      await redis.hdel(key, field);
    },
    async reject(field, entry, reason) {
      await redis.hset(`${key}:rejected`, { [field]: JSON.stringify({ entry, reason, at: new Date().toISOString() }) });
      await redis.hdel(key, field);
    },
  };
}

/** Redis when configured (shared, off the app's disk), else the data directory. */
export function defaultOutbox(): OutboxStore {
  return resolveRedisTransport().kind === "memory" ? fileOutbox() : redisOutbox();
}

// ---------------------------------------------------------------------------
// Enqueue and drain
// ---------------------------------------------------------------------------

export async function enqueueTurnWrite(write: TurnWrite, store: OutboxStore = defaultOutbox()): Promise<void> {
  await store.put(keyOf(write), serialiseTurnWrite(write));
}

export async function pendingTurnWrites(store: OutboxStore = defaultOutbox()): Promise<TurnWrite[]> {
  return (await store.list()).map((e) => deserialiseTurnWrite(e.entry)).filter((w): w is TurnWrite => w !== null);
}

/**
 * Applies every pending write with `apply` and removes each one that made it. A failing
 * write stays for the next drain; the others are still tried.
 */
export async function drainOutbox(apply: (write: TurnWrite) => Promise<TurnWriteResult>, store: OutboxStore = defaultOutbox()): Promise<DrainResult> {
  const result: DrainResult = { written: 0, duplicates: 0, failed: 0, rejected: 0 };
  for (const { key, entry } of await store.list()) {
    const write = deserialiseTurnWrite(entry);
    if (!write) {
      await store.reject(key, entry, "unreadable outbox entry");
      result.rejected++;
      continue;
    }
    try {
      const applied = await apply(write);
      if (applied.settled.length > 0) result.written++;
      else result.duplicates++;
    } catch (error) {
      if (isPermanentWriteError(error)) {
        console.error(`[bulkhead] outbox write ${key} rejected by the database; moved aside`, error);
        await store.reject(key, entry, error instanceof Error ? error.message : String(error));
        result.rejected++;
      } else {
        result.failed++;
      }
      continue;
    }
    await store.remove(key);
  }
  return result;
}

/**
 * Constraint and data errors fail the same way on every retry: PostgreSQL classes 22 (data
 * exception) and 23 (integrity violation). Anything else (unreachable, timeouts, pool
 * exhaustion, a permission error fixed by the next deploy) is retried.
 */
export function isPermanentWriteError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Not supported on every platform: best effort.
  try {
    const handle = await open(/* turbopackIgnore: true */ dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignore
  }
}

function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}

function ignoreMissing(error: unknown): void {
  if (!isMissing(error)) throw error;
}
