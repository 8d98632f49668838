import { createServer } from "node:http";
import { createHandler, createSimulatorState, resetSimulatorState } from "./handler";
import { DEFAULT_LIMITS, type AccountLimits } from "./rate-limits";
import type { ReceivedLog } from "./received";

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the simulator has no auth and should not be reachable from outside. */
  host?: string;
  /** Account limits reported in `anthropic-ratelimit-*` headers (enforced only with `enforce: true`). */
  limits?: Partial<AccountLimits>;
  /** Pause between stream deltas for every stream (the "slow" fault overrides it). Default 0. */
  chunkDelayMs?: number;
  /** Entries the received log keeps (default 5,000); the ledger bench keeps every request. */
  receivedMaxEntries?: number;
  /**
   * Keep the received log served at /_sim/received (default true: tests and benches read
   * it). The app's own simulator turns it off unless asked: it holds every tenant's prompts.
   */
  recordReceived?: boolean;
  /**
   * Honour `[[sim:…]]` markers in user messages (default true). The app's own simulator
   * honours them only with SIMULATOR_FAULTS=1: otherwise any member could inject faults or
   * have the full system prompt echoed back.
   */
  honourMarkers?: boolean;
}

export interface RunningSimulator {
  /** Base URL for the SDK's `baseURL`, e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  received: ReceivedLog;
  /** Clears the log, prompt cache, fault attempt counters and the rate window. */
  reset(): void;
  /** Stops listening and cuts open connections, in-flight streams included. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? "127.0.0.1";
  const receivedMaxEntries = options.recordReceived === false ? 0 : options.receivedMaxEntries;
  const state = createSimulatorState({ ...DEFAULT_LIMITS, ...options.limits }, options.chunkDelayMs ?? 0, receivedMaxEntries, options.honourMarkers ?? true);
  const server = createServer(createHandler(state));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("simulator: expected a TCP address");
  const { port } = address;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | null = null;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    received: state.received,
    reset: () => resetSimulatorState(state),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
