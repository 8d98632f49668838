import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { migrate, readMigrations, type MigrateResult } from "@/lib/db/migrate";
import { pgliteRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";

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

  const owner = new PGlite(opts.dataDir);
  let migrations: MigrateResult;
  try {
    migrations = await migrate(pgliteRunner(owner), await readMigrations());
  } finally {
    await owner.close();
  }

  const db = new PGlite(opts.dataDir, { username: APP_DB_ROLE });
  const host = opts.host ?? "127.0.0.1";
  const server = new PGLiteSocketServer({ db, port: opts.port, host, maxConnections: 32 });
  await server.start();
  return {
    appUrl: `postgresql://${APP_DB_ROLE}@${host}:${opts.port}/postgres?sslmode=disable`,
    migrations,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
