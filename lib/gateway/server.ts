import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiKeyCache } from "@/lib/api-keys/cache";
import { API_KEY_PREFIX } from "@/lib/api-keys/key-format";
import type { ApiKeyScope } from "@/lib/api-keys/scopes";
import { GatewayError, errorBody, toGatewayError, upstreamFailure } from "@/lib/gateway/errors";
import { readJsonBody, sendError, sendJson, SseWriter } from "@/lib/gateway/http";
import { countTokensRequestSchema, describeIssue, messagesRequestSchema } from "@/lib/gateway/messages-request";
import { searchForApi, writeDocumentForApi } from "@/lib/gateway/knowledge";
import { listModels, retrieveModel } from "@/lib/gateway/models";
import { readUsage } from "@/lib/gateway/usage";
import { releaseCarriedSettlementsOf } from "@/lib/ledger/write-turn";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { getClaudeClient } from "@/lib/llm/anthropic-client";
import { composeForCount, prepareApiCall, runApiCall, type ApiCaller, type KeyCheck } from "@/lib/pipeline/api-call";
import { REPLY_CUT_MESSAGE } from "@/lib/pipeline/leak-guard";
import { getPlan } from "@/lib/tenancy/plans";

/**
 * The tenant API's front door: `/v1/*` on plain node:http, served by the same process as
 * the app but ahead of Next's router (scripts/serve.mjs), so a request pays for the
 * pipeline and nothing else. Routes:
 *
 *   POST /v1/messages               messages     JSON or SSE, through lib/pipeline/api-call.ts
 *   POST /v1/messages/count_tokens  messages     the count of what would be sent, prefix included
 *   GET  /v1/models[/{id}]          messages     the models the tenant's plan allows
 *   GET  /v1/usage                  usage:read   the tenant's usage (lib/gateway/usage.ts)
 *   POST /v1/knowledge/search       messages     the knowledge ranking (lib/gateway/knowledge.ts)
 *   POST /v1/knowledge/documents    knowledge:write  a document from text, or a new version
 *
 * Identify: the key travels in `x-api-key` or as a Bearer token (the SDKs send one or the
 * other, by version); resolved through the
 * in-process cache (lib/api-keys/cache.ts), checked against Redis's revocation marker on
 * every hit. Keys are never logged: errors name the key's prefix at most.
 */
export interface GatewayOptions {
  keys?: ApiKeyCache;
  limiter?: RateLimiter;
  /** Called with each finished request's settle promise (tests wait for metering). */
  onSettled?: (requestId: string, settled: Promise<void>) => void;
}

export type GatewayHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createGateway(options: GatewayOptions = {}): GatewayHandler {
  const keys = options.keys ?? new ApiKeyCache();
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://gateway.local");
    try {
      await route(req, res, url, keys, options);
    } catch (error) {
      const gatewayError = toGatewayError(error);
      // Drain an unread body so the connection can be reused (a 413 stops reading early).
      if (!req.complete) req.resume();
      if (res.headersSent) return void res.end();
      sendError(res, gatewayError, null);
    }
  };
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, keys: ApiKeyCache, options: GatewayOptions): Promise<void> {
  const path = url.pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";
  if (path === "/v1/messages") return allow(method, "POST", () => messages(req, res, keys, options));
  if (path === "/v1/messages/count_tokens") return allow(method, "POST", () => countTokens(req, res, keys));
  if (path === "/v1/models") return allow(method, "GET", async () => sendJson(res, 200, JSON.stringify(listModels(await getPlan((await identify(req, keys, "messages")).planId)))));
  if (path.startsWith("/v1/models/")) {
    return allow(method, "GET", async () => {
      const caller = await identify(req, keys, "messages");
      sendJson(res, 200, JSON.stringify(retrieveModel(await getPlan(caller.planId), decodeURIComponent(path.slice("/v1/models/".length)))));
    });
  }
  if (path === "/v1/knowledge/search") {
    return allow(method, "POST", async () => {
      const caller = await identify(req, keys, "messages");
      sendJson(res, 200, JSON.stringify(await searchForApi(caller, await readJsonBody(req))));
    });
  }
  if (path === "/v1/knowledge/documents") {
    return allow(method, "POST", async () => {
      const caller = await identify(req, keys, "knowledge:write");
      const written = await writeDocumentForApi(caller, await readJsonBody(req));
      sendJson(res, written.status, JSON.stringify(written.document));
    });
  }
  if (path === "/v1/usage") {
    return allow(method, "GET", async () => {
      const caller = await identify(req, keys, "usage:read");
      // Settlements this process still carries (lib/ledger/write-turn.ts) land first: a caller reads its own calls.
      await releaseCarriedSettlementsOf(caller.tenantId);
      sendJson(res, 200, JSON.stringify(await readUsage(caller, url.searchParams)));
    });
  }
  throw new GatewayError(404, "not_found_error", `No route for ${method} ${url.pathname}. See /api/openapi.json for the tenant API.`);
}

async function allow(method: string, wanted: string, run: () => Promise<void>): Promise<void> {
  if (method !== wanted) throw new GatewayError(405, "invalid_request_error", `Method ${method} is not allowed here; use ${wanted}.`, { allow: wanted });
  await run();
}

async function identify(req: IncomingMessage, keys: ApiKeyCache, scope: ApiKeyScope): Promise<ApiCaller> {
  const { caller, check } = await identifyFast(req, keys, scope);
  await check.confirm();
  return caller;
}

/**
 * Identify for the hot path: a cached key answers at once and its revocation check is left
 * to the pipeline, which makes it inside its one Redis round trip of limits
 * (lib/limits/api-admission.ts) or on its own (`confirm`, rejecting with the same 401).
 */
async function identifyFast(req: IncomingMessage, keys: ApiKeyCache, scope: ApiKeyScope): Promise<{ caller: ApiCaller; check: KeyCheck }> {
  const found = await keys.lookupDeferred(presentedKey(req));
  // Malformed, unknown, revoked and expired keys alike: nothing tells an attacker which.
  if (!found) throw invalidKey();
  const key = found.value;
  if (!key.scopes.includes(scope)) throw new GatewayError(403, "permission_error", `This API key does not have the "${scope}" scope.`);
  let confirmed: Promise<void> | undefined;
  const check: KeyCheck = {
    checked: found.checked,
    marker: found.marker,
    confirm: () =>
      (confirmed ??= found.confirm().then((ok) => {
        if (!ok) throw invalidKey();
      })),
    revoked: () => {
      found.revoked();
      return invalidKey();
    },
  };
  return { caller: { tenantId: key.tenantId, keyId: key.keyId, planId: key.planId, scopes: key.scopes, createdById: key.createdById }, check };
}

function invalidKey(): GatewayError {
  return new GatewayError(401, "authentication_error", "invalid x-api-key");
}

/**
 * The key from `x-api-key` or `Authorization: Bearer` (what the SDKs send, depending on
 * version). A Bulkhead key anywhere else gets an answer that says where it belongs.
 */
function presentedKey(req: IncomingMessage): string {
  const header = req.headers["x-api-key"];
  if (typeof header === "string" && header.trim() !== "") return header.trim();
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (bearer) return bearer[1]!;
  }
  const misplaced = Object.entries(req.headers).some(([, v]) => (Array.isArray(v) ? v.join(",") : (v ?? "")).includes(API_KEY_PREFIX));
  if (misplaced) throw new GatewayError(401, "authentication_error", "Send the API key in the x-api-key header (or as Authorization: Bearer <key>).");
  throw new GatewayError(401, "authentication_error", "x-api-key header is required.");
}

async function messages(req: IncomingMessage, res: ServerResponse, keys: ApiKeyCache, options: GatewayOptions): Promise<void> {
  const { caller, check } = await identifyFast(req, keys, "messages");
  // A bad body answers 400 only to a key that is still valid (a revoked key gets its 401).
  const body = await readJsonBody(req).catch(async (error: unknown) => {
    await check.confirm();
    throw error;
  });
  const parsed = messagesRequestSchema.safeParse(body);
  if (!parsed.success) {
    await check.confirm();
    throw new GatewayError(400, "invalid_request_error", describeIssue(parsed.error));
  }
  const prepared = await prepareApiCall(caller, parsed.data, { limiter: options.limiter, key: check });
  const requestId = prepared.requestId;

  const client = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) client.abort();
  };
  res.on("close", onClose);
  const headers = { "request-id": requestId };
  let outcome;
  try {
    if (prepared.stream) {
      const sse = new SseWriter(res, headers);
      outcome = await runApiCall(prepared, {
        signal: client.signal,
        onEvent: (event, raw) => {
          // The upstream's bytes when the leak watch passed the event unchanged (one data line).
          sse.write(event.type, raw !== undefined && !raw.includes("\n") ? raw : JSON.stringify(event));
          // As the Messages API does: a ping right after message_start.
          if (event.type === "message_start") sse.write("ping", '{"type": "ping"}');
        },
      });
      const { final } = outcome;
      if (outcome.cut) {
        sse.write("error", errorBody(new GatewayError(403, "permission_error", REPLY_CUT_MESSAGE), requestId));
      } else if (final.status === "error") {
        const failure = upstreamFailure(final.errorType, final.errorMessage, final.retryAfterMs);
        if (sse.started) sse.write("error", errorBody(failure, requestId));
        else return sendError(res, failure, requestId);
      }
      sse.end();
    } else {
      outcome = await runApiCall(prepared, { signal: client.signal });
      const { final } = outcome;
      if (outcome.cut) sendError(res, new GatewayError(403, "permission_error", REPLY_CUT_MESSAGE), requestId);
      else if (outcome.message) sendJson(res, 200, outcome.messageJson ?? JSON.stringify(outcome.message), headers);
      else if (final.status === "error") sendError(res, upstreamFailure(final.errorType, final.errorMessage, final.retryAfterMs), requestId);
      else res.end();
    }
  } finally {
    res.off("close", onClose);
    // Step 8 after the caller has the answer: metering costs the caller no time.
    if (outcome) {
      const settled = outcome.settle();
      options.onSettled?.(requestId, settled);
      await settled;
    }
  }
}

async function countTokens(req: IncomingMessage, res: ServerResponse, keys: ApiKeyCache): Promise<void> {
  const caller = await identify(req, keys, "messages");
  const parsed = countTokensRequestSchema.safeParse(await readJsonBody(req));
  if (!parsed.success) throw new GatewayError(400, "invalid_request_error", describeIssue(parsed.error));
  const composed = await composeForCount(caller, parsed.data);
  const claude = await getClaudeClient();
  try {
    const counted = await claude.messages.countTokens({
      model: composed.model,
      system: composed.system,
      messages: composed.messages,
      ...(parsed.data.tools ? { tools: parsed.data.tools as never } : {}),
      ...(parsed.data.tool_choice ? { tool_choice: parsed.data.tool_choice as never } : {}),
      ...(parsed.data.thinking ? { thinking: parsed.data.thinking as never } : {}),
    });
    sendJson(res, 200, JSON.stringify({ input_tokens: counted.input_tokens }));
  } catch (error) {
    const status = (error as { status?: number }).status;
    const type = (error as { type?: string }).type ?? undefined;
    throw upstreamFailure(status === 400 ? "invalid_request_error" : type, (error as Error).message);
  }
}
