import type { ContextJob } from "@/lib/context/background-jobs";
import { SUMMARY_POLICY } from "@/lib/context/summarise-job";
import { PROPOSE_POLICY } from "@/lib/memory/propose-job";
import type { Caller } from "@/lib/pipeline/caller";

/**
 * Which background work a composed turn makes due, from what compose already read (no
 * query of its own):
 *
 * - session-summarise, when at least SUMMARY_POLICY.minDroppedMessages unsummarised
 *   messages fell out of the window, or the history read came back full (older messages
 *   were not even read). The run covers the dropped messages — and, when the read was full,
 *   that many of the window's oldest too, so the next few turns do not each start a call of
 *   their own. The boundary is moved to a user message, so a question and its answer are
 *   summarised together.
 * - memory-propose, only when the user allowed it, once PROPOSE_POLICY.minNewMessages of
 *   their messages arrived since the job last read the conversation.
 */
export interface StoredTurnMessage {
  role: string;
  created_at: string;
}

export interface TurnJobInput {
  caller: Caller;
  conversationId: string;
  /** The history compose composed from, oldest first, with the stored times. */
  history: readonly StoredTurnMessage[];
  /** Index in `history` of the first message the window kept. */
  firstKeptMessage: number;
  readWasFull: boolean;
  /** null: proposals are off for this user; "-infinity" when never read. */
  memoryScannedUntil: string | null;
  now?: Date;
}

export function contextJobsFor(input: TurnJobInput): ContextJob[] {
  const jobs: ContextJob[] = [];
  const base = { tenantId: input.caller.tenantId, userId: input.caller.userId, planId: input.caller.planId, conversationId: input.conversationId };

  const dropped = input.firstKeptMessage;
  if (dropped >= SUMMARY_POLICY.minDroppedMessages || input.readWasFull) {
    let boundary = Math.max(dropped, input.readWasFull ? SUMMARY_POLICY.minDroppedMessages : 0);
    while (boundary < input.history.length && input.history[boundary]!.role !== "user") boundary++;
    const before = input.history[boundary]?.created_at ?? (input.now ?? new Date()).toISOString();
    jobs.push({ name: "session-summarise", payload: { ...base, before } });
  }

  if (input.memoryScannedUntil !== null) {
    const since = Date.parse(input.memoryScannedUntil);
    const fresh = input.history.filter((m) => m.role === "user" && (Number.isNaN(since) || Date.parse(m.created_at) > since)).length;
    if (fresh >= PROPOSE_POLICY.minNewMessages) jobs.push({ name: "memory-propose", payload: base });
  }
  return jobs;
}
