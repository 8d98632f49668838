/**
 * An NDJSON response body for a long-running producer. Lines wait in a buffer until
 * flushed: deltas parsed from one upstream read go out as one chunk (one socket write
 * instead of one per delta); every other event flushes at once, after the deltas before it.
 *
 * The producer runs to the end even when the client goes away (its `abort` signal fires, so
 * the upstream call stops and what was used is still recorded). It may return a function to
 * run after the body is closed (bookkeeping the client need not wait for).
 */
export type Send<E> = (event: E) => void;
type Producer<E> = (send: Send<E>, abort: AbortSignal) => Promise<(() => Promise<void>) | void>;

const encoder = new TextEncoder();

export function openEventStream<E extends { type: string }>(requestSignal: AbortSignal, produce: Producer<E>): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort();
  requestSignal.addEventListener("abort", onRequestAbort, { once: true });
  let open = true;

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let pending = "";
      let flushScheduled = false;
      const flush = () => {
        flushScheduled = false;
        if (!open || pending === "") return;
        const text = pending;
        pending = "";
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          open = false;
        }
      };
      const send: Send<E> = (event) => {
        if (!open) return;
        pending += `${JSON.stringify(event)}\n`;
        if (event.type !== "delta") flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          // After the I/O phase that delivered these deltas: coalesces, never holds one back.
          setImmediate(flush);
        }
      };
      let after: (() => Promise<void>) | void = undefined;
      try {
        after = await produce(send, abort.signal);
      } catch (error) {
        console.error("[bulkhead] chat stream producer failed", error);
        send({ type: "error", error: { code: "internal_error", message: "Something went wrong. Please try again." } } as unknown as E);
      } finally {
        requestSignal.removeEventListener("abort", onRequestAbort);
      }
      flush();
      if (open) {
        open = false;
        controller.close();
      }
      try {
        await after?.();
      } catch (error) {
        console.error("[bulkhead] after-stream bookkeeping failed", error);
      }
    },
    cancel() {
      // The client went away (or pressed stop): abort upstream; the producer still records.
      open = false;
      abort.abort();
    },
  });
}
