import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { env } from "@/lib/env";
import type { EmbeddingProvider } from "@/lib/knowledge/embeddings";
import { parseRetryAfter } from "@/lib/llm/tracked-call";

/**
 * Voyage AI text embeddings behind `EmbeddingProvider`: `POST {baseUrl}/v1/embeddings`
 * (https://docs.voyageai.com/reference/embeddings-api). Batches go one after another, in
 * input order: Voyage's limits are per minute, and an ingestion job is not latency-bound.
 */
export const VOYAGE_POLICY = {
  baseUrl: "https://api.voyageai.com",
  model: "voyage-3.5",
  /** voyage-3.5 answers 256, 512, 1024 (its default) or 2048. */
  dimensions: 1024,
  /**
   * Voyage takes up to 1,000 texts and 320K tokens (voyage-3.5) a request; 128 chunks of at
   * most 350 tokens (lib/knowledge/chunk.ts) stay far below the token cap.
   */
  batchSize: 128,
  timeoutMs: 30_000,
  maxAttempts: 4,
  /** Full-jitter exponential backoff when Voyage does not say when to come back. */
  backoffBaseMs: 500,
  backoffCapMs: 8_000,
  /** A longer `retry-after` is waited only this long. */
  retryAfterCapMs: 30_000,
  /**
   * A query is embedded inside a chat turn or a search request, which waits for it: at most
   * two attempts, each cut after 3 s, the retry after at most 250 ms (a longer retry-after
   * gives up at once). Search then runs full-text only (lib/knowledge/embeddings.ts).
   */
  query: { maxAttempts: 2, timeoutMs: 3_000, retryDelayCapMs: 250 },
  /** Of Voyage's error text, what an error message keeps. */
  detailMaxChars: 300,
} as const;

export interface VoyageOptions {
  apiKey: string;
  /** Without `/v1`; a Voyage-compatible server (tests) or the default. */
  baseUrl?: string;
  model?: string;
  dimensions?: number;
  timeoutMs?: number;
  maxAttempts?: number;
}

type InputType = Parameters<EmbeddingProvider["embed"]>[1];

type Attempt = { ok: true; body: unknown } | { ok: false; reason: string; retryable: boolean; retryAfterMs?: number };

const errorBodySchema = z.object({ detail: z.string().min(1) });

export function voyageEmbeddingProvider(options: VoyageOptions): EmbeddingProvider {
  const { apiKey } = options;
  const url = `${(options.baseUrl ?? VOYAGE_POLICY.baseUrl).replace(/\/+$/, "")}/v1/embeddings`;
  const model = options.model ?? VOYAGE_POLICY.model;
  const dimensions = options.dimensions ?? VOYAGE_POLICY.dimensions;
  const timeoutMs = options.timeoutMs ?? VOYAGE_POLICY.timeoutMs;
  const maxAttempts = options.maxAttempts ?? VOYAGE_POLICY.maxAttempts;

  const responseSchema = z.object({
    data: z.array(
      z.object({
        index: z.number().int().nonnegative(),
        embedding: z.array(z.number()).length(dimensions, { error: `expected ${dimensions} numbers (model ${model})` }),
      }),
    ),
  });

  // Voyage's error text is echoed into messages; should it ever quote the key, it goes no further.
  const redact = (text: string): string => (apiKey === "" ? text : text.split(apiKey).join("[redacted]"));
  const fail = (message: string): Error => new Error(redact(message));

  async function postOnce(input: string[], inputType: InputType, timeoutMs: number): Promise<Attempt> {
    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ input, model, input_type: inputType, output_dimension: dimensions }),
        // Covers the body too: a server that stalls mid-response is cut like one that never answers.
        signal: AbortSignal.timeout(timeoutMs),
      });
      ({ status, headers } = response);
      text = await response.text();
    } catch (error) {
      return { ok: false, retryable: true, reason: describeFetchError(error, timeoutMs) };
    }
    if (status >= 200 && status < 300) {
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        return { ok: false, retryable: false, reason: `HTTP ${status} with a body that is not JSON` };
      }
    }
    return {
      ok: false,
      retryable: status === 429 || status >= 500,
      retryAfterMs: parseRetryAfter(headers),
      reason: `HTTP ${status}: ${errorDetail(redact(text))}`,
    };
  }

  async function embedBatch(input: string[], inputType: InputType): Promise<number[][]> {
    const query = inputType === "query";
    const attempts = query ? Math.min(maxAttempts, VOYAGE_POLICY.query.maxAttempts) : maxAttempts;
    const timeout = query ? Math.min(timeoutMs, VOYAGE_POLICY.query.timeoutMs) : timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const result = await postOnce(input, inputType, timeout);
      if (result.ok) return orderedVectors(result.body, input.length);
      const delay = result.retryable ? retryDelayMs(attempt, result.retryAfterMs) : 0;
      const toldToWait = query && result.retryAfterMs !== undefined && result.retryAfterMs > VOYAGE_POLICY.query.retryDelayCapMs;
      if (!result.retryable || attempt >= attempts || toldToWait) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        throw fail(`Voyage embeddings failed${tries}: ${result.reason}`);
      }
      await sleep(query ? Math.min(delay, VOYAGE_POLICY.query.retryDelayCapMs) : delay);
    }
  }

  function orderedVectors(body: unknown, count: number): number[][] {
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw fail(`Voyage embeddings: unexpected response (${issue?.path.join(".")}: ${issue?.message})`);
    }
    // Voyage numbers each vector by its input's position; the array order is not the contract.
    const data = [...parsed.data.data].sort((a, b) => a.index - b.index);
    if (data.length !== count || data.some((item, i) => item.index !== i)) {
      throw fail(`Voyage embeddings: unexpected response (${data.length} vectors for ${count} texts, or indices not 0..${count - 1})`);
    }
    return data.map((item) => item.embedding);
  }

  return {
    model,
    dimensions,
    async embed(texts, inputType) {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += VOYAGE_POLICY.batchSize) {
        vectors.push(...(await embedBatch(texts.slice(start, start + VOYAGE_POLICY.batchSize), inputType)));
      }
      return vectors;
    },
  };
}

/** The provider `VOYAGE_API_KEY` (with `VOYAGE_BASE_URL`, `VOYAGE_MODEL`) configures, or null without a key. */
export function voyageProviderFromEnv(): EmbeddingProvider | null {
  if (!env.VOYAGE_API_KEY) return null;
  return voyageEmbeddingProvider({ apiKey: env.VOYAGE_API_KEY, baseUrl: env.VOYAGE_BASE_URL, model: env.VOYAGE_MODEL });
}

/** `attempt` counts attempts made so far (1 after the first). */
function retryDelayMs(attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, VOYAGE_POLICY.retryAfterCapMs);
  const ceiling = Math.min(VOYAGE_POLICY.backoffCapMs, VOYAGE_POLICY.backoffBaseMs * 2 ** (attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

/** Voyage answers errors as `{ "detail": "…" }`; anything else is shown as sent, shortened. */
function errorDetail(text: string): string {
  let detail = text.trim() || "(empty body)";
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) detail = parsed.data.detail;
  } catch {
    // not JSON: the text itself
  }
  return detail.slice(0, VOYAGE_POLICY.detailMaxChars);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no response within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = cause instanceof Error && "code" in cause ? String(cause.code) : undefined;
  return `network error (${code ?? (error instanceof Error ? error.message : String(error))})`;
}
