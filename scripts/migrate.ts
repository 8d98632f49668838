import path from "node:path";
import pg from "pg";
import { migrate, readMigrations, type MigrateResult } from "@/lib/db/migrate";
import { pgliteRunner, pgRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";
import { env } from "@/lib/env";

/** `npm run db:migrate`: DATABASE_URL when set, else the embedded database under .data/. */
async function main(): Promise<void> {
  const migrations = await readMigrations();
  if (env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const result = await migrate(pgRunner(client), migrations);
      if (env.DATABASE_APP_PASSWORD) {
        // Identifiers cannot be bound as parameters; the role name is our constant.
        await client.query(`ALTER ROLE ${APP_DB_ROLE} PASSWORD ${client.escapeLiteral(env.DATABASE_APP_PASSWORD)}`);
      }
      report(result);
    } finally {
      await client.end();
    }
    return;
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { embeddedExtensions } = await import("@/lib/db/embedded");
  const dataDir = path.join(env.BULKHEAD_DATA_DIR ?? ".data", "pg");
  const db = new PGlite(dataDir, { extensions: embeddedExtensions });
  try {
    const result = await migrate(pgliteRunner(db), migrations);
    report(result);
  } finally {
    await db.close();
  }
}

function report({ applied, skipped, rerun }: MigrateResult): void {
  const again = rerun.length ? `, ${rerun.length} run again while what they create is missing (${rerun.join(", ")})` : "";
  console.log(`migrations: ${applied.length} applied${applied.length ? ` (${applied.join(", ")})` : ""}, ${skipped.length} already applied${again}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
