import Anthropic from "@anthropic-ai/sdk";
import { env } from "@/lib/env";
import { allowDirect } from "@/lib/llm/direct-messages";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";

/**
 * The SDK client for the whole process: the real API when ANTHROPIC_API_KEY is set, else the
 * in-process simulator, started lazily on a random local port the first time it is needed.
 * Both live on globalThis so Next's dev reloads do not start a simulator per reload.
 *
 * maxRetries is 0: retrying (and backing off on 429/529) is the scheduler's job, and an SDK
 * retry would hide attempts from the usage log and the account-headroom monitor.
 */
export type ClaudeBackend = "anthropic" | "simulator";

export interface ClaudeClientOptions {
  baseURL?: string;
  apiKey?: string;
  /** Per-request timeout; the SDK's default (10 min) suits long generations. */
  timeoutMs?: number;
}

const globalForClaude = globalThis as unknown as {
  bulkheadClaude?: Promise<Anthropic>;
  bulkheadSimulator?: Promise<RunningSimulator>;
};

export function describeClaudeBackend(): ClaudeBackend {
  return env.ANTHROPIC_API_KEY ? "anthropic" : "simulator";
}

/**
 * Next.js replaces globalThis.fetch with a patched one (request caching and tracing for
 * server components) and keeps the original on it. Upstream calls need neither: the SDK gets
 * the original, looked up on every call so it does not matter who created the client first.
 */
type PatchedFetch = typeof fetch & { _nextOriginalFetch?: typeof fetch };
const upstreamFetch: typeof fetch = (input, init) => ((globalThis.fetch as PatchedFetch)._nextOriginalFetch ?? globalThis.fetch)(input, init);

export function createClaudeClient(options: ClaudeClientOptions = {}): Anthropic {
  // Messages calls of this client go straight on node:http (lib/llm/direct-messages.ts); the rest through the SDK.
  return allowDirect(new Anthropic({
    fetch: upstreamFetch,
    // The simulator accepts any key; the SDK insists on one being set.
    apiKey: options.apiKey ?? "simulator",
    baseURL: options.baseURL,
    maxRetries: 0,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  }));
}

export function getClaudeClient(): Promise<Anthropic> {
  globalForClaude.bulkheadClaude ??= buildDefaultClient().catch((error: unknown) => {
    // Do not cache a failure (e.g. the simulator's port was momentarily unavailable).
    globalForClaude.bulkheadClaude = undefined;
    throw error;
  });
  return globalForClaude.bulkheadClaude;
}

async function buildDefaultClient(): Promise<Anthropic> {
  if (env.ANTHROPIC_API_KEY) {
    return createClaudeClient({ apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL });
  }
  const simulator = await getEmbeddedSimulator();
  return createClaudeClient({ baseURL: simulator.url });
}

/** The process's own simulator (only when no API key is configured). */
export function getEmbeddedSimulator(): Promise<RunningSimulator> {
  // Locked down unless asked (SIMULATOR_FAULTS, SIMULATOR_RECEIVED_LOG): members reach it through the chat.
  const options = { port: 0, honourMarkers: env.SIMULATOR_FAULTS, recordReceived: env.SIMULATOR_RECEIVED_LOG };
  globalForClaude.bulkheadSimulator ??= startSimulator(options).catch((error: unknown) => {
    globalForClaude.bulkheadSimulator = undefined;
    throw error;
  });
  return globalForClaude.bulkheadSimulator;
}

/** Closes the process's simulator (graceful shutdown, tests) and forgets the client built on it. */
export async function stopEmbeddedSimulator(): Promise<void> {
  const running = globalForClaude.bulkheadSimulator;
  if (!running) return;
  globalForClaude.bulkheadSimulator = undefined;
  if (describeClaudeBackend() === "simulator") globalForClaude.bulkheadClaude = undefined;
  await (await running).close();
}

/** Tests inject a client pointed at their own simulator; undefined restores the default. */
export function setClaudeClient(client: Anthropic | undefined): void {
  globalForClaude.bulkheadClaude = client ? Promise.resolve(client) : undefined;
}
