/**
 * How the context of one call is budgeted (lib/context/compose-context.ts), as data.
 *
 * `totalTokens` bounds the estimated input of a chat call — system prompt, context blocks,
 * turns and the new message; max_tokens comes on top. It is a cost policy, far below every
 * tier's context window (200k tokens for the models in lib/llm/models.ts), so one number
 * serves every model. The layer caps keep one layer from crowding out the others even when
 * the total has room.
 */
export const CONTEXT_BUDGET = {
  totalTokens: 16_000,
  /** Knowledge passages after the cached prefix (also what searchKnowledge is asked for). */
  knowledgeTokens: 4_000,
  knowledgePassages: 8,
  /** The user's active memories. */
  memoryTokens: 1_000,
  /** Memories read per turn, newest first (the Memory panel allows more). */
  memoryFacts: 50,
  /** The conversation summary (the summary job writes to fit it). */
  summaryTokens: 1_500,
} as const;

export type ContextBudget = {
  totalTokens: number;
  knowledgeTokens: number;
  memoryTokens: number;
  summaryTokens: number;
};
