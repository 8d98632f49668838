import { z } from "zod";

/**
 * What the simulator accepts on /v1/messages and /v1/messages/count_tokens. It checks what
 * the real API rejects most often (missing fields, bad roles, empty text) and lets every
 * other field through, so new SDK parameters do not break the simulator.
 */
const cacheControl = z.object({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() }).loose();

const textBlock = z
  .object({
    type: z.literal("text"),
    text: z.string().min(1, "text content blocks must be non-empty"),
    cache_control: cacheControl.nullish(),
  })
  .loose();

// Images, documents, tool_use, tool_result...: opaque, except that text blocks need text.
const contentBlock = z
  .object({ type: z.string().min(1), cache_control: cacheControl.nullish() })
  .loose()
  .superRefine((block, ctx) => {
    if (block.type !== "text") return;
    if (typeof block.text !== "string") ctx.addIssue({ code: "custom", path: ["text"], message: "Field required" });
    else if (block.text === "") ctx.addIssue({ code: "custom", path: ["text"], message: "text content blocks must be non-empty" });
  });

const message = z.object({
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(contentBlock)]),
});

const promptFields = {
  model: z.string().min(1),
  system: z.union([z.string(), z.array(textBlock)]).nullish(),
  messages: z.array(message).min(1, "at least one message is required"),
  tools: z.array(z.object({ cache_control: cacheControl.nullish() }).loose()).nullish(),
};

export const createMessageSchema = z
  .object({
    ...promptFields,
    max_tokens: z.number().int().min(1),
    stream: z.boolean().nullish(),
    stop_sequences: z.array(z.string().min(1)).nullish(),
    temperature: z.number().min(0).max(1).nullish(),
    metadata: z.object({ user_id: z.string().nullish() }).loose().nullish(),
  })
  .loose();

export const countTokensSchema = z.object(promptFields).loose();

export type CreateMessageRequest = z.infer<typeof createMessageSchema>;
export type CountTokensRequest = z.infer<typeof countTokensSchema>;

export interface FlatMessage {
  role: string;
  text: string;
}

export interface FlatPrompt {
  system: string;
  messages: FlatMessage[];
}

/** Text-only view of a prompt, for the reply seed, fault markers, echo and the log. */
export function flattenPrompt(request: CountTokensRequest): FlatPrompt {
  return {
    system: flattenContent(request.system ?? ""),
    messages: request.messages.map((m) => ({ role: m.role, text: flattenContent(m.content) })),
  };
}

function flattenContent(content: string | ReadonlyArray<{ type: string }>): string {
  if (typeof content === "string") return content;
  const parts: string[] = [];
  for (const block of content) {
    if ("text" in block && typeof block.text === "string") parts.push(block.text);
    else parts.push(`[${block.type}]`);
  }
  return parts.join("\n");
}

export function lastUserText(prompt: FlatPrompt): string {
  for (let i = prompt.messages.length - 1; i >= 0; i--) {
    const m = prompt.messages[i];
    if (m && m.role === "user") return m.text;
  }
  return "";
}

/** The real API names the field first: "messages.0.role: Input should be ...". */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request body";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
