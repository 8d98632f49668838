import type Anthropic from "@anthropic-ai/sdk";
import { APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsBase, MessageParam, RawMessageStreamEvent, TextBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { env } from "@/lib/env";
import { getClaudeClient } from "@/lib/llm/anthropic-client";
import { directEndpointOf, postMessages, rateLimitHeadersOf, readSse, readText, toHeaders } from "@/lib/llm/direct-messages";
import type { TokenUsage } from "@/lib/llm/pricing";
import { estimateTextTokens } from "@/lib/llm/tokens";

/**
 * The one wrapper every Claude call goes through. It streams, measures latency and time to
 * first token, and always comes back with what the call used, whether it completed, was
 * aborted by the client, or failed upstream: it never throws for an upstream problem, so
 * the caller can always record a usage event (lib/usage/record-usage.ts).
 */
export type RequestType = "chat" | "background" | "api";

export interface TrackedStreamParams {
  tenantId: string;
  userId?: string;
  conversationId?: string;
  requestId: string;
  requestType: RequestType;
  model: string;
  maxTokens: number;
  system: string | TextBlockParam[];
  messages: MessageParam[];
  /** Abort from the client (browser gone, stop button): the upstream call is cancelled. */
  signal?: AbortSignal;
  /** Each text delta as it arrives. If it throws, the call is aborted like a client abort. */
  onText?: (delta: string) => void;
  headers?: Record<string, string>;
  /** Defaults to the process client (lib/llm/anthropic-client.ts). */
  client?: Anthropic;
  /**
   * What input is billed when the call is cut before message_start said (estimated): the
   * request was sent, so the upstream may have processed it. Default 0.
   */
  estimatedInputTokens?: number;
  /** Cut the call when the upstream sends nothing for this long. Default STREAM_LIMITS.idleMs. */
  idleTimeoutMs?: number;
  /** Cut the call when it has run this long in all. Default STREAM_LIMITS.totalMs. */
  totalTimeoutMs?: number;
  /**
   * Request fields sent as they are, for the tenant API (tools, tool_choice, temperature,
   * top_p, top_k, stop_sequences, metadata, thinking): validated by its front door
   * (lib/gateway/messages-request.ts), never read here.
   */
  passthrough?: Readonly<Record<string, unknown>>;
  /**
   * Every stream event as it arrives, after it was metered (the tenant API forwards them).
   * Once one was delivered the call is no longer retried. If it throws, the call is aborted
   * like a client abort.
   */
  onEvent?: (event: RawMessageStreamEvent, raw?: string) => void;
  /**
   * false: one JSON response instead of a stream (the tenant API's non-streaming requests);
   * the whole message comes back on the result. Only the total timeout applies.
   */
  stream?: boolean;
}

/**
 * How long a stream may stay silent, and run in all, before it is cut (billed as estimated,
 * reported as an error). The sweeper (lib/ledger/sweeper.ts) treats a ledger row still in
 * flight after totalMs plus a margin as abandoned by a dead process.
 */
export const STREAM_LIMITS = { idleMs: env.STREAM_IDLE_TIMEOUT_MS, totalMs: env.STREAM_TOTAL_TIMEOUT_MS } as const;

export type TrackedStatus = "completed" | "aborted" | "error";

export interface TrackedResult {
  status: TrackedStatus;
  text: string;
  usage: TokenUsage;
  /** Some figure of `usage` is an estimate, not the upstream's report. */
  estimated: boolean;
  /** False when the call ended before the request was sent (nothing to bill). */
  sent: boolean;
  latencyMs: number;
  ttftMs: number | null;
  stopReason: string | null;
  /** The Anthropic error type (rate_limit_error, overloaded_error, api_error, ...), or connection_error / timeout_error. */
  errorType?: string;
  errorMessage?: string;
  upstreamRequestId?: string;
  /** `anthropic-ratelimit-*` response headers, for the account-headroom monitor. */
  rateLimitHeaders: Record<string, string>;
  /** From `retry-after` on 429/529, for the scheduler's back-off. */
  retryAfterMs?: number;
  /** The upstream's whole message, for a non-streaming call that completed. */
  message?: Message;
  /** That message's JSON as the upstream sent it (direct transport only), to forward unchanged. */
  messageJson?: string;
  /** Some event reached onEvent's consumer: a retry would show it twice. */
  delivered?: boolean;
}

/** Sent on every call: lets the simulator's log (and isolation tests) attribute requests. */
export const TENANT_HEADER = "x-bulkhead-tenant";
/** The ledger's request id (one per attempt): reconciliation matches the simulator's log to events by it. */
export const REQUEST_HEADER = "x-bulkhead-request";

const STATUS_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

interface Progress {
  text: string;
  usage: TokenUsage;
  /** output_tokens from message_start (usually 1) or the latest message_delta. */
  reportedOutputTokens: number;
  sawMessageStart: boolean;
  /** The final output count arrived (message_delta): output is exact from here on. */
  sawMessageDelta: boolean;
  sawMessageStop: boolean;
  stopReason: string | null;
  firstTextAt: number | null;
  /** Characters of non-text output so far (tool input JSON, thinking), for estimates. */
  otherOutputChars: number;
  delivered: boolean;
}

export async function trackedStream(params: TrackedStreamParams): Promise<TrackedResult> {
  const startedAt = performance.now();
  const progress: Progress = {
    text: "",
    usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    reportedOutputTokens: 0,
    sawMessageStart: false,
    sawMessageDelta: false,
    sawMessageStop: false,
    stopReason: null,
    firstTextAt: null,
    otherOutputChars: 0,
    delivered: false,
  };
  let rateLimitHeaders: Record<string, string> = {};
  let upstreamRequestId: string | undefined;
  let sent = false;

  // Our own controller: aborted by the caller's signal, by a failing onText consumer, or by
  // the idle and total timers (then `timedOut` says which).
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(params.signal?.reason);
  if (params.signal?.aborted) onCallerAbort();
  else params.signal?.addEventListener("abort", onCallerAbort, { once: true });
  let timedOut: "idle" | "total" | null = null;
  const cut = (which: "idle" | "total") => {
    timedOut ??= which;
    controller.abort(new Error(`stream ${which} timeout`));
  };
  const totalMs = params.totalTimeoutMs ?? STREAM_LIMITS.totalMs;
  // A JSON response is silent until it is whole: only the total limit applies to it.
  const idleMs = params.stream === false ? totalMs : (params.idleTimeoutMs ?? STREAM_LIMITS.idleMs);
  const totalTimer = setTimeout(() => cut("total"), totalMs);
  const idleTimer = setTimeout(() => cut("idle"), idleMs);
  // Every event restarts the idle clock; refresh() reuses the timer (no allocation per delta).
  const heardFromUpstream = () => void idleTimer.refresh();

  const finish = (status: TrackedStatus, extra: Partial<TrackedResult> = {}): TrackedResult => ({
    status,
    text: progress.text,
    usage: { ...progress.usage },
    estimated: false,
    sent,
    latencyMs: Math.round(performance.now() - startedAt),
    ttftMs: progress.firstTextAt === null ? null : Math.round(progress.firstTextAt - startedAt),
    stopReason: progress.stopReason,
    rateLimitHeaders,
    ...(upstreamRequestId ? { upstreamRequestId } : {}),
    ...(progress.delivered ? { delivered: true } : {}),
    ...extra,
  });

  try {
    if (controller.signal.aborted) return finish("aborted");
    const client = params.client ?? (await getClaudeClient());
    if (controller.signal.aborted) return finish("aborted");
    sent = true;
    const body = {
      ...params.passthrough,
      model: params.model,
      max_tokens: params.maxTokens,
      system: params.system,
      messages: params.messages,
    } as MessageCreateParamsBase;
    const direct = directEndpointOf(client);
    if (direct) {
      // The app's own client: straight on node:http (lib/llm/direct-messages.ts), bytes forwarded as they came.
      const headers = { [TENANT_HEADER]: params.tenantId, [REQUEST_HEADER]: params.requestId, ...params.headers };
      const streamed = params.stream !== false;
      const res = await postMessages(direct, JSON.stringify(streamed ? { ...body, stream: true } : body), headers, controller.signal);
      rateLimitHeaders = rateLimitHeadersOf(res.headers);
      const rid = res.headers["request-id"];
      upstreamRequestId = typeof rid === "string" ? rid : undefined;
      if (res.statusCode !== 200) {
        const text = await readText(res);
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: the SDK keeps the text as the error too
        }
        throw APIError.generate(res.statusCode, parsed as object, undefined, toHeaders(res.headers));
      }
      if (!streamed) {
        const messageJson = await readText(res);
        const message = JSON.parse(messageJson) as Message;
        applyMessage(progress, message);
        return finish("completed", { message, messageJson });
      }
      heardFromUpstream();
      await readSse(res, (sse) => {
        heardFromUpstream();
        if (sse.event === "ping" || sse.event === null) return true;
        if (sse.event === "error") {
          let parsed: unknown = sse.data;
          try {
            parsed = JSON.parse(sse.data);
          } catch {
            // kept as text, as the SDK keeps it
          }
          throw new APIError(undefined, parsed as object, undefined, toHeaders(res.headers), (parsed as { error?: { type?: string } })?.error?.type as never);
        }
        if (!sse.data) return true;
        const event = JSON.parse(sse.data) as RawMessageStreamEvent;
        applyEvent(progress, event, params.onText, controller);
        if (params.onEvent && !controller.signal.aborted) deliver(progress, event, params.onEvent, controller, sse.data);
        return !controller.signal.aborted;
      });
      if (progress.sawMessageStop) return finish("completed");
      if (timedOut) return finish("error", { ...partialUsage(progress, params), ...timeoutError(timedOut) });
      if (controller.signal.aborted) return finish("aborted", partialUsage(progress, params));
      return finish("error", { ...partialUsage(progress, params), errorType: "connection_error", errorMessage: "The stream ended before message_stop." });
    }
    const options = { signal: controller.signal, headers: { [TENANT_HEADER]: params.tenantId, [REQUEST_HEADER]: params.requestId, ...params.headers } };
    if (params.stream === false) {
      const { data: message, response } = await client.messages.create({ ...body, stream: false }, options).withResponse();
      rateLimitHeaders = pickRateLimitHeaders(response.headers);
      upstreamRequestId = response.headers.get("request-id") ?? undefined;
      applyMessage(progress, message);
      return finish("completed", { message });
    }
    const { data: stream, response } = await client.messages.create({ ...body, stream: true }, options).withResponse();
    rateLimitHeaders = pickRateLimitHeaders(response.headers);
    upstreamRequestId = response.headers.get("request-id") ?? undefined;
    heardFromUpstream();

    for await (const event of stream) {
      heardFromUpstream();
      applyEvent(progress, event, params.onText, controller);
      if (params.onEvent && !controller.signal.aborted) deliver(progress, event, params.onEvent, controller);
    }
    // A full message counts as completed even if an abort raced its last event.
    if (progress.sawMessageStop) return finish("completed");
    if (timedOut) return finish("error", { ...partialUsage(progress, params), ...timeoutError(timedOut) });
    // The SDK ends iteration quietly when the request is aborted.
    if (controller.signal.aborted) return finish("aborted", partialUsage(progress, params));
    return finish("error", {
      ...partialUsage(progress, params),
      errorType: "connection_error",
      errorMessage: "The stream ended before message_stop.",
    });
  } catch (error) {
    if (timedOut) return finish("error", { ...partialUsage(progress, params), ...timeoutError(timedOut) });
    if (controller.signal.aborted) return finish("aborted", partialUsage(progress, params));
    // An HTTP error's own headers: the account limits and request id still matter.
    const described = describeError(error, (headers) => {
      rateLimitHeaders = { ...rateLimitHeaders, ...pickRateLimitHeaders(headers) };
      upstreamRequestId ??= headers.get("request-id") ?? undefined;
    });
    // An error status before any stream (429, 529, 4xx) is not billed by the API; a stream
    // that broke after it started is billed for what it had produced.
    return finish("error", { ...(progress.sawMessageStart ? partialUsage(progress, params) : {}), ...described });
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(totalTimer);
    params.signal?.removeEventListener("abort", onCallerAbort);
  }
}

function timeoutError(which: "idle" | "total"): Pick<TrackedResult, "errorType" | "errorMessage"> {
  return {
    errorType: "timeout_error",
    errorMessage: which === "idle" ? "The upstream sent nothing for too long; the stream was cut." : "The stream ran past its time limit and was cut.",
  };
}

function applyEvent(progress: Progress, event: RawMessageStreamEvent, onText: TrackedStreamParams["onText"], controller: AbortController): void {
  switch (event.type) {
    case "message_start": {
      progress.sawMessageStart = true;
      applyMessageUsage(progress, event.message.usage);
      return;
    }
    case "content_block_delta": {
      if (event.delta.type === "input_json_delta") progress.otherOutputChars += event.delta.partial_json.length;
      else if (event.delta.type === "thinking_delta") progress.otherOutputChars += event.delta.thinking.length;
      if (event.delta.type !== "text_delta") return;
      progress.firstTextAt ??= performance.now();
      progress.text += event.delta.text;
      if (onText) {
        try {
          onText(event.delta.text);
        } catch (error) {
          // The consumer (e.g. the browser's stream) is gone: stop paying for tokens nobody reads.
          controller.abort(error);
        }
      }
      return;
    }
    case "message_delta": {
      // Cumulative totals: overwrite, never add. A field that is absent or null is unchanged
      // (the documented shape carries only output_tokens).
      const usage = (event.usage ?? {}) as unknown as WireUsage;
      progress.stopReason = event.delta?.stop_reason ?? progress.stopReason;
      const output = count(usage.output_tokens);
      if (output !== undefined) {
        progress.reportedOutputTokens = output;
        progress.usage.outputTokens = output;
        progress.sawMessageDelta = true;
      }
      progress.usage.inputTokens = count(usage.input_tokens) ?? progress.usage.inputTokens;
      progress.usage.cacheWriteTokens = count(usage.cache_creation_input_tokens) ?? progress.usage.cacheWriteTokens;
      progress.usage.cacheReadTokens = count(usage.cache_read_input_tokens) ?? progress.usage.cacheReadTokens;
      progress.usage.cacheWrite1hTokens = Math.min(progress.usage.cacheWrite1hTokens, progress.usage.cacheWriteTokens);
      return;
    }
    case "message_stop":
      progress.sawMessageStop = true;
      return;
    default:
      return;
  }
}

function deliver(progress: Progress, event: RawMessageStreamEvent, onEvent: NonNullable<TrackedStreamParams["onEvent"]>, controller: AbortController, raw?: string): void {
  progress.delivered = true;
  try {
    onEvent(event, raw);
  } catch (error) {
    controller.abort(error);
  }
}

/** A whole (non-streaming) message: its usage is final, as message_delta's would be. */
function applyMessage(progress: Progress, message: Message): void {
  progress.sawMessageStart = progress.sawMessageDelta = progress.sawMessageStop = true;
  progress.firstTextAt = performance.now();
  applyMessageUsage(progress, message.usage);
  progress.stopReason = message.stop_reason ?? null;
  for (const block of message.content ?? []) if (block.type === "text") progress.text += block.text;
}

/**
 * A message's usage (message_start's, or a whole JSON message's): absent and null alike (as
 * the SDK's own accumulator treats them); unknown fields ignored.
 */
function applyMessageUsage(progress: Progress, wire: Message["usage"] | null | undefined): void {
  const usage = (wire ?? {}) as unknown as WireUsage;
  progress.usage.inputTokens = count(usage.input_tokens) ?? 0;
  progress.usage.cacheWriteTokens = count(usage.cache_creation_input_tokens) ?? 0;
  const creation = usage.cache_creation as { ephemeral_1h_input_tokens?: unknown } | null | undefined;
  progress.usage.cacheWrite1hTokens = Math.min(count(creation?.ephemeral_1h_input_tokens) ?? 0, progress.usage.cacheWriteTokens);
  progress.usage.cacheReadTokens = count(usage.cache_read_input_tokens) ?? 0;
  progress.reportedOutputTokens = count(usage.output_tokens) ?? 0;
  progress.usage.outputTokens = progress.reportedOutputTokens;
}

/** A usage object as it arrives: any field may be absent, null, or new to the SDK. */
type WireUsage = { readonly [field: string]: unknown };

/** A token count from the wire: a finite non-negative number, else undefined (absent, null, junk). */
function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/**
 * A call cut short after it was sent (client abort, timeout, a stream that broke), billed
 * honestly and flagged as an estimate:
 * - input: what message_start reported; before it, the caller's estimate of the input
 *   (the request was sent, so the upstream may have processed it);
 * - output: exact once message_delta reported it; otherwise the larger of the last reported
 *   count and an estimate from the text received. Still a lower bound: tokens generated
 *   after we hung up are billed by Anthropic but unknown to us.
 */
function partialUsage(progress: Progress, params: Pick<TrackedStreamParams, "estimatedInputTokens">): Pick<TrackedResult, "usage" | "estimated"> {
  if (progress.sawMessageDelta) return { usage: { ...progress.usage }, estimated: false };
  const output = Math.max(progress.reportedOutputTokens, estimateTextTokens(progress.text) + Math.ceil(progress.otherOutputChars / 4));
  if (!progress.sawMessageStart) {
    return { usage: { ...progress.usage, inputTokens: params.estimatedInputTokens ?? 0, outputTokens: output }, estimated: true };
  }
  return { usage: { ...progress.usage, outputTokens: output }, estimated: true };
}

function describeError(error: unknown, withHeaders: (headers: Headers) => void): Pick<TrackedResult, "errorType" | "errorMessage" | "retryAfterMs"> {
  if (error instanceof APIConnectionTimeoutError) return { errorType: "timeout_error", errorMessage: error.message };
  if (error instanceof APIError) {
    if (error.headers) withHeaders(error.headers);
    // No status and no body: the SDK's connection error (refused, reset, DNS).
    if (error.status === undefined && error.type === null) return { errorType: "connection_error", errorMessage: error.message };
    const errorType = error.type ?? STATUS_ERROR_TYPES[error.status ?? 0] ?? (error.status && error.status >= 500 ? "api_error" : "invalid_request_error");
    const retryAfterMs = error.headers ? parseRetryAfter(error.headers) : undefined;
    return { errorType, errorMessage: error.apiMessage ?? error.message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // Anything else (a JSON parse failure of a corrupt event, a network stack error): the
  // connection did not deliver a valid response.
  return { errorType: "connection_error", errorMessage: error instanceof Error ? error.message : String(error) };
}

export function pickRateLimitHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith("anthropic-ratelimit-")) out[name.toLowerCase()] = value;
  });
  return out;
}

/** `retry-after-ms` (SDK convention) or `retry-after` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
