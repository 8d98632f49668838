import "@/lib/zod-jitless";
import { z } from "zod";

/**
 * What the tenant API accepts on POST /v1/messages and /v1/messages/count_tokens: the
 * Messages API's request, checked as strictly as the API checks it, so a caller's mistake
 * gets the same 400 here as it would there and nothing is reserved for it.
 *
 * Unknown fields: refused with a 400 naming the field, as the Messages API does ("Extra
 * inputs are not permitted"). A field Bulkhead does not forward must not be silently
 * dropped: a caller who sends `service_tier`, `speed`, `inference_geo` or `container` (they
 * change price or placement, which the platform decides) would otherwise believe it took
 * effect. The fields below are forwarded as they are (PASSTHROUGH_FIELDS), except `model`
 * (resolved within the plan), `max_tokens` (capped by the plan) and `system` (placed after
 * the platform rules and the tenant configuration).
 *
 * Content blocks are checked for their type and, for text, a non-empty string; the rest of
 * a block (images, documents, tool_use, tool_result, thinking) is the upstream's to judge.
 */
const cacheControl = z.strictObject({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() });

const textBlock = z.object({
  type: z.literal("text"),
  text: z.string().min(1, "text content blocks must be non-empty"),
  cache_control: cacheControl.nullish(),
  citations: z.array(z.unknown()).nullish(),
});

const BLOCK_TYPES = [
  "text", "image", "document", "search_result", "tool_use", "tool_result", "server_tool_use", "web_search_tool_result",
  "thinking", "redacted_thinking", "container_upload",
] as const;

const contentBlock = z
  .object({ type: z.enum(BLOCK_TYPES, { error: (issue) => `unknown content block type ${JSON.stringify(issue.input)}` }) })
  .loose()
  .superRefine((block, ctx) => {
    if (block.type !== "text") return;
    const parsed = textBlock.safeParse(block);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", path: issue.path, message: issue.message });
  });

const messageParam = z.strictObject({
  role: z.enum(["user", "assistant"], { error: "role must be \"user\" or \"assistant\"" }),
  content: z.union([z.string().min(1, "content must be non-empty"), z.array(contentBlock).min(1, "content must be non-empty")]),
});

const promptFields = {
  model: z.string({ error: "model: Field required" }).min(1, "model: Field required").max(200),
  messages: z.array(messageParam, { error: "messages: Field required" }).min(1, "at least one message is required").max(10_000),
  system: z.union([z.string(), z.array(textBlock).max(100)]).nullish(),
  tools: z.array(z.object({ name: z.string().min(1).max(128) }).loose()).max(500).nullish(),
  tool_choice: z.object({ type: z.enum(["auto", "any", "tool", "none"]) }).loose().nullish(),
  thinking: z.object({ type: z.enum(["enabled", "disabled", "adaptive"]) }).loose().nullish(),
};

export const messagesRequestSchema = z.strictObject({
  ...promptFields,
  max_tokens: z.number({ error: "max_tokens: Field required" }).int("max_tokens must be an integer").min(1, "max_tokens must be at least 1"),
  stream: z.boolean().nullish(),
  stop_sequences: z.array(z.string().min(1)).max(8_191).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  metadata: z.strictObject({ user_id: z.string().max(256).nullish() }).nullish(),
  output_config: z.object({}).loose().nullish(),
  cache_control: cacheControl.nullish(),
});

export const countTokensRequestSchema = z.strictObject(promptFields);

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

/** Forwarded to the upstream as they are, when present. */
export const PASSTHROUGH_FIELDS = [
  "tools", "tool_choice", "thinking", "stop_sequences", "temperature", "top_p", "top_k", "metadata", "output_config", "cache_control",
] as const;

export function passthroughOf(request: Partial<Record<(typeof PASSTHROUGH_FIELDS)[number], unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of PASSTHROUGH_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null) out[field] = value;
  }
  return out;
}

/** The first problem, worded like the Messages API's errors: `field.path: message`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "Invalid request.";
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? `${issue.path.join(".")}.` : "";
    return issue.keys.map((k) => `${where}${k}: Extra inputs are not permitted`).join("; ");
  }
  const path = issue.path.join(".");
  if (issue.message.includes(":") || path === "") return issue.message;
  return `${path}: ${issue.message}`;
}
