import "@/lib/zod-jitless";
import { z } from "zod";

/**
 * The events of POST /api/w/[slug]/chat (application/x-ndjson, one object per line):
 * start, then deltas, then exactly one of done or error. One schema for both ends: the
 * server's writer (lib/pipeline/chat-turn.ts) is typed by it and the browser's reader
 * (components/chat/ndjson.ts) parses with it. Objects are not strict, so the server may add
 * fields without breaking older clients. userMessageId is the id the user's message is
 * stored under (chosen before the call); null for a retry.
 */
const startEvent = z.object({
  type: z.literal("start"),
  conversationId: z.string().min(1),
  title: z.string(),
  userMessageId: z.string().min(1).nullable(),
  requestId: z.string(),
  model: z.string(),
  simulated: z.boolean(),
  /** The knowledge passages placed in this turn's context (issue 13): the reply's sources. */
  sources: z
    .array(z.object({ id: z.string(), documentId: z.string(), title: z.string(), section: z.string().nullable(), excerpt: z.string() }))
    .max(50)
    .optional(),
});

const deltaEvent = z.object({
  type: z.literal("delta"),
  text: z.string(),
});

const usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  // Micro-USD can pass 2^53 only in theory; a server may send it as a decimal string.
  costMicros: z.union([z.number().nonnegative(), z.string().regex(/^\d+$/)]),
});

const doneEvent = z.object({
  type: z.literal("done"),
  status: z.enum(["completed", "aborted"]),
  assistantMessageId: z.string().min(1),
  usage,
  stopReason: z.string().nullish(),
  /** Some figure of usage is an estimate (an aborted reply). */
  estimated: z.boolean().optional(),
});

const errorEvent = z.object({
  type: z.literal("error"),
  error: z.object({ code: z.string(), message: z.string() }),
  assistantMessageId: z.string().min(1).nullish(),
});

export const chatStreamEventSchema = z.discriminatedUnion("type", [startEvent, deltaEvent, doneEvent, errorEvent]);

export type ChatStreamEvent = z.infer<typeof chatStreamEventSchema>;
export type ChatStartEvent = z.infer<typeof startEvent>;
export type ChatDoneEvent = z.infer<typeof doneEvent>;
export type ChatErrorEvent = z.infer<typeof errorEvent>;

export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(["start", "delta", "done", "error"]);
