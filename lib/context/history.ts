import { wrapUserMessage } from "@/lib/context/system-prompt";
import { estimateInputTokens } from "@/lib/llm/tokens";

/**
 * The session window: the most recent turns of the conversation that fit a token budget,
 * shaped the way the Messages API requires (first turn from the user, roles alternating),
 * ending with the new user message, which is always included.
 *
 * Every user turn, old and new, goes out wrapped in <user_message> markers, and its cost is
 * counted wrapped, with the same estimator the simulator bills with and quota reserves with.
 */
export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
}

/** Structurally the SDK's MessageParam with string content. */
export interface WindowMessage {
  role: "user" | "assistant";
  content: string;
}

export interface HistoryWindow {
  messages: WindowMessage[];
  /** Estimated input tokens of `messages` (system prompt not included). */
  tokens: number;
  /** Prior turns (after merging) that were left out, oldest first. */
  droppedTurns: number;
}

/** A turn after normalisation, with the index in `prior` of the first message it came from. */
export interface SourcedTurn extends WindowMessage {
  from: number;
}

/**
 * @param prior the conversation's earlier messages, oldest first, as stored (user text raw).
 * @param newUserText the user's new message, raw.
 * @param budgetTokens tokens available for the whole message list (the caller has already
 *   subtracted the system prompt and max_tokens). The new message is kept even if it alone
 *   exceeds the budget: size caps on input are validation's job, not the window's.
 */
export function buildHistoryWindow(prior: readonly HistoryMessage[], newUserText: string, budgetTokens: number): HistoryWindow {
  const turns: WindowMessage[] = normaliseTurns(prior).map(({ role, content }) => ({ role, content }));
  const last: WindowMessage = { role: "user", content: wrapUserMessage(newUserText) };
  let used = turnTokens(last);

  // Walk back from the newest turn while whole turns fit; stop at the first that does not,
  // so the window is always a contiguous recent stretch.
  let start = turns.length;
  while (start > 0) {
    const cost = turnTokens(turns[start - 1] as WindowMessage);
    if (used + cost > budgetTokens) break;
    used += cost;
    start--;
  }
  // The API wants a user turn first.
  while (start < turns.length && turns[start]?.role !== "user") {
    used -= turnTokens(turns[start] as WindowMessage);
    start++;
  }

  return { messages: [...turns.slice(start), last], tokens: used, droppedTurns: start };
}

/**
 * Stored history can break the API's alternation: a failed call leaves a user message with
 * no (or an empty) reply, and the next message is from the user again. Such unanswered
 * user messages are skipped (the user usually re-asks; merging would repeat the question),
 * empty messages are dropped, consecutive assistant messages are merged, and a trailing
 * unanswered user message is skipped because the new message follows it.
 */
export function normaliseTurns(prior: readonly HistoryMessage[]): SourcedTurn[] {
  const turns: SourcedTurn[] = [];
  for (const [from, message] of prior.entries()) {
    if (message.content.trim() === "") continue;
    const previous = turns[turns.length - 1];
    if (message.role === "user") {
      const turn = { role: "user" as const, content: wrapUserMessage(message.content), from };
      if (previous?.role === "user") turns[turns.length - 1] = turn;
      else turns.push(turn);
    } else if (previous?.role === "assistant") {
      previous.content = `${previous.content}\n\n${message.content}`;
    } else {
      turns.push({ role: "assistant", content: message.content, from });
    }
  }
  if (turns[turns.length - 1]?.role === "user") turns.pop();
  return turns;
}

export function turnTokens(turn: WindowMessage): number {
  return estimateInputTokens({ messages: [turn] });
}
