import { drainOutbox, type OutboxStore } from "@/lib/ledger/outbox";
import { applyTurnWriteNow } from "@/lib/ledger/write-turn";

/** Replays the outbox periodically, once per process; the timer never keeps the process alive. */
const globalForDrainer = globalThis as unknown as { bulkheadOutboxDrainer?: { stop: () => void } };

export function startOutboxDrainer(options: { intervalMs?: number; store?: OutboxStore } = {}): { stop: () => void } {
  if (globalForDrainer.bulkheadOutboxDrainer) return globalForDrainer.bulkheadOutboxDrainer;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    drainOutbox((write) => applyTurnWriteNow(write), options.store)
      .then((r) => {
        if (r.written + r.failed + r.rejected > 0) console.info("[bulkhead] usage outbox drained", r);
      })
      .catch((error: unknown) => console.error("[bulkhead] usage outbox drain failed", error))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs ?? 5_000);
  timer.unref();
  const handle = {
    stop() {
      clearInterval(timer);
      globalForDrainer.bulkheadOutboxDrainer = undefined;
    },
  };
  globalForDrainer.bulkheadOutboxDrainer = handle;
  return handle;
}
