import path from "node:path";
import pg from "pg";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { appDatabaseUrl } from "@/lib/db/urls";
import { env } from "@/lib/env";
import { lockDownDataDir } from "@/lib/startup/data-dir";
import { runningServerPid } from "@/lib/startup/pid-file";

/**
 * For operator commands (staff:create, api-key): migrates first as the owner, so they work
 * on a fresh DATABASE_URL before the first `npm start`, then runs `fn` with the app's own
 * client (login bh_app, every query scoped). On the embedded database it refuses while
 * `npm start` holds it (PGlite has one writer).
 */
export async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  if (env.DATABASE_URL) {
    const owner = new pg.Client({ connectionString: env.DATABASE_URL });
    await owner.connect();
    try {
      await migrate(pgRunner(owner), await readMigrations());
    } finally {
      await owner.end();
    }
    return runWith(appDatabaseUrl(), fn);
  }
  const dataDir = path.resolve(env.BULKHEAD_DATA_DIR ?? ".data");
  const pid = await runningServerPid(dataDir);
  if (pid !== null) throw new Error(`npm start (pid ${pid}) is using the embedded database in ${dataDir}: stop it first.`);
  await lockDownDataDir(dataDir);
  const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
  const { freePort } = await import("@/lib/startup/free-port");
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), port: await freePort() });
  try {
    return await runWith(embedded.appUrl, fn);
  } finally {
    await embedded.close();
  }
}

async function runWith<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const prisma = createPrismaClient(url, 2);
  setPrismaClient(prisma);
  try {
    return await fn();
  } finally {
    await prisma.$disconnect();
  }
}
