import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/db/generated/client";
import { appDatabaseUrl } from "@/lib/db/urls";
import { env } from "@/lib/env";

/**
 * ONE connection pool per process, as the application login (bh_app). Prisma runs on it
 * (PrismaPg accepts a pg.Pool) and so does the hand-written SQL of the hot paths
 * (lib/db/sql.ts): one set of connections, one role table (lib/db/roles.ts).
 *
 * The pool's clients run in pipeline mode: a statement is written without waiting for the
 * previous one's answer, so a scoped transaction's BEGIN, scope and first statement (and a
 * last statement's COMMIT) travel in one round trip with bound parameters. Code that awaits
 * each query (Prisma) behaves exactly as without it.
 */
const globalForDb = globalThis as unknown as { bulkheadPrisma?: PrismaClient; bulkheadPool?: pg.Pool };
const poolOf = new WeakMap<PrismaClient, pg.Pool>();

export function createPool(connectionString: string, max = env.DATABASE_POOL_SIZE, waitMs = poolWaitMs()): pg.Pool {
  // `pipeline` is a node-postgres client option (8.20+) that @types/pg does not know yet.
  // connectionTimeoutMillis bounds both the wait for a free connection and the opening of a new
  // one: with none, a pool whose connections are all held (or a server that accepts no
  // connection) made every query wait for ever, and the requests behind it with it.
  const config: pg.PoolConfig & { pipeline: boolean } = { connectionString, max, allowExitOnIdle: true, pipeline: true, connectionTimeoutMillis: waitMs };
  const pool = new pg.Pool(config);
  // A connection the server drops (restart, failover, terminated backend) must not crash the
  // process, idle or checked out: the query in flight fails, the pool replaces the client.
  pool.on("error", (error) => console.error("[bulkhead] idle database connection failed", error.message));
  pool.on("connect", (client) => client.on("error", (error) => console.error("[bulkhead] database connection failed", error.message)));
  return pool;
}

/**
 * DATABASE_POOL_TIMEOUT_MS, by default 30 s, except on the embedded database when it is not set: pglite-socket
 * serves its connections one transaction at a time and the server's statement and idle limits
 * do not exist there (0027_app_timeouts), so a long transaction legitimately holds every other
 * connection (and a new one's start) until it ends; there they wait, as before.
 */
const POOL_WAIT_MS = 30_000;

function poolWaitMs(): number {
  return env.DATABASE_POOL_TIMEOUT_MS ?? (env.BULKHEAD_EMBEDDED_DB === "1" ? 0 : POOL_WAIT_MS);
}

export function createPrismaClient(connectionString: string, max = env.DATABASE_POOL_SIZE): PrismaClient {
  const pool = createPool(connectionString, max);
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  poolOf.set(client, pool);
  return client;
}

/**
 * The process-wide client. Do not use it directly: go through lib/db/scope.ts, which sets
 * role, tenant and user first. Kept on globalThis so Next's dev reloads do not open a pool
 * per reload.
 */
export function getPrisma(): PrismaClient {
  if (!globalForDb.bulkheadPrisma) setPrismaClient(createPrismaClient(appDatabaseUrl()));
  return globalForDb.bulkheadPrisma!;
}

/** The pool behind the process client, for hand-written SQL (lib/db/sql.ts). */
export function getPool(): pg.Pool {
  getPrisma();
  return globalForDb.bulkheadPool!;
}

/** Scripts and tests point the app at an explicit database (seed, throwaway test DB). */
export function setPrismaClient(client: PrismaClient | undefined): void {
  globalForDb.bulkheadPrisma = client;
  globalForDb.bulkheadPool = client ? poolOf.get(client) : undefined;
}
