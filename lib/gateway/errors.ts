import { AppError, type ErrorCode } from "@/lib/api/errors";

/**
 * The tenant API answers errors in the Messages API's envelope and status codes, so the
 * official SDKs raise their own classes (BadRequestError, AuthenticationError,
 * PermissionDeniedError, NotFoundError, RateLimitError, InternalServerError, …):
 *
 *   { "type": "error", "error": { "type": "<error type>", "message": "…" }, "request_id": "…" }
 *
 * Everything the pipeline throws is an AppError (one error class for the whole app); this
 * is the one place where its codes become Anthropic's types.
 */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const FROM_APP: Record<ErrorCode, { status: number; type: AnthropicErrorType }> = {
  bad_request: { status: 400, type: "invalid_request_error" },
  validation_failed: { status: 400, type: "invalid_request_error" },
  length_required: { status: 400, type: "invalid_request_error" },
  unsupported_media_type: { status: 400, type: "invalid_request_error" },
  conflict: { status: 400, type: "invalid_request_error" },
  // The screen step's block (issue 12): 422, as the chat answers it; the SDK raises UnprocessableEntityError.
  message_blocked: { status: 422, type: "invalid_request_error" },
  unauthorized: { status: 401, type: "authentication_error" },
  forbidden: { status: 403, type: "permission_error" },
  email_unverified: { status: 403, type: "permission_error" },
  not_found: { status: 404, type: "not_found_error" },
  payload_too_large: { status: 413, type: "request_too_large" },
  rate_limited: { status: 429, type: "rate_limit_error" },
  internal_error: { status: 500, type: "api_error" },
  upstream_error: { status: 502, type: "api_error" },
  upstream_unavailable: { status: 529, type: "overloaded_error" },
  limits_unavailable: { status: 529, type: "overloaded_error" },
};

export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof AppError) {
    const { status, type } = FROM_APP[error.code];
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(error.headers ?? {})) headers[name.toLowerCase()] = value;
    // The SDK reads retry-after (seconds) and retry-after-ms.
    const retryAfter = error.extra?.retryAfterSeconds;
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    if (error.extra?.limit) headers["x-bulkhead-limit"] = error.extra.limit;
    const message = error.extra?.limit ? `${error.message} (limit: ${error.extra.limit})` : error.message;
    return new GatewayError(status, type, message, headers);
  }
  console.error("[bulkhead] /v1 request failed", error);
  return new GatewayError(500, "api_error", "Internal server error.");
}

export function errorBody(error: GatewayError, requestId: string | null): string {
  return JSON.stringify({ type: "error", error: { type: error.type, message: error.message }, request_id: requestId });
}

/** An upstream failure, for a call that produced nothing the caller received. */
export function upstreamFailure(errorType: string | undefined, message: string | undefined, retryAfterMs?: number): GatewayError {
  const retry: Record<string, string> = retryAfterMs !== undefined ? { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } : {};
  switch (errorType) {
    case "invalid_request_error":
      // The upstream refused the request itself (a bad tool schema, an image it cannot read): the caller's to fix.
      return new GatewayError(400, "invalid_request_error", message ?? "The request was refused by the model.");
    case "rate_limit_error":
      return new GatewayError(429, "rate_limit_error", "Claude is at capacity for this platform right now. Retry shortly. (limit: upstream)", retry);
    case "overloaded_error":
      return new GatewayError(529, "overloaded_error", "Claude is overloaded right now. Retry shortly.", retry);
    case "timeout_error":
      return new GatewayError(504, "api_error", "Claude stopped responding before the reply was complete.");
    case "connection_error":
      return new GatewayError(502, "api_error", "Claude could not be reached.");
    default:
      return new GatewayError(502, "api_error", "Claude could not answer this request.");
  }
}
