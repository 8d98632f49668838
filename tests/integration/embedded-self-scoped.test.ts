import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmbedded } from "@/tests/helpers/embedded-database";

/**
 * Statements that set their scope themselves (querySelfScoped: the ledger's reservation and
 * settlement) on the embedded database, which `npm start` runs: pglite-socket serves every
 * connection from one session and keeps to one connection only inside a transaction, so
 * concurrent implicit-transaction statements with parameters swapped their unnamed
 * statements ("unnamed prepared statement does not exist"). The process is told it is on the
 * embedded database before lib/ is loaded, as lib/startup does.
 */
process.env.BULKHEAD_EMBEDDED_DB = "1";

let embedded: Awaited<ReturnType<typeof startTestEmbedded>>;

beforeAll(async () => {
  embedded = await startTestEmbedded("self-scoped", 7);
}, 120_000);

afterAll(async () => {
  await embedded?.stop();
});

describe("querySelfScoped on the embedded database", () => {
  it("answers 200 concurrent parameterised statements on 6 connections beside scoped transactions, with none lost or swapped", async () => {
    const { createPool } = await import("@/lib/db/client");
    const { querySelfScoped } = await import("@/lib/db/sql");
    const pool = createPool(embedded.appUrl, 6);
    try {
      // Two statement shapes (different parameters), so a swapped statement cannot pass unseen,
      // beside transactions as withScopeSql sends them (BEGIN and COMMIT are simple queries,
      // which drop the session's unnamed statement).
      const transactions = Array.from({ length: 60 }, async (_, i) => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT $1::int AS n", [i]);
          await client.query("COMMIT");
        } finally {
          client.release();
        }
      });
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0
            ? querySelfScoped<{ n: number; tag: string }>("SELECT $1::int * 2 AS n, $2::text AS tag", [i, `t${i}`], pool)
            : querySelfScoped<{ n: number; tag: string }>("SELECT $1::int + 1000 AS n, 'odd' AS tag", [i], pool),
        ),
      );
      await Promise.all(transactions);
      const failed = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
      expect(failed).toEqual([]);
      expect(results.map((r) => (r as PromiseFulfilledResult<{ n: number; tag: string }[]>).value[0])).toEqual(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? { n: i * 2, tag: `t${i}` } : { n: i + 1000, tag: "odd" })),
      );
    } finally {
      await pool.end();
    }
  });

  it("a failing statement leaves the connection out of any transaction", async () => {
    const { createPool } = await import("@/lib/db/client");
    const { querySelfScoped } = await import("@/lib/db/sql");
    const pool = createPool(embedded.appUrl, 1);
    try {
      await expect(querySelfScoped("SELECT 1 / $1::int", [0], pool)).rejects.toThrow(/division by zero/);
      expect(await querySelfScoped<{ n: number }>("SELECT $1::int AS n", [5], pool)).toEqual([{ n: 5 }]);
    } finally {
      await pool.end();
    }
  });
});
