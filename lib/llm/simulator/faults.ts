/**
 * Fault injection, on demand, so tests can drive every failure path of the app.
 *
 * Two ways to ask, combinable (their directives are merged):
 *   - request header   `x-sim-fault: 429x2:0.05, slow:20`
 *   - marker in the last user message text: `[[sim:midstream]]` (several markers allowed,
 *     one marker may hold a comma-separated list: `[[sim:slow:10,midstream]]`)
 *
 * Directives:
 *   429[:S]        every attempt fails: 429 rate_limit_error with `retry-after: S` (default 1;
 *                  S may be fractional, which the SDK accepts; the real API sends whole seconds)
 *   529[:S]        529 overloaded_error (`retry-after` only when S is given)
 *   500[:S]        500 api_error
 *   429xN[:S]      fail the first N attempts of this exact request, then succeed; likewise
 *   529xN, 500xN   for 529/500. "Same request" = same `x-sim-fault-key` header when present,
 *                  else the same raw body bytes (the SDK resends identical bytes on retry).
 *   429-once, 529-once, 500-once   aliases of ...x1
 *   midstream      streaming only: message_start, a few text deltas, then an `event: error`
 *                  (overloaded_error) and the response ends. Ignored without `stream: true`.
 *   slow[:MS]      pause MS ms (default 50) between stream events, and produce text until
 *                  max_tokens (stop_reason "max_tokens") so a stop button has time to act.
 *   echo           the reply is "(simulated echo)" then a JSON summary of what was received.
 *   stall[:MS]     streaming only: after the first text delta, send nothing for MS ms (default:
 *                  never again, until the client hangs up), then go on. Drives idle timeouts.
 *   usage-minimal  streaming only: message_delta's usage carries only `output_tokens` (the shape
 *                  in Anthropic's streaming documentation), and both it and message_start carry
 *                  fields newer than the SDK (`server_tool_use`, `output_tokens_details`), so
 *                  clients must be as tolerant as the SDK's own accumulator.
 * Unknown directives are a 400 invalid_request_error, so a typo cannot pass silently.
 */
export type FaultStatus = 429 | 500 | 529;

export interface StatusFault {
  status: FaultStatus;
  /** Fail this many attempts of the same request, then succeed; null = fail every time. */
  attempts: number | null;
  retryAfterSeconds: number | null;
}

export interface FaultPlan {
  statusFault: StatusFault | null;
  midstream: boolean;
  slowMs: number | null;
  echo: boolean;
  /** Pause after the first delta: ms, or Infinity for "never resume"; null = no stall. */
  stallMs: number | null;
  minimalUsage: boolean;
  /** The directives as received, for the log; null when none. */
  raw: string | null;
}

export type FaultParse = { ok: true; plan: FaultPlan } | { ok: false; message: string };

export const NO_FAULTS: FaultPlan = { statusFault: null, midstream: false, slowMs: null, echo: false, stallMs: null, minimalUsage: false, raw: null };

const DEFAULT_RETRY_AFTER_429 = 1;
const DEFAULT_SLOW_MS = 50;
const MARKER = /\[\[sim:([^\]]*)\]\]/g;
const STATUS_DIRECTIVE = /^(429|529|500)(?:x(\d+)|(-once))?(?::(\d+(?:\.\d+)?))?$/;
const SLOW_DIRECTIVE = /^slow(?::(\d+))?$/;
const STALL_DIRECTIVE = /^stall(?::(\d+))?$/;

export function parseFaults(header: string | undefined, lastUserText: string): FaultParse {
  const directives: string[] = [];
  if (header) directives.push(...splitDirectives(header));
  // Cheap pre-check: almost no message carries a marker.
  if (lastUserText.includes("[[sim:")) {
    for (const match of lastUserText.matchAll(MARKER)) directives.push(...splitDirectives(match[1] ?? ""));
  }
  if (directives.length === 0) return { ok: true, plan: NO_FAULTS };

  const plan: FaultPlan = { ...NO_FAULTS, raw: directives.join(",") };
  for (const directive of directives) {
    const error = applyDirective(plan, directive);
    if (error) return { ok: false, message: error };
  }
  return { ok: true, plan };
}

function splitDirectives(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((d) => d.trim().toLowerCase())
    .filter((d) => d !== "");
}

function applyDirective(plan: FaultPlan, directive: string): string | null {
  const status = STATUS_DIRECTIVE.exec(directive);
  if (status) {
    const code: FaultStatus = status[1] === "429" ? 429 : status[1] === "529" ? 529 : 500;
    const attempts = status[2] !== undefined ? Number(status[2]) : status[3] ? 1 : null;
    const seconds = status[4] !== undefined ? Number(status[4]) : code === 429 ? DEFAULT_RETRY_AFTER_429 : null;
    plan.statusFault = { status: code, attempts, retryAfterSeconds: seconds };
    return null;
  }
  const slow = SLOW_DIRECTIVE.exec(directive);
  if (slow) {
    plan.slowMs = slow[1] !== undefined ? Number(slow[1]) : DEFAULT_SLOW_MS;
    return null;
  }
  const stall = STALL_DIRECTIVE.exec(directive);
  if (stall) {
    plan.stallMs = stall[1] !== undefined ? Number(stall[1]) : Number.POSITIVE_INFINITY;
    return null;
  }
  if (directive === "usage-minimal") {
    plan.minimalUsage = true;
    return null;
  }
  if (directive === "midstream") {
    plan.midstream = true;
    return null;
  }
  if (directive === "echo") {
    plan.echo = true;
    return null;
  }
  return `unknown simulator fault directive "${directive}" (expected 429[xN][:S], 529[xN][:S], 500[xN][:S], 429-once, 529-once, midstream, slow[:MS], stall[:MS], usage-minimal, echo)`;
}

/** Attempts seen per request key, for the "fail N times then succeed" directives. */
export class FaultAttempts {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxKeys = 10_000) {}

  /** Counts this attempt; true while it is one of the first `attempts` for the key. */
  shouldFail(key: string, attempts: number): boolean {
    const count = this.seen.get(key) ?? 0;
    if (count >= attempts) return false;
    if (count === 0 && this.seen.size >= this.maxKeys) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.set(key, count + 1);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}
