/**
 * `npm run simulator`: the Claude simulator as a standalone server, for a dev app in another
 * process or for tests that check isolation through GET /_sim/received.
 */
import { env } from "@/lib/env";
import { startSimulator } from "@/lib/llm/simulator";

const simulator = await startSimulator({ port: env.SIMULATOR_PORT });
console.log(`Claude simulator listening on ${simulator.url} (set ANTHROPIC_BASE_URL to use it)`);

function shutdown(): void {
  simulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("simulator: error while closing", error);
      process.exit(1);
    },
  );
}

process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
