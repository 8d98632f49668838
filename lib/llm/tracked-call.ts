import type Anthropic from "@anthropic-ai/sdk";
import { APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import type { MessageParam, RawMessageStreamEvent, TextBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { getClaudeClient } from "@/lib/llm/anthropic-client";
import type { TokenUsage } from "@/lib/llm/pricing";
import { estimateTextTokens } from "@/lib/llm/simulator/tokens";

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
}

export type TrackedStatus = "completed" | "aborted" | "error";

export interface TrackedResult {
  status: TrackedStatus;
  text: string;
  usage: TokenUsage;
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
}

/** Sent on every call: lets the simulator's log (and isolation tests) attribute requests. */
export const TENANT_HEADER = "x-bulkhead-tenant";

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
  sawMessageStop: boolean;
  stopReason: string | null;
  firstTextAt: number | null;
}

export async function trackedStream(params: TrackedStreamParams): Promise<TrackedResult> {
  const startedAt = performance.now();
  const progress: Progress = {
    text: "",
    usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
    reportedOutputTokens: 0,
    sawMessageStop: false,
    stopReason: null,
    firstTextAt: null,
  };
  let rateLimitHeaders: Record<string, string> = {};
  let upstreamRequestId: string | undefined;

  // Our own controller: aborted by the caller's signal, or by a failing onText consumer.
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(params.signal?.reason);
  if (params.signal?.aborted) onCallerAbort();
  else params.signal?.addEventListener("abort", onCallerAbort, { once: true });

  const finish = (status: TrackedStatus, extra: Partial<TrackedResult> = {}): TrackedResult => ({
    status,
    text: progress.text,
    usage: { ...progress.usage },
    latencyMs: Math.round(performance.now() - startedAt),
    ttftMs: progress.firstTextAt === null ? null : Math.round(progress.firstTextAt - startedAt),
    stopReason: progress.stopReason,
    rateLimitHeaders,
    ...(upstreamRequestId ? { upstreamRequestId } : {}),
    ...extra,
  });

  try {
    if (controller.signal.aborted) return finish("aborted");
    const client = params.client ?? (await getClaudeClient());
    const { data: stream, response } = await client.messages
      .create(
        {
          model: params.model,
          max_tokens: params.maxTokens,
          system: params.system,
          messages: params.messages,
          stream: true,
        },
        { signal: controller.signal, headers: { [TENANT_HEADER]: params.tenantId, ...params.headers } },
      )
      .withResponse();
    rateLimitHeaders = pickRateLimitHeaders(response.headers);
    upstreamRequestId = response.headers.get("request-id") ?? undefined;

    for await (const event of stream) {
      applyEvent(progress, event, params.onText, controller);
    }
    // A full message counts as completed even if an abort raced its last event.
    if (progress.sawMessageStop) return finish("completed");
    // The SDK ends iteration quietly when the request is aborted.
    if (controller.signal.aborted) return finish("aborted", abortedUsage(progress));
    return finish("error", {
      ...failedUsage(progress),
      errorType: "connection_error",
      errorMessage: "The stream ended before message_stop.",
    });
  } catch (error) {
    if (controller.signal.aborted) return finish("aborted", abortedUsage(progress));
    // An HTTP error's own headers: the account limits and request id still matter.
    const described = describeError(error, (headers) => {
      rateLimitHeaders = { ...rateLimitHeaders, ...pickRateLimitHeaders(headers) };
      upstreamRequestId ??= headers.get("request-id") ?? undefined;
    });
    return finish("error", { ...failedUsage(progress), ...described });
  } finally {
    params.signal?.removeEventListener("abort", onCallerAbort);
  }
}

function applyEvent(progress: Progress, event: RawMessageStreamEvent, onText: TrackedStreamParams["onText"], controller: AbortController): void {
  switch (event.type) {
    case "message_start": {
      const usage = event.message.usage;
      progress.usage.inputTokens = usage.input_tokens;
      progress.usage.cacheWriteTokens = usage.cache_creation_input_tokens ?? 0;
      progress.usage.cacheWrite1hTokens = Math.min(usage.cache_creation?.ephemeral_1h_input_tokens ?? 0, progress.usage.cacheWriteTokens);
      progress.usage.cacheReadTokens = usage.cache_read_input_tokens ?? 0;
      progress.reportedOutputTokens = usage.output_tokens;
      progress.usage.outputTokens = usage.output_tokens;
      return;
    }
    case "content_block_delta": {
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
      // Cumulative totals: overwrite, never add. Input fields are null when unchanged.
      const usage = event.usage;
      progress.stopReason = event.delta.stop_reason ?? progress.stopReason;
      progress.reportedOutputTokens = usage.output_tokens;
      progress.usage.outputTokens = usage.output_tokens;
      if (usage.input_tokens !== null) progress.usage.inputTokens = usage.input_tokens;
      if (usage.cache_creation_input_tokens !== null) progress.usage.cacheWriteTokens = usage.cache_creation_input_tokens;
      if (usage.cache_read_input_tokens !== null) progress.usage.cacheReadTokens = usage.cache_read_input_tokens;
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

/**
 * Abort accounting. Input (and cache) tokens are what message_start reported, or 0 if the
 * abort came before it (nothing is known then). Output tokens: the API reports them only in
 * message_delta, at the end, so an aborted stream has normally not seen one. We bill the
 * larger of the last reported count and an estimate from the text received so far, with the
 * same chars/4 estimator the simulator and quota use. This is a lower bound: tokens the model
 * generated after we hung up, or that were in flight, are billed by Anthropic but unknown to us.
 */
function abortedUsage(progress: Progress): Pick<TrackedResult, "usage"> {
  const estimate = estimateTextTokens(progress.text);
  return { usage: { ...progress.usage, outputTokens: Math.max(progress.reportedOutputTokens, estimate) } };
}

/** A failed call bills no output; input stays as message_start reported it (0 if it never started). */
function failedUsage(progress: Progress): Pick<TrackedResult, "usage"> {
  return { usage: { ...progress.usage, outputTokens: 0 } };
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
