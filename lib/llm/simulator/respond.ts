import type { IncomingMessage, ServerResponse } from "node:http";

/** The API's error types (FACTS.md) and the envelope they travel in. */
export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

export type Headers = Record<string, string>;

export function errorBody(type: ApiErrorType, message: string, requestId: string) {
  return { type: "error" as const, error: { type, message }, request_id: requestId };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers): void {
  const json = JSON.stringify(body);
  // Node knows no reason phrase for the API's own 529.
  if (status === 529) res.statusMessage = "Overloaded";
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(json)),
  });
  res.end(json);
}

export function sendError(
  res: ServerResponse,
  status: number,
  type: ApiErrorType,
  message: string,
  requestId: string,
  headers: Headers,
): void {
  sendJson(res, status, errorBody(type, message, requestId), headers);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Aborts when the client goes away before the response is complete. */
export function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}

export type BodyRead = { ok: true; raw: string } | { ok: false; tooLarge: true };

/** Reads the whole body; past `limit` bytes it keeps draining (so the socket stays usable) but keeps nothing. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => {
      resolve(size > limit ? { ok: false, tooLarge: true } : { ok: true, raw: Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", reject);
  });
}

/** Unique per simulator instance, cheap: a random prefix and a counter. */
export function createIdSource(): (prefix: string) => string {
  const instance = Math.random().toString(36).slice(2, 8);
  let counter = 0;
  return (prefix) => `${prefix}${instance}${(counter++).toString(36).padStart(6, "0")}`;
}
