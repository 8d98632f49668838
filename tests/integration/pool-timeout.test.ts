import { describe, expect, inject, it } from "vitest";
import { createPool } from "@/lib/db/client";

/**
 * The app's pool gives up waiting for a connection (DATABASE_POOL_TIMEOUT_MS) instead of
 * holding the query, and the request behind it, for ever.
 */
describe("the application's connection pool", () => {
  it("fails a query that waits longer than its limit for a connection, and serves the next one once a connection is free", async () => {
    const pool = createPool(inject("appUrl"), 1, 300);
    const held = await pool.connect();
    let released = false;
    try {
      const started = Date.now();
      await expect(pool.query("SELECT 1")).rejects.toThrow(/timeout/i);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(5_000);
      held.release();
      released = true;
      const { rows } = await pool.query<{ one: number }>("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      if (!released) held.release();
      await pool.end();
    }
  });

  it("fails a new connection whose server never completes the handshake within the limit", async () => {
    // A listening socket that never answers PostgreSQL's handshake.
    const net = await import("node:net");
    const sockets = new Set<import("node:net").Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const pool = createPool(`postgresql://bh_app@127.0.0.1:${port}/nothing`, 1, 300);
    try {
      await expect(pool.query("SELECT 1")).rejects.toThrow(/timeout/i);
    } finally {
      await pool.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
