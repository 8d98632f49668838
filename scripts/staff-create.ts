import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { AppError } from "@/lib/api/errors";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { appDatabaseUrl } from "@/lib/db/urls";
import { env } from "@/lib/env";
import { createStaffUser } from "@/lib/staff/create-staff-user";
import { lockDownDataDir } from "@/lib/startup/data-dir";
import { runningServerPid } from "@/lib/startup/pid-file";

/**
 * `npm run staff:create -- --email you@example.com [--name "Your Name"]`: creates a platform
 * staff user with a generated password printed once. Migrates first, so it works on a
 * fresh DATABASE_URL before the first `npm start`. On the embedded database it refuses
 * while `npm start` holds it (PGlite has one writer).
 */
async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" } }, strict: true });
  if (!values.email) throw new Error("usage: npm run staff:create -- --email you@example.com [--name \"Your Name\"]");
  const created = await withDatabase(() => createStaffUser({ email: values.email, name: values.name }));
  console.log(
    [
      "",
      `  Staff user ${created.email} created.`,
      `  One-time password: ${created.password}`,
      "",
      "  It is shown only now and stored only as a hash. Sign in, then change it at /account.",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  const message = error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
  console.error(`[bulkhead] staff:create failed: ${message}`);
  process.exit(1);
});
