import type pg from "pg";
import type { Db } from "pg-boss";
import { createPool } from "@/lib/db/client";

/**
 * pg-boss's database on the embedded PGlite. pglite-socket serves every connection from one
 * PGlite session and interleaves their protocol messages unless a transaction is open (then
 * it stays with that connection). node-postgres writes a statement's Parse, Bind, Execute and
 * Sync separately, so two pg-boss statements in flight at once could swap their unnamed
 * prepared statements — seen here as "bind message supplies 1 parameters, but prepared
 * statement "" requires 4" on an upload's enqueue. Each statement therefore runs inside its
 * own BEGIN … COMMIT, written in one go (corked), which the server keeps together; texts that
 * open their own transaction (pg-boss's locked migrations) run as they are. A real
 * PostgreSQL needs none of this: pg-boss uses its own pool there.
 */
export function embeddedBossDatabase(connectionString: string, max: number): { db: Db; close(): Promise<void> } {
  const pool = createPool(connectionString, max);
  const db: Db = {
    async executeSql(text: string, values?: unknown[]) {
      const client = await pool.connect();
      try {
        if (/^\s*BEGIN\b/i.test(text)) return await client.query(text, values);
        const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
        stream?.cork?.();
        const pending = [client.query("BEGIN"), client.query(text, values as unknown[] | undefined), client.query("COMMIT")];
        stream?.uncork?.();
        const [, result] = await settle(pending);
        return result!;
      } finally {
        client.release();
      }
    },
  };
  return { db, close: () => pool.end() };
}

/** Awaits every query (none left unhandled); the first failure wins. A failed statement's COMMIT rolls back. */
async function settle(queries: Promise<pg.QueryResult>[]): Promise<pg.QueryResult[]> {
  const results = await Promise.allSettled(queries);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
}
