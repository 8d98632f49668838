import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { migrate, readMigrations, type MigrationFile } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { createDatabase, databaseUrl, dropDatabase, TEST_SERVER_URL } from "@/tests/helpers/local-database";
import { unique } from "@/tests/helpers/db";

/**
 * A migration that creates its table only where the server can (0026_knowledge_vectors and
 * pgvector) runs again while the table is missing, so installing the server's part later
 * takes effect at the next start. Here "the server can" is a session setting the probe
 * migration reads, on a database of its own.
 */
const name = unique("bulkhead_migrate_rerun").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
let client: pg.Client;

function migration(file: string, sql: string, rerunWhileMissing?: string): MigrationFile {
  return { name: file, sql, checksum: createHash("sha256").update(sql).digest("hex"), ...(rerunWhileMissing ? { rerunWhileMissing } : {}) };
}

const onlyWhereAvailable = (table: string) => `DO $m$
BEGIN
  IF coalesce(current_setting('bh.probe_available', true), '') <> 'on' THEN
    RAISE NOTICE 'not available: nothing created';
    RETURN;
  END IF;
  CREATE TABLE ${table} (id int);
END
$m$;`;

beforeAll(async () => {
  await createDatabase(TEST_SERVER_URL, name);
  client = new pg.Client({ connectionString: databaseUrl(TEST_SERVER_URL, name) });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await dropDatabase(TEST_SERVER_URL, name);
});

const exists = async (table: string) => (await client.query<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [table])).rows[0]!.found;

describe("migrations that create something only where the server can", () => {
  it("run again while their table is missing, and stop once it exists; others never run twice", async () => {
    const files = [migration("0001_probe", onlyWhereAvailable("probe_rows"), "public.probe_rows"), migration("0002_plain", onlyWhereAvailable("plain_rows"))];
    const db = pgRunner(client);

    expect(await migrate(db, files)).toEqual({ applied: ["0001_probe", "0002_plain"], skipped: [], rerun: [] });
    expect(await exists("public.probe_rows")).toBe(false);
    // Still not available: run again, still nothing.
    expect(await migrate(db, files)).toEqual({ applied: [], skipped: ["0002_plain"], rerun: ["0001_probe"] });
    expect(await exists("public.probe_rows")).toBe(false);

    await client.query("SET bh.probe_available = 'on'"); // the server's part installed
    expect(await migrate(db, files)).toEqual({ applied: [], skipped: ["0002_plain"], rerun: ["0001_probe"] });
    expect(await exists("public.probe_rows")).toBe(true);
    expect(await exists("public.plain_rows")).toBe(false); // an ordinary migration is never run twice

    expect(await migrate(db, files)).toEqual({ applied: [], skipped: ["0001_probe", "0002_plain"], rerun: [] });
    const [{ n }] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`)).rows as [{ n: number }];
    expect(n).toBe(2); // a run again is not recorded as a second application
  });

  it("a run again that fails is said and leaves the start going, since what it creates is optional", async () => {
    const failing = migration(
      "0001_refused",
      `DO $m$ BEGIN IF current_setting('bh.refuse', true) = 'on' THEN RAISE EXCEPTION 'permission denied to create extension "vector"'; END IF; END $m$;`,
      "public.refused_rows",
    );
    const own = new pg.Client({ connectionString: databaseUrl(TEST_SERVER_URL, name) });
    await own.connect();
    try {
      await own.query(`DROP TABLE IF EXISTS "_prisma_migrations"`);
      const db = pgRunner(own);
      expect((await migrate(db, [failing])).applied).toEqual(["0001_refused"]);
      await own.query("SET bh.refuse = 'on'");
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      expect(await migrate(db, [failing])).toEqual({ applied: [], skipped: ["0001_refused"], rerun: [] });
      expect(warn.mock.calls.flat().join(" ")).toMatch(/0001_refused could not create public\.refused_rows.*permission denied/);
      warn.mockRestore();
    } finally {
      await own.end();
    }
  });

  it("marks 0026_knowledge_vectors, whose table exists only where pgvector is installed", async () => {
    const migrations = await readMigrations();
    expect(migrations.find((m) => m.name === "0026_knowledge_vectors")?.rerunWhileMissing).toBe("public.knowledge_embeddings");
    expect(migrations.filter((m) => m.rerunWhileMissing).map((m) => m.name)).toEqual(["0026_knowledge_vectors"]);
  });
});
