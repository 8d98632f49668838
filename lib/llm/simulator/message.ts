import type { CacheUsage } from "./prompt-cache";
import type { LimitedReply } from "./reply";

/** The `usage` object of a Messages API response, field for field. */
export interface ApiUsage extends CacheUsage {
  output_tokens: number;
  service_tier: "standard";
}

export function apiUsage(cache: CacheUsage, outputTokens: number): ApiUsage {
  return {
    input_tokens: cache.input_tokens,
    cache_creation_input_tokens: cache.cache_creation_input_tokens,
    cache_read_input_tokens: cache.cache_read_input_tokens,
    cache_creation: cache.cache_creation,
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

/** The non-streaming response body. */
export function messageBody(id: string, model: string, reply: LimitedReply, usage: ApiUsage) {
  return {
    id,
    type: "message" as const,
    role: "assistant" as const,
    model,
    content: [{ type: "text" as const, text: reply.text }],
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    usage,
  };
}
