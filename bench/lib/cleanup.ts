/**
 * Teardown that must run even when the bench is interrupted (Ctrl-C): the app server and
 * the throwaway database. Steps run newest first; scripts/bench.ts runs them on SIGINT.
 */
const steps = new Set<() => Promise<void>>();
const interruption = new AbortController();

/** Aborted on SIGINT/SIGTERM: load loops stop sending and throw. */
export const interrupted: AbortSignal = interruption.signal;

export function interrupt(): void {
  interruption.abort(new Error("interrupted"));
}

export function onCleanup(step: () => Promise<void>): () => void {
  steps.add(step);
  return () => steps.delete(step);
}

export async function runCleanups(): Promise<void> {
  for (const step of [...steps].reverse()) {
    steps.delete(step);
    await step().catch((error: unknown) => console.error("[bench] cleanup step failed:", error));
  }
}
