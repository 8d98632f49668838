import { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "@/lib/db/client";
import { embeddedBossDatabase } from "@/lib/jobs/embedded-db";
import { startTestEmbedded } from "@/tests/helpers/embedded-database";

/**
 * pg-boss on the embedded database (what `npm start` on a bare machine runs): through
 * pglite-socket, which serves every connection from one session, concurrent pg-boss
 * statements beside the app's own transactions must not swap their prepared statements.
 */
let embedded: Awaited<ReturnType<typeof startTestEmbedded>>;

beforeAll(async () => {
  embedded = await startTestEmbedded("jobs", 0);
}, 120_000);

afterAll(async () => {
  await embedded?.stop();
});

describe("pg-boss on the embedded database", () => {
  it("sends, works and retries jobs with no protocol errors while app transactions run", async () => {
    const { db, close } = embeddedBossDatabase(embedded.appUrl, 4);
    const boss = new PgBoss({ db, schema: "pgboss", createSchema: false, supervise: false, schedule: false });
    const errors: string[] = [];
    boss.on("error", (e: Error) => errors.push(e.message));
    const appPool = createPool(embedded.appUrl, 6);
    try {
      await boss.start();
      await boss.createQueue("embedded-check", { retryLimit: 1, retryDelay: 1 });
      const seen = new Map<number, number>();
      await boss.work<{ i: number }>("embedded-check", { pollingIntervalSeconds: 0.5, batchSize: 10 }, async (jobs) => {
        for (const job of jobs) {
          const attempts = (seen.get(job.data.i) ?? 0) + 1;
          seen.set(job.data.i, attempts);
          // Every tenth job fails once: the retry must come back.
          if (job.data.i % 10 === 0 && attempts === 1) throw new Error("first attempt fails");
        }
      });
      const sends = Array.from({ length: 120 }, (_, i) => boss.send("embedded-check", { i }));
      // What the app's scoped transactions send (unprepared, as on the embedded database).
      const transactions = Array.from({ length: 120 }, async () => {
        const client = await appPool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT set_config('role', $1, true)", ["bh_auth"]);
          const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM plans WHERE id <> $1", ["none"]);
          await client.query("COMMIT");
          return rows[0]!.n;
        } finally {
          client.release();
        }
      });
      const [ids] = await Promise.all([Promise.all(sends), Promise.all(transactions)]);
      expect(ids.every((id) => typeof id === "string")).toBe(true);
      const deadline = Date.now() + 45_000;
      while ([...seen.values()].length < 120 || [...seen.entries()].some(([i, n]) => i % 10 === 0 && n < 2)) {
        if (Date.now() > deadline) throw new Error(`only ${seen.size} of 120 jobs ran`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(seen.size).toBe(120);
      expect([...seen.entries()].filter(([i]) => i % 10 === 0).every(([, n]) => n === 2)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await boss.stop({ graceful: false, wait: true } as never);
      await close();
      await appPool.end();
    }
  }, 90_000);
});
