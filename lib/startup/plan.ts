/**
 * What `npm start` decides before it touches anything: whether the demo accounts may be
 * seeded and which interface to bind. Pure, so the rules are unit-tested rather than
 * trusted to a start script.
 *
 * The demo's passwords are printed in the README, so the demo belongs only on a throwaway
 * embedded database on a developer's machine, or where someone asked for it by name.
 */
export interface StartArgs {
  /** `npm start -- --demo`: seed the demo even on a configured database. */
  demo: boolean;
}

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const unknown = argv.filter((a) => a !== "--demo");
  if (unknown.length > 0) throw new Error(`Unknown option ${unknown[0]} (the only option is --demo).`);
  return { demo: argv.includes("--demo") };
}

export type DemoDecision =
  | { seed: true; reason: "embedded" | "flag" }
  | { seed: false; reason: "configured-database" | "production" };

export function decideDemo(input: { embedded: boolean; demoFlag: boolean; nodeEnv: string }): DemoDecision {
  if (input.demoFlag) return { seed: true, reason: "flag" };
  if (!input.embedded) return { seed: false, reason: "configured-database" };
  if (input.nodeEnv === "production") return { seed: false, reason: "production" };
  return { seed: true, reason: "embedded" };
}

export const DEFAULT_LISTEN_HOST = "127.0.0.1";

/** HOSTNAME when set (Next's own convention, e.g. 0.0.0.0 in a container), else loopback. */
export function listenHost(hostname: string | undefined): string {
  return hostname && hostname.length > 0 ? hostname : DEFAULT_LISTEN_HOST;
}

/** Where the start script itself can reach the server it started. */
export function localProbeHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The banner's words for the bind address, so "reachable from the network" is never a surprise. */
export function describeListenHost(host: string): string {
  if (host === "127.0.0.1" || host === "localhost" || host === "::1") return `${host} (this machine only; set HOSTNAME=0.0.0.0 to listen on every interface)`;
  if (host === "0.0.0.0" || host === "::") return `${host} (every interface: reachable from the network)`;
  return host;
}

export function describeDemo(decision: DemoDecision, state: { present: boolean; seededNow: boolean }): string {
  if (state.seededNow) return decision.reason === "flag" ? "seeded just now (--demo)" : "seeded just now (embedded database)";
  if (state.present) {
    return decision.seed
      ? "present (seeded earlier)"
      : "PRESENT on this database: its accounts have published passwords; delete them or use a fresh database";
  }
  return decision.reason === "production"
    ? "not seeded (NODE_ENV=production; pass --demo to seed it)"
    : "not seeded (configured database; pass --demo to seed it)";
}
