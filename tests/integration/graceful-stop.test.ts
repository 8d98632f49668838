import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "@/bench/lib/app-server";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";

/**
 * The production server (scripts/serve.mjs, as `npm start` runs it, on the build `npm test`
 * made) stopped with SIGTERM while answers stream: every answer still reaches its caller, and
 * every ledger row is settled before the process exits, although settlement runs after the
 * response (the tenant API's is carried on the next reservation or sent within 20 ms). Before,
 * the process exited as soon as the last connection closed and left the rows in flight for
 * the sweeper to bill as estimated.
 */
let sim: RunningSimulator;
let app: AppServer;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  app = await startAppServer({ anthropicBaseUrl: sim.url });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe("a graceful stop", () => {
  it("answers the calls in flight and settles every one of them before the process exits", async () => {
    const call = (i: number) =>
      fetch(`${app.baseUrl}/v1/messages`, {
        method: "POST",
        // One connection per call, closed after its answer: the server's last connection closes right after the last answer.
        headers: { "x-api-key": app.apiKey, "anthropic-version": "2023-06-01", "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 50, messages: [{ role: "user", content: `graceful ${i} [[sim:slow:20]]` }] }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { type: string } }));
    const calls = Array.from({ length: 6 }, (_, i) => call(i));
    await new Promise((r) => setTimeout(r, 300)); // all six are streaming from the simulator
    app.signal("SIGTERM");
    const answers = await Promise.all(calls);
    expect(answers.map((a) => [a.status, a.body.type])).toEqual(Array.from({ length: 6 }, () => [200, "message"]));
    await app.exited;

    const owner = new pg.Client({ connectionString: app.ownerUrl });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ status: string; n: number }>("SELECT status::text, count(*)::int AS n FROM usage_events WHERE request_type = 'api' GROUP BY 1");
      expect(rows).toEqual([{ status: "completed", n: 6 }]);
    } finally {
      await owner.end();
    }
  }, 60_000);
});
