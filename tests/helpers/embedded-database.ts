import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { EmbeddedPostgres } from "@/lib/db/embedded";

/**
 * The embedded database `npm start` runs (PGlite behind pglite-socket, migrated), in a
 * temporary directory of its own, for a test file. `portOffset` keeps files that run at the
 * same time off each other's port. lib/db/embedded is imported here, when called, so a file
 * can first tell the process it is on the embedded database (BULKHEAD_EMBEDDED_DB), as
 * lib/startup does before lib/ is loaded.
 */
export async function startTestEmbedded(name: string, portOffset: number): Promise<EmbeddedPostgres & { stop(): Promise<void> }> {
  const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
  const dir = await mkdtemp(path.join(tmpdir(), `bh-${name}-`));
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: 40_000 + ((process.pid + portOffset) % 20_000) });
  return {
    ...embedded,
    async stop() {
      await embedded.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
