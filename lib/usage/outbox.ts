import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { withTenant } from "@/lib/db/scope";
import { env } from "@/lib/env";
import { recordUsage, type UsageEventRow } from "@/lib/usage/record-usage";

/**
 * A durable file outbox for usage events whose database write failed. It lives on disk, not
 * in a table, because the usual reason a write fails is that the database is unavailable.
 *
 * One file per event, named by a hash of (tenant_id, request_id), written to a temporary
 * name, fsynced and renamed into place: a crash leaves either the whole event or nothing,
 * enqueueing the same event twice leaves one file, and draining never races an append
 * (an appended JSON-lines file would: a line written while a drainer rewrites the file is
 * lost). Replays are safe because the insert is idempotent on (tenant_id, request_id).
 *
 * Events the database rejects for good (a CHECK or foreign-key violation, e.g. the tenant
 * was deleted) are moved to `rejected/` with the error, instead of being retried forever.
 */
const FORMAT_VERSION = 1;

export interface OutboxOptions {
  /** Defaults to `${BULKHEAD_DATA_DIR ?? ".data"}/outbox`. */
  dir?: string;
}

export interface DrainResult {
  written: number;
  /** Already in the database (idempotent replay). */
  duplicates: number;
  failed: number;
  rejected: number;
}

type StoredEvent = Omit<UsageEventRow, "costMicros" | "createdAt"> & { costMicros: string; createdAt: string };

interface StoredEnvelope {
  v: number;
  enqueuedAt: string;
  event: StoredEvent;
}

export function outboxDir(options: OutboxOptions = {}): string {
  return options.dir ?? path.join(env.BULKHEAD_DATA_DIR ?? ".data", "outbox");
}

export async function enqueueUsage(event: UsageEventRow, options: OutboxOptions = {}): Promise<string> {
  const dir = outboxDir(options);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, fileNameFor(event));
  const temp = path.join(dir, `.tmp-${randomUUID()}`);
  const envelope: StoredEnvelope = { v: FORMAT_VERSION, enqueuedAt: new Date().toISOString(), event: serialise(event) };
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(`${JSON.stringify(envelope)}\n`, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDir(dir);
  return file;
}

/** The events waiting in the outbox (tests, the staff health view). */
export async function listPendingUsage(options: OutboxOptions = {}): Promise<UsageEventRow[]> {
  const out: UsageEventRow[] = [];
  for (const file of await pendingFiles(outboxDir(options))) {
    const event = await readEvent(path.join(outboxDir(options), file));
    if (event !== null && event !== "gone") out.push(event);
  }
  return out;
}

/**
 * Tries to write every pending event with `writeFn` (true = inserted, false = already there)
 * and removes each one that made it. A failing event stays for the next drain; the others
 * are still tried, so one bad event cannot hold back the rest.
 */
export async function drainOutbox(
  writeFn: (event: UsageEventRow) => Promise<boolean | void> = writeUsageEvent,
  options: OutboxOptions = {},
): Promise<DrainResult> {
  const dir = outboxDir(options);
  const result: DrainResult = { written: 0, duplicates: 0, failed: 0, rejected: 0 };
  for (const name of await pendingFiles(dir)) {
    const file = path.join(dir, name);
    const event = await readEvent(file);
    if (event === "gone") continue; // another drainer took it
    if (event === null) {
      await reject(dir, name, new Error("unreadable outbox entry"));
      result.rejected++;
      continue;
    }
    try {
      const inserted = await writeFn(event);
      if (inserted === false) result.duplicates++;
      else result.written++;
    } catch (error) {
      if (isPermanentWriteError(error)) {
        console.error(`[bulkhead] usage event ${event.tenantId}/${event.requestId} rejected by the database; moved aside`, error);
        await reject(dir, name, error);
        result.rejected++;
      } else {
        result.failed++;
      }
      continue;
    }
    await unlink(file).catch(ignoreMissing);
  }
  return result;
}

/** The default writer: one tenant-scoped transaction per event. */
export function writeUsageEvent(event: UsageEventRow): Promise<boolean> {
  // Background events have no user; the usage policy only checks the tenant.
  return withTenant({ tenantId: event.tenantId, userId: event.userId ?? "" }, (tx) => recordUsage(tx, event));
}

const globalForOutbox = globalThis as unknown as { bulkheadOutboxDrainer?: { stop: () => void } };

/** Starts the periodic drain once per process; the timer never keeps the process alive. */
export function startOutboxDrainer(options: OutboxOptions & { intervalMs?: number } = {}): { stop: () => void } {
  if (globalForOutbox.bulkheadOutboxDrainer) return globalForOutbox.bulkheadOutboxDrainer;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    drainOutbox(writeUsageEvent, options)
      .then((r) => {
        if (r.written + r.failed + r.rejected > 0) console.info("[bulkhead] usage outbox drained", r);
      })
      .catch((error: unknown) => console.error("[bulkhead] usage outbox drain failed", error))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs ?? 15_000);
  timer.unref();
  const handle = {
    stop() {
      clearInterval(timer);
      globalForOutbox.bulkheadOutboxDrainer = undefined;
    },
  };
  globalForOutbox.bulkheadOutboxDrainer = handle;
  return handle;
}

function fileNameFor(event: UsageEventRow): string {
  const key = createHash("sha256").update(`${event.tenantId}\0${event.requestId}`).digest("hex").slice(0, 40);
  return `${key}.json`;
}

async function pendingFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

async function readEvent(file: string): Promise<UsageEventRow | null | "gone"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return "gone";
    throw error;
  }
  try {
    const envelope = JSON.parse(text) as StoredEnvelope;
    if (envelope.v !== FORMAT_VERSION || !envelope.event) return null;
    return deserialise(envelope.event);
  } catch {
    return null;
  }
}

async function reject(dir: string, name: string, error: unknown): Promise<void> {
  const rejectedDir = path.join(dir, "rejected");
  await mkdir(rejectedDir, { recursive: true });
  await rename(path.join(dir, name), path.join(rejectedDir, name)).catch(ignoreMissing);
  const reason = error instanceof Error ? error.message : String(error);
  const handle = await open(path.join(rejectedDir, `${name}.error.txt`), "w");
  try {
    await handle.writeFile(`${new Date().toISOString()} ${reason}\n`, "utf8");
  } finally {
    await handle.close();
  }
}

function serialise(event: UsageEventRow): StoredEvent {
  return { ...event, costMicros: event.costMicros.toString(), createdAt: event.createdAt.toISOString() };
}

function deserialise(stored: StoredEvent): UsageEventRow {
  return { ...stored, costMicros: BigInt(stored.costMicros), createdAt: new Date(stored.createdAt) };
}

/**
 * Constraint and data errors will fail the same way on every retry: PostgreSQL classes 22
 * (data exception) and 23 (integrity violation). Prisma 7 with adapter-pg reports them as
 * known request errors (P2003 for a foreign key, P2039 "database error" for a CHECK) with the
 * SQLSTATE in meta.driverAdapterError.cause.originalCode. Anything else (P1001 unreachable,
 * timeouts, pool exhaustion, a permission error fixed by the next deploy) is retried.
 */
export function isPermanentWriteError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } } };
  if (typeof e.code === "string" && PERMANENT_PRISMA_CODES.has(e.code)) return true;
  // node-postgres errors (the chat path's plain SQL) carry the SQLSTATE itself.
  if (typeof e.code === "string" && /^2[23][0-9A-Z]{3}$/.test(e.code)) return true;
  const cause = e.meta?.driverAdapterError?.cause;
  const sqlState = cause?.originalCode ?? cause?.code;
  return typeof sqlState === "string" && /^2[23][0-9A-Z]{3}$/.test(sqlState);
}

/** Value too long, foreign key, constraint, invalid value, missing required value, ... */
const PERMANENT_PRISMA_CODES = new Set(["P2000", "P2003", "P2004", "P2005", "P2006", "P2007", "P2011", "P2012", "P2013", "P2019", "P2020", "P2023"]);

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Not supported on every platform: best effort.
  try {
    const handle = await open(dir, "r");
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
