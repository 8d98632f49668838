import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { disconnectSignal, type Headers } from "./respond";

export function formatSseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Writes server-sent events and notices when the client leaves, so a paced stream stops
 * at once instead of writing into a closed socket.
 */
export class SseWriter {
  private readonly signal: AbortSignal;

  constructor(
    private readonly res: ServerResponse,
    headers: Headers,
  ) {
    this.signal = disconnectSignal(res);
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
  }

  /** True once the client disconnected before `end()`. */
  get disconnected(): boolean {
    return this.signal.aborted;
  }

  send(name: string, data: unknown): boolean {
    if (this.disconnected) return false;
    this.res.write(formatSseEvent(name, data));
    return true;
  }

  /** Several pre-formatted events in one write: the unpaced path, where syscalls dominate. */
  sendFormatted(events: readonly string[]): boolean {
    if (this.disconnected) return false;
    this.res.write(events.join(""));
    return true;
  }

  /** Waits `ms`; false if the client disconnected meanwhile. */
  async pause(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.disconnected;
    // "Never": timers cap at 2^31-1 ms and fire at once past it; wait for the hang-up instead.
    if (!Number.isFinite(ms)) {
      if (!this.disconnected) await new Promise<void>((resolve) => this.signal.addEventListener("abort", () => resolve(), { once: true }));
      return false;
    }
    try {
      await sleep(ms, undefined, { signal: this.signal });
    } catch {
      return false;
    }
    return !this.disconnected;
  }

  end(): void {
    if (!this.disconnected) this.res.end();
  }
}
