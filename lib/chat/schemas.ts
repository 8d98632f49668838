import "@/lib/zod-jitless";
import { z } from "zod";
import { MAX_MESSAGE_CHARS } from "@/lib/chat/limits";

/**
 * POST /api/w/[slug]/chat: a new message, or `retry` to answer the last user message again;
 * `retry` with `escalate` answers it on the tier above the last answer's (issue 14).
 */
export const chatRequestSchema = z
  .object({
    conversationId: z.uuid({ error: "conversationId must be a conversation id." }).optional(),
    message: z
      .string({ error: "message must be text." })
      .max(MAX_MESSAGE_CHARS, `Messages can be at most ${MAX_MESSAGE_CHARS.toLocaleString("en-US")} characters.`)
      // PostgreSQL text cannot hold NUL: refused here, before anything is reserved or written.
      .refine((text) => !text.includes("\u0000"), "Messages cannot contain NUL characters.")
      .optional(),
    retry: z.boolean().optional(),
    escalate: z.boolean().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.escalate && !value.retry) ctx.addIssue({ code: "custom", path: ["escalate"], message: "Escalate regenerates the last answer: send it with retry." });
    if (value.retry) {
      if (!value.conversationId) ctx.addIssue({ code: "custom", path: ["conversationId"], message: "Retry needs the conversation to retry in." });
      if (value.message !== undefined) ctx.addIssue({ code: "custom", path: ["message"], message: "Retry answers the last message again; do not send a new one." });
    } else if (value.message === undefined || value.message.trim().length === 0) {
      ctx.addIssue({ code: "custom", path: ["message"], message: "Type a message first." });
    }
  });

export type ChatRequest = z.infer<typeof chatRequestSchema>;
