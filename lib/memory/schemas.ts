import { z } from "zod";
import { cleanText } from "@/lib/validation/text";

/**
 * User memory as it crosses the wire (Memory panel ↔ routes): shared by the server, which
 * parses with it, and the client, which types its requests with it.
 */
export const MAX_MEMORY_CHARS = 500;
/** Facts one user keeps per workspace (active + proposed); dismissed ones do not count. */
export const MAX_MEMORIES = 200;

export type MemorySource = "user" | "proposed";
export type MemoryStatus = "active" | "proposed" | "dismissed";

export interface MemoryFact {
  id: string;
  content: string;
  source: MemorySource;
  status: MemoryStatus;
  createdAt: string;
  updatedAt: string;
}

export interface MemoryState {
  memories: MemoryFact[];
  /** The user let the background job propose memories from their conversations. */
  proposeFromConversations: boolean;
}

export const memoryContentSchema = cleanText()
  .transform((s) => s.replace(/\s+/g, " ").trim())
  .pipe(z.string().min(1, "Write the fact to remember.").max(MAX_MEMORY_CHARS, `Use at most ${MAX_MEMORY_CHARS} characters.`));

export const addMemorySchema = z.object({ content: memoryContentSchema });

/** An edit of the text, or a decision on a proposal ("active" accepts, "dismissed" dismisses). */
export const updateMemorySchema = z
  .object({ content: memoryContentSchema.optional(), status: z.enum(["active", "dismissed"]).optional() })
  .refine((v) => v.content !== undefined || v.status !== undefined, { message: "Nothing to change." });

export const memorySettingsSchema = z.object({ proposeFromConversations: z.boolean() });
