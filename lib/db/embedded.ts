import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { migrate, readMigrations, type MigrateResult } from "@/lib/db/migrate";
import { pgliteRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";

/**
 * Extensions the migrations create (0018_knowledge: pg_trgm for fuzzy terms, btree_gin for
 * the tenant-leading GIN indexes; 0026_knowledge_vectors: pgvector for knowledge vectors).
 * PGlite ships them as loadable modules that must be passed to every instance that opens
 * the data directory.
 */
export const embeddedExtensions = { pg_trgm, btree_gin, vector };

export interface EmbeddedPostgres {
  /** Connection string for the application login (bh_app). */
  appUrl: string;
  migrations: MigrateResult;
  close(): Promise<void>;
}

/**
 * Embedded PostgreSQL (PGlite, file-backed) served over the wire protocol so the app
 * uses the same Prisma pg adapter as with a real server. Migrations run as the owner;
 * the database is then reopened as bh_app so, as with a real server, a query that does
 * not switch to a scoped role finds no tables. (PGlite keeps a superuser *session* user,
 * so this is defence against mistakes, not against arbitrary SQL: use a real PostgreSQL
 * in production.)
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; host?: string }): Promise<EmbeddedPostgres> {
  await mkdir(opts.dataDir, { recursive: true });

  const owner = new PGlite(opts.dataDir, { extensions: embeddedExtensions });
  let migrations: MigrateResult;
  try {
    migrations = await migrate(pgliteRunner(owner), await readMigrations());
  } finally {
    await owner.close();
  }

  const db = new PGlite(opts.dataDir, { username: APP_DB_ROLE, extensions: embeddedExtensions });
  // A Unix socket in a 0700 directory beside the data: only this machine's user that owns
  // .data can connect at all (PGlite's server has no password check of its own, and any
  // local user can reach 127.0.0.1). Socket paths are limited to ~107 bytes; a data
  // directory too deep for one falls back to loopback TCP, said so at start.
  const socketDir = path.join(path.dirname(opts.dataDir), "run");
  const socketPath = path.join(socketDir, `.s.PGSQL.${opts.port}`);
  const useSocket = !opts.host && Buffer.byteLength(socketPath) <= 100;
  let server: PGLiteSocketServer;
  let appUrl: string;
  if (useSocket) {
    await mkdir(socketDir, { recursive: true, mode: 0o700 });
    await chmod(socketDir, 0o700);
    await rm(socketPath, { force: true }); // a socket left by a killed server
    server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 32 });
    appUrl = `postgresql://${APP_DB_ROLE}@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=${opts.port}&sslmode=disable`;
  } else {
    const host = opts.host ?? "127.0.0.1";
    console.warn(`[bulkhead] embedded database on ${host}:${opts.port} (TCP): the data directory path is too long for a Unix socket`);
    server = new PGLiteSocketServer({ db, port: opts.port, host, maxConnections: 32 });
    appUrl = `postgresql://${APP_DB_ROLE}@${host}:${opts.port}/postgres?sslmode=disable`;
  }
  await server.start();
  if (useSocket) await chmod(socketPath, 0o600);
  return {
    appUrl,
    migrations,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
