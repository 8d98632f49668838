import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayError, errorBody } from "@/lib/gateway/errors";

/**
 * Plain node:http plumbing for the tenant API (no framework: the data plane's budget is
 * smaller than a Next.js route's own cost, ARCHITECTURE.md "The data plane").
 */

/** Bodies above this are refused before they are read whole (images and PDFs travel base64). */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export async function readJsonBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<unknown> {
  const type = req.headers["content-type"];
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new GatewayError(400, "invalid_request_error", `Content-Type must be application/json, not ${JSON.stringify(type)}.`);
  }
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  if (size === 0) throw new GatewayError(400, "invalid_request_error", "The request body is empty; send a JSON object.");
  const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
  // NUL is refused everywhere in Bulkhead's text (PostgreSQL text cannot hold it either).
  if (text.includes("\u0000") || /(?<!\\)\\u0000/i.test(text)) throw new GatewayError(400, "invalid_request_error", "The request contains a NUL character, which is not allowed in text.");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError(400, "invalid_request_error", `The request body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`);
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, "request_too_large", `Request exceeds the maximum size of ${Math.floor(limit / (1024 * 1024))} MB.`);
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendError(res: ServerResponse, error: GatewayError, requestId: string | null): void {
  sendJson(res, error.status, errorBody(error, requestId), { ...error.headers, ...(requestId ? { "request-id": requestId } : {}) });
}

/**
 * A server-sent event stream in the Messages API's framing (`event: <type>` + `data: <json>`).
 * Headers go out with the first event, so a call that fails before producing anything can
 * still answer with a proper HTTP error. Events written in one tick leave in one socket write.
 */
export class SseWriter {
  private corked = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  write(type: string, json: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (!this.res.headersSent) {
      this.res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no", ...this.headers });
    }
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    this.res.write(`event: ${type}\ndata: ${json}\n\n`);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
