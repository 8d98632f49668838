import { z } from "zod";
import { parseChatStream } from "@/components/chat/ndjson";
import type { ChatStreamEvent } from "@/lib/pipeline/chat-events";
import type { ConversationSummary, ConversationWithMessages } from "@/lib/chat/types";

/** A failed API call, from the one error envelope (or made up for network failures). */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  fields?: Record<string, string[]>;
  limit?: string;
  retryAfterSeconds?: number;
}

const envelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
    limit: z.string().optional(),
    retryAfterSeconds: z.number().nonnegative().optional(),
  }),
});

const NETWORK_ERROR: Omit<ApiError, "status"> = {
  code: "network_error",
  message: "Couldn’t reach Bulkhead. Check your connection and try again.",
};

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfterHeader(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

async function readApiError(res: Response): Promise<ApiError> {
  const headerRetry = parseRetryAfterHeader(res.headers.get("retry-after"));
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's HTML error page): fall through to the generic message.
  }
  const parsed = envelopeSchema.safeParse(body);
  if (parsed.success) {
    const e = parsed.data.error;
    return { status: res.status, ...e, retryAfterSeconds: e.retryAfterSeconds ?? headerRetry };
  }
  return {
    status: res.status,
    code: res.status === 429 ? "rate_limited" : "http_error",
    message: res.status >= 500 ? "The server had a problem. Please try again." : `The request failed (HTTP ${res.status}).`,
    retryAfterSeconds: headerRetry,
  };
}

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export async function requestJson<T>(input: string, init: RequestInit, read: (res: Response) => Promise<T>): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(input, { ...init, headers: { accept: "application/json", ...init.headers }, cache: "no-store" });
  } catch (error) {
    if (isAbortError(error)) throw error;
    return { ok: false, error: { status: 0, ...NETWORK_ERROR } };
  }
  if (!res.ok) return { ok: false, error: await readApiError(res) };
  return { ok: true, data: await read(res) };
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

const base = (slug: string) => `/api/w/${encodeURIComponent(slug)}`;

export function fetchConversations(slug: string): Promise<ApiResult<ConversationSummary[]>> {
  return requestJson(`${base(slug)}/conversations`, {}, async (res) => ((await res.json()) as { conversations: ConversationSummary[] }).conversations);
}

export function fetchConversation(slug: string, id: string, signal?: AbortSignal): Promise<ApiResult<ConversationWithMessages>> {
  return requestJson(`${base(slug)}/conversations/${encodeURIComponent(id)}`, { signal }, async (res) => (await res.json()) as ConversationWithMessages);
}

export function renameConversationRequest(slug: string, id: string, title: string): Promise<ApiResult<ConversationSummary>> {
  return requestJson(
    `${base(slug)}/conversations/${encodeURIComponent(id)}`,
    { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) },
    async (res) => ((await res.json()) as { conversation: ConversationSummary }).conversation,
  );
}

export function deleteConversationRequest(slug: string, id: string): Promise<ApiResult<null>> {
  return requestJson(`${base(slug)}/conversations/${encodeURIComponent(id)}`, { method: "DELETE" }, async () => null);
}

/** The chat endpoint's request body (see the contract in the chat route). */
export type ChatRequestBody = { conversationId?: string; message: string } | { conversationId: string; retry: true; escalate?: true };

/**
 * Starts a chat turn. Errors before streaming come back as `ok: false`; a 200 gives the
 * event stream. Aborting `signal` (Stop) rejects the pending read with an AbortError.
 */
export async function postChat(slug: string, body: ChatRequestBody, signal: AbortSignal): Promise<ApiResult<AsyncGenerator<ChatStreamEvent, void, undefined>>> {
  let res: Response;
  try {
    res = await fetch(`${base(slug)}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/x-ndjson, application/json" },
      body: JSON.stringify(body),
      signal,
      cache: "no-store",
    });
  } catch (error) {
    if (isAbortError(error)) throw error;
    return { ok: false, error: { status: 0, ...NETWORK_ERROR } };
  }
  if (!res.ok) return { ok: false, error: await readApiError(res) };
  const type = res.headers.get("content-type") ?? "";
  if (!res.body || !type.includes("ndjson")) {
    return { ok: false, error: { status: res.status, code: "bad_response", message: "The server sent an unexpected reply. Please try again." } };
  }
  return { ok: true, data: parseChatStream(res.body) };
}
