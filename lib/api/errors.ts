import { z } from "zod";

/**
 * One error class, one envelope `{ error: { code, message, ... } }`, one code→status table.
 * Unexpected errors become a generic 500; their detail stays in the server log.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  /** A free workspace's quota waits for an owner's verified email. */
  email_unverified: 403,
  not_found: 404,
  conflict: 409,
  length_required: 411,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  /** The screen step refused the message (prompt-injection policy "block"). */
  message_blocked: 422,
  rate_limited: 429,
  internal_error: 500,
  upstream_error: 502,
  upstream_unavailable: 503,
  limits_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: Record<string, string[]>; limit?: string; retryAfterSeconds?: number };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields?: Record<string, string[]>;
  readonly headers?: Record<string, string>;
  readonly extra?: { limit?: string; retryAfterSeconds?: number };

  constructor(
    code: ErrorCode,
    message: string,
    options: { fields?: Record<string, string[]>; headers?: Record<string, string>; extra?: { limit?: string; retryAfterSeconds?: number }; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.fields = options.fields;
    this.headers = options.headers;
    this.extra = options.extra;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}), ...this.extra } };
  }
}

export function notFound(what = "Not found"): AppError {
  return new AppError("not_found", what);
}

export function fromZodError(error: z.ZodError, message = "Some fields are invalid."): AppError {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  return new AppError("validation_failed", message, { fields });
}

/** Maps anything thrown to an AppError; unknown errors are logged and hidden. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  console.error("[bulkhead] unexpected error", error);
  return new AppError("internal_error", "Something went wrong on our side. Please try again.");
}

export function errorResponse(error: unknown): Response {
  const appError = toAppError(error);
  return Response.json(appError.toBody(), { status: appError.status, headers: appError.headers });
}
