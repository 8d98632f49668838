import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Applies prisma/migrations/<name>/migration.sql in order and records them in
 * `_prisma_migrations` exactly as Prisma's engine does (which cannot be downloaded here),
 * so `prisma migrate status` elsewhere agrees with us. Idempotent; an advisory lock
 * keeps two instances starting at once from racing.
 */
export interface SqlRunner {
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
  /**
   * A table the migration creates only where the server can (its SQL checks first and
   * otherwise does nothing). While that table is missing, the applied migration runs again
   * at every migrate, so installing the server's part later (pgvector) takes effect at the
   * next start without anyone editing or re-running migrations by hand.
   */
  rerunWhileMissing?: string;
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
  /** Applied before, run again because their table was still missing (rerunWhileMissing). */
  rerun: string[];
}

/**
 * The migrations that create something only where the server can. Kept here, not in their
 * SQL: an applied migration's text must never change (its checksum is recorded).
 */
export const RERUN_WHILE_MISSING: Readonly<Record<string, string>> = {
  // knowledge_embeddings exists only where pgvector is installed (0026's own DO block checks).
  "0026_knowledge_vectors": "public.knowledge_embeddings",
};

// Arbitrary but fixed: "bulkhead-migrate" as a 63-bit key.
const LOCK_KEY = 7_236_591_204_113_021n;

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export async function readMigrations(dir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      const rerunWhileMissing = RERUN_WHILE_MISSING[name];
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex"), ...(rerunWhileMissing ? { rerunWhileMissing } : {}) };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

export async function migrate(db: SqlRunner, migrations: MigrationFile[]): Promise<MigrateResult> {
  await db.query("SELECT pg_advisory_lock($1)", [LOCK_KEY.toString()]);
  try {
    await db.exec(CREATE_TABLE);
    const rows = await db.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r]));
    const result: MigrateResult = { applied: [], skipped: [], rerun: [] };

    for (const m of migrations) {
      const done = applied.get(m.name);
      if (done) {
        if (done.finished_at === null) {
          throw new Error(`Migration ${m.name} started but did not finish; resolve it by hand before migrating again.`);
        }
        if (done.checksum !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied (checksum mismatch).`);
        }
        if (m.rerunWhileMissing && (await tableMissing(db, m.rerunWhileMissing))) {
          // What it creates is optional (the app runs without it), so a run that fails, e.g. an
          // owner not allowed to create the extension, is said and the start goes on.
          try {
            await runInTransaction(db, m, () => db.exec(m.sql));
            result.rerun.push(m.name);
          } catch (error) {
            console.warn(`[bulkhead] ${m.name} could not create ${m.rerunWhileMissing}; what needs it stays off. ${error instanceof Error ? error.message : String(error)}`);
            result.skipped.push(m.name);
          }
        } else result.skipped.push(m.name);
        continue;
      }
      const id = randomUUID();
      await runInTransaction(db, m, async () => {
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
          [id, m.checksum, m.name],
        );
        await db.exec(m.sql);
        await db.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
      });
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY.toString()]);
  }
}

async function runInTransaction(db: SqlRunner, m: MigrationFile, body: () => Promise<void>): Promise<void> {
  await db.exec("BEGIN");
  try {
    await body();
    await db.exec("COMMIT");
  } catch (error) {
    await db.exec("ROLLBACK");
    throw new Error(`Migration ${m.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function tableMissing(db: SqlRunner, table: string): Promise<boolean> {
  const [row] = await db.query<{ missing: boolean }>("SELECT to_regclass($1) IS NULL AS missing", [table]);
  return row?.missing === true;
}
