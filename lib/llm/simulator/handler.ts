import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { FaultAttempts, parseFaults, type FaultPlan, type StatusFault } from "./faults";
import { hashText, PromptHash } from "./hash";
import { apiUsage, messageBody } from "./message";
import { PromptCache } from "./prompt-cache";
import { RateWindow, type AccountLimits } from "./rate-limits";
import { createReceivedLog, type ReceivedEntry, type ReceivedRecorder } from "./received";
import {
  countTokensSchema,
  createMessageSchema,
  describeIssue,
  flattenPrompt,
  lastUserText,
  type CreateMessageRequest,
  type FlatPrompt,
} from "./request";
import { composeReply, echoReply, chunkText, limitReply, topicOf } from "./reply";
import {
  createIdSource,
  disconnectSignal,
  header,
  readBody,
  sendError,
  sendJson,
  type ApiErrorType,
  type Headers,
} from "./respond";
import { SseWriter } from "./sse";
import { writeMessageStream } from "./stream";
import { CHARS_PER_TOKEN, estimateInputTokens, estimateTextTokens } from "../tokens";

/** The API's own request size cap. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const TENANT_HEADER = "x-bulkhead-tenant";
const REQUEST_HEADER = "x-bulkhead-request";

export interface SimulatorState {
  received: ReceivedRecorder;
  cache: PromptCache;
  attempts: FaultAttempts;
  rate: RateWindow;
  /** Pause between stream deltas when no "slow" fault asks for more; 0 = write at once. */
  chunkDelayMs: number;
  /** `[[sim:…]]` markers in user text count as fault directives (SimulatorOptions.honourMarkers). */
  honourMarkers: boolean;
  nextId: (prefix: string) => string;
}

export function createSimulatorState(limits: AccountLimits, chunkDelayMs = 0, receivedMaxEntries?: number, honourMarkers = true): SimulatorState {
  return {
    received: createReceivedLog(receivedMaxEntries === undefined ? {} : { maxEntries: receivedMaxEntries }),
    cache: new PromptCache(),
    attempts: new FaultAttempts(),
    rate: new RateWindow(limits),
    chunkDelayMs,
    honourMarkers,
    nextId: createIdSource(),
  };
}

/** Forgets everything a previous test left behind: log, cache, fault counters, rate window. */
export function resetSimulatorState(state: SimulatorState): void {
  state.received.clear();
  state.cache.clear();
  state.attempts.clear();
  state.rate.reset();
}

export function createHandler(state: SimulatorState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = state.nextId("req_sim_");
    route(state, req, res, requestId).catch(() => {
      // A simulator bug must surface as an API error, not a hung request.
      if (!res.headersSent) sendError(res, 500, "api_error", "Internal simulator error", requestId, { "request-id": requestId });
      else res.destroy();
    });
  };
}

async function route(state: SimulatorState, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const path = (req.url ?? "/").split("?", 1)[0];
  const method = req.method ?? "GET";
  const headers: Headers = { "request-id": requestId };

  if (method === "POST" && path === "/v1/messages") return createMessage(state, req, res, requestId);
  if (method === "POST" && path === "/v1/messages/count_tokens") return countTokens(state, req, res, requestId);
  if (method === "GET" && path === "/health") return sendJson(res, 200, { ok: true }, headers);
  if (path === "/_sim/received" && method === "GET") return sendJson(res, 200, state.received.all(), headers);
  if (path === "/_sim/received" && method === "DELETE") {
    state.received.clear();
    return sendJson(res, 200, { ok: true }, headers);
  }
  if (path === "/_sim/reset" && method === "POST") {
    resetSimulatorState(state);
    return sendJson(res, 200, { ok: true }, headers);
  }
  req.resume();
  sendError(res, 404, "not_found_error", `Not found: ${method} ${path}`, requestId, headers);
}

function isInvalidKey(req: IncomingMessage): boolean {
  // Any key, or none, is accepted; "invalid" is the way to test the 401 path.
  return header(req, "x-api-key") === "invalid" || header(req, "authorization") === "Bearer invalid";
}

type ParsedBody = { ok: true; raw: string; value: unknown } | { ok: false };

/** Auth, size and JSON checks shared by both endpoints; sends the error itself. */
async function readRequest(req: IncomingMessage, res: ServerResponse, requestId: string, headers: Headers): Promise<ParsedBody> {
  if (isInvalidKey(req)) {
    req.resume();
    sendError(res, 401, "authentication_error", "invalid x-api-key", requestId, headers);
    return { ok: false };
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    sendError(res, 413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", requestId, headers);
    return { ok: false };
  }
  try {
    return { ok: true, raw: body.raw, value: JSON.parse(body.raw) };
  } catch {
    sendError(res, 400, "invalid_request_error", "Request body is not valid JSON.", requestId, headers);
    return { ok: false };
  }
}

async function countTokens(state: SimulatorState, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  // count_tokens has its own limits on the API: it does not spend the messages window.
  const headers = { "request-id": requestId, ...state.rate.headers() };
  const body = await readRequest(req, res, requestId, headers);
  if (!body.ok) return;
  const parsed = countTokensSchema.safeParse(body.value);
  if (!parsed.success) return sendError(res, 400, "invalid_request_error", describeIssue(parsed.error), requestId, headers);

  const inputTokens = estimateInputTokens(parsed.data);
  const prompt = flattenPrompt(parsed.data);
  state.received.add({
    ...entryBase(req, requestId, "count_tokens", parsed.data.model, prompt),
    status: 200,
    outcome: "completed",
    usage: { input_tokens: inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
  sendJson(res, 200, { input_tokens: inputTokens }, headers);
}

async function createMessage(state: SimulatorState, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const admission = state.rate.admit();
  const body = await readRequest(req, res, requestId, { "request-id": requestId, ...state.rate.headers() });
  if (!body.ok) return;
  const parsed = createMessageSchema.safeParse(body.value);
  const fail = (status: number, type: ApiErrorType, message: string, extra: Headers = {}) =>
    sendError(res, status, type, message, requestId, { "request-id": requestId, ...state.rate.headers(), ...extra });
  if (!parsed.success) return fail(400, "invalid_request_error", describeIssue(parsed.error));

  const request = parsed.data;
  const prompt = flattenPrompt(request);
  const faults = parseFaults(header(req, "x-sim-fault"), state.honourMarkers ? lastUserText(prompt) : "");
  if (!faults.ok) return fail(400, "invalid_request_error", faults.message);
  const plan = faults.plan;

  const entry: ReceivedEntry = {
    ...entryBase(req, requestId, "messages", request.model, prompt),
    maxTokens: request.max_tokens,
    stream: request.stream === true,
    options: requestOptions(request),
    fault: plan.raw,
    status: 200,
    outcome: "in_progress",
    usage: null,
  };
  state.received.add(entry);
  const failEntry = (status: number, type: ApiErrorType, message: string, extra: Headers = {}) => {
    entry.status = status;
    entry.outcome = "error";
    fail(status, type, message, extra);
  };

  if (!admission.ok) {
    return failEntry(429, "rate_limit_error", `This request would exceed your organization's rate limit of ${admission.message} (simulated).`, {
      "retry-after": String(admission.retryAfterSeconds),
    });
  }
  if (plan.statusFault && faultApplies(state, plan.statusFault, req, body.raw)) {
    const { status, retryAfterSeconds } = plan.statusFault;
    const extra: Headers = retryAfterSeconds === null ? {} : { "retry-after": String(retryAfterSeconds) };
    if (status === 429) return failEntry(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit (simulated).", extra);
    if (status === 529) return failEntry(529, "overloaded_error", "Overloaded (simulated)", extra);
    return failEntry(500, "api_error", "Internal server error (simulated)", extra);
  }

  const reply = limitReply(replyText(request, prompt, plan, req), request.max_tokens, request.stop_sequences ?? []);
  const usage = apiUsage(state.cache.account(request.model, request), estimateTextTokens(reply.text));
  state.rate.addTokens(usage.input_tokens + usage.cache_creation_input_tokens, usage.output_tokens);
  entry.usage = {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
  };
  const headers = { "request-id": requestId, ...state.rate.headers() };
  const id = state.nextId("msg_sim_");
  const delayMs = plan.slowMs ?? state.chunkDelayMs;
  const chunks = chunkText(reply.text);

  if (!request.stream) {
    // "slow" without streaming: the whole generation time passes before the answer.
    if (delayMs > 0 && !(await waitUnlessGone(res, delayMs * chunks.length))) {
      entry.outcome = "aborted";
      return;
    }
    sendJson(res, 200, messageBody(id, request.model, reply, usage), headers);
    entry.outcome = "completed";
    return;
  }

  const result = await writeMessageStream(new SseWriter(res, headers), {
    id,
    model: request.model,
    requestId,
    usage,
    reply,
    chunks,
    delayMs,
    midstream: plan.midstream,
    stallMs: plan.stallMs,
    minimalUsage: plan.minimalUsage,
  });
  entry.outcome = result.outcome;
  if (result.outcome !== "completed") entry.usage.output_tokens = Math.ceil(result.sentChars / CHARS_PER_TOKEN);
}

function faultApplies(state: SimulatorState, fault: StatusFault, req: IncomingMessage, rawBody: string): boolean {
  if (fault.attempts === null) return true;
  const key = header(req, "x-sim-fault-key") ?? `body:${hashText(rawBody)}`;
  return state.attempts.shouldFail(`${fault.status}:${key}`, fault.attempts);
}

function replyText(request: CreateMessageRequest, prompt: FlatPrompt, plan: FaultPlan, req: IncomingMessage): string {
  if (plan.echo) {
    return echoReply({
      model: request.model,
      system: prompt.system,
      messages: prompt.messages,
      max_tokens: request.max_tokens,
      metadata: request.metadata ?? null,
      tenant: header(req, TENANT_HEADER) ?? null,
    });
  }
  const hash = new PromptHash().update(request.model).update(prompt.system);
  for (const m of prompt.messages) hash.update(m.role).update(m.text);
  // "slow" keeps producing until max_tokens cuts the text.
  const fillChars = plan.slowMs !== null ? request.max_tokens * CHARS_PER_TOKEN : 0;
  return composeReply(hash.seed(), topicOf(lastUserText(prompt)), fillChars);
}

const PROMPT_FIELDS = new Set(["model", "system", "messages", "max_tokens", "stream"]);

function requestOptions(request: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) if (!PROMPT_FIELDS.has(field) && value !== undefined) out[field] = value;
  return out;
}

function entryBase(
  req: IncomingMessage,
  requestId: string,
  endpoint: ReceivedEntry["endpoint"],
  model: string,
  prompt: FlatPrompt,
): Omit<ReceivedEntry, "status" | "outcome" | "usage"> {
  const tenant = header(req, TENANT_HEADER);
  const request = header(req, REQUEST_HEADER);
  return {
    requestId,
    at: new Date().toISOString(),
    endpoint,
    model,
    system: prompt.system,
    messages: prompt.messages,
    maxTokens: null,
    stream: false,
    fault: null,
    headers: { ...(tenant === undefined ? {} : { [TENANT_HEADER]: tenant }), ...(request === undefined ? {} : { [REQUEST_HEADER]: request }) },
  };
}

async function waitUnlessGone(res: ServerResponse, ms: number): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: disconnectSignal(res) });
    return true;
  } catch {
    return false;
  }
}
