import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { finished } from "node:stream";
import type Anthropic from "@anthropic-ai/sdk";

/**
 * POST /v1/messages on node:http, for the clients this app builds (createClaudeClient): the
 * SDK's request path costs more than the whole gateway's budget on this hardware — header
 * objects built per request, a WHATWG fetch over undici with its streams, the body parsed
 * into objects — and its request leaves in two socket writes (headers, then body). Here the
 * request is one write on a kept-alive socket, and the response is read as bytes: the JSON
 * reply is parsed once (for its usage and the leak watch) and its bytes forwarded as they
 * came; an SSE stream is split into events whose data is parsed once and forwarded as it came.
 *
 * The same request as the SDK's (URL, x-api-key, anthropic-version 2023-06-01, JSON body;
 * no retries: the scheduler retries, lib/llm/call-claude.ts), and errors are turned into the
 * SDK's own error classes (APIError.generate), so lib/llm/tracked-call.ts describes them as
 * before. A client built elsewhere (a test's SDK client with its own fetch) keeps the SDK path.
 */
export interface DirectEndpoint {
  url: URL;
  apiKey: string;
  agent: http.Agent;
}

const endpoints = new WeakMap<Anthropic, DirectEndpoint>();
const agents = {
  http: new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000, scheduling: "lifo" }),
  https: new https.Agent({ keepAlive: true, keepAliveMsecs: 30_000, scheduling: "lifo" }),
};

/** Marks a client as one whose requests may go straight to its base URL (createClaudeClient's). */
export function allowDirect(client: Anthropic): Anthropic {
  const base = String((client as unknown as { baseURL: string }).baseURL).replace(/\/+$/, "");
  const url = new URL(`${base}/v1/messages`);
  endpoints.set(client, { url, apiKey: client.apiKey ?? "", agent: url.protocol === "https:" ? agents.https : agents.http });
  return client;
}

export function directEndpointOf(client: Anthropic): DirectEndpoint | undefined {
  return endpoints.get(client);
}

/** Sends the request in one write; resolves with the response once its headers arrived. */
export function postMessages(endpoint: DirectEndpoint, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = endpoint.url.protocol === "https:" ? https.request : http.request;
    // Not `signal:` on the request: node hands it to the agent's new socket too, which outlives
    // this request on a kept-alive connection. An abort destroys this request (and its response) only.
    if (signal.aborted) return reject(abortError(signal));
    const req = send(endpoint.url, {
      method: "POST",
      agent: endpoint.agent,
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "anthropic-version": "2023-06-01",
        "x-api-key": endpoint.apiKey,
        ...headers,
      },
    });
    // Destroyed without an error (an 'error' event here would find no listener once the
    // response has taken over the socket): the reader sees the response cut off, the caller
    // knows from its signal that it was an abort.
    const onAbort = () => {
      reject(abortError(signal));
      req.destroy();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    req.on("response", (res) => {
      // Read errors surface where the body is read; one that comes after the reader stopped
      // (a cut or an abort destroys the response) must not be an uncaught exception.
      res.on("error", () => {});
      res.on("close", () => signal.removeEventListener("abort", onAbort));
      resolve(res);
    });
    req.on("error", reject);
    // Headers and body in one socket write.
    req.end(body);
  });
}

function abortError(signal: AbortSignal): Error {
  const error = new Error("The operation was aborted", { cause: signal.reason });
  error.name = "AbortError";
  return error;
}

/** The whole body as text (JSON replies and error bodies). */
export async function readText(res: IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

export interface SseMessage {
  event: string | null;
  data: string;
}

/**
 * Server-sent events as the SDK's decoder reads them (`event:` and `data:` fields, a blank line
 * ends one), handed to `onMessage` as each read delivers them: synchronously, with no promise
 * per chunk or per event (an async generator here cost two to three promises per event, each
 * also seen by the process's async hooks, which Next.js keeps enabled). `onMessage` returns
 * false to stop reading; what it throws rejects the read. Either way the response is destroyed,
 * as leaving a `for await` loop destroys it. Resolves at the end of the body; rejects as a
 * `for await` over the response would (its error, or a premature close).
 */
export function readSse(res: IncomingMessage, onMessage: (message: SseMessage) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    res.setEncoding("utf8");
    let buffer = "";
    let event: string | null = null;
    let data: string[] = [];
    let done = false;
    let cleanup = () => {};
    const stop = (error?: unknown, destroy = error !== undefined) => {
      if (done) return;
      done = true;
      res.off("data", onData);
      cleanup();
      if (destroy) res.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    // The message so far, to the consumer; false when it asked to stop.
    const emit = (): boolean => {
      const message = { event, data: data.join("\n") };
      event = null;
      data = [];
      return onMessage(message);
    };
    // One line of the stream; false when the consumer asked to stop.
    const line = (text: string): boolean => {
      if (text.endsWith("\r")) text = text.slice(0, -1);
      if (text === "") return event === null && data.length === 0 ? true : emit();
      if (text.startsWith(":")) return true;
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      return true;
    };
    const onData = (chunk: string) => {
      try {
        buffer += chunk;
        let start = 0;
        for (;;) {
          const end = buffer.indexOf("\n", start);
          if (end < 0) break;
          const more = line(buffer.slice(start, end));
          start = end + 1;
          if (!more) return stop(undefined, true);
        }
        buffer = buffer.slice(start);
      } catch (error) {
        stop(error);
      }
    };
    res.on("data", onData);
    cleanup = finished(res, { writable: false }, (error) => {
      if (done) return;
      if (error) return stop(error);
      try {
        // A last line without its newline still counts, as the SDK's line decoder has it.
        if (buffer !== "") line(buffer);
        if (event !== null || data.length > 0) emit();
      } catch (thrown) {
        return stop(thrown);
      }
      stop();
    });
  });
}

/** Node's response headers as a WHATWG Headers (only for errors: the SDK's error classes take one). */
export function toHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return out;
}

/** `anthropic-ratelimit-*` headers, lower-cased (node already lower-cases names). */
export function rateLimitHeadersOf(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (!name.startsWith("anthropic-ratelimit-")) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
