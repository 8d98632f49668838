import type { ChatDoneEvent, ChatStartEvent } from "@/lib/pipeline/chat-events";
import type { ChatMessage, MessageRole } from "@/lib/chat/types";
import type { ModelTier } from "@/lib/db/generated/enums";
import { modelForTier } from "@/lib/llm/models";
import { nextTierUp, TIER_ORDER } from "@/lib/routing/escalate";

/**
 * The open conversation as a pure reducer, so every transition of a turn (optimistic send,
 * start, deltas, done, error, stop, rejection before streaming) is testable without a DOM.
 */
export type UiMessageStatus = "complete" | "aborted" | "error" | "streaming";

export interface UiMessage {
  /** Stable React key; equals the server id for messages loaded from the server. */
  key: string;
  /** Server id once known (null for optimistic messages and stopped replies). */
  id: string | null;
  role: MessageRole;
  content: string;
  status: UiMessageStatus;
  error?: { code: string; message: string };
  /** The model that wrote an answer, when known (the stream's start event; the server for a loaded last answer). */
  model?: string;
  /** The knowledge passages the answer was given (the stream's start event; not kept across reloads). */
  sources?: NonNullable<ChatStartEvent["sources"]>;
}

/** The turn in flight: which messages it added, and what a retry replaced. */
export type PendingTurn =
  | { kind: "send"; userKey: string; assistantKey: string; started: boolean }
  | { kind: "retry"; assistantKey: string; replaced: UiMessage | null; started: boolean };

export interface ChatState {
  conversationId: string | null;
  title: string | null;
  messages: UiMessage[];
  pending: PendingTurn | null;
}

export type ChatAction =
  | { type: "load"; conversationId: string; title: string; messages: ChatMessage[] }
  | { type: "reset" }
  | { type: "submit"; text: string; userKey: string; assistantKey: string }
  | { type: "retry"; assistantKey: string }
  // `turn` is the assistant key of the turn the event belongs to: events of a turn that was
  // abandoned (the user opened another conversation) must not land in the next one.
  | { type: "start"; turn: string; event: ChatStartEvent }
  | { type: "delta"; turn: string; text: string }
  | { type: "done"; turn: string; event: ChatDoneEvent }
  | { type: "failed"; turn: string; error: { code: string; message: string }; assistantMessageId?: string | null }
  | { type: "stopped"; turn: string }
  | { type: "rejected"; turn: string };

export const emptyChatState: ChatState = { conversationId: null, title: null, messages: [], pending: null };

export function chatStateFrom(conversation: { id: string; title: string }, messages: ChatMessage[]): ChatState {
  return { conversationId: conversation.id, title: conversation.title, messages: messages.map(fromServer), pending: null };
}

function fromServer(m: ChatMessage): UiMessage {
  return {
    key: m.id,
    id: m.id,
    role: m.role,
    content: m.content,
    status: m.status,
    ...(m.model ? { model: m.model } : {}),
    ...(m.sources?.length ? { sources: m.sources } : {}),
    ...(m.status === "error" ? { error: { code: "reply_failed", message: "" } } : {}),
  };
}

function updateMessage(state: ChatState, key: string, update: (m: UiMessage) => UiMessage): ChatState {
  return { ...state, messages: state.messages.map((m) => (m.key === key ? update(m) : m)) };
}

/** Only the conversation's last assistant reply can be retried, and only when it did not complete. */
export function retryableMessageKey(state: ChatState): string | null {
  if (state.pending) return null;
  const last = state.messages.at(-1);
  if (!last) return null;
  if (last.role === "assistant") return last.status === "error" ? last.key : null;
  // A user message with no reply after it (the server failed before answering).
  return state.conversationId ? last.key : null;
}

/** "Regenerate with a stronger model" for the last answer: which answer, and the tier it would go to. */
export interface Escalation {
  key: string;
  tier: ModelTier;
  model: string;
}

/**
 * Offered on the conversation's last answer when it finished (or was stopped) and a tier
 * above the one that wrote it is usable (`tiers`: the workspace's, cheapest first, up to its
 * cap). Never while a turn runs, for a failed answer (that one has Retry), or for an answer
 * whose model is unknown. The server decides again; this only hides what it would refuse.
 */
export function escalationFor(state: ChatState, tiers: readonly ModelTier[]): Escalation | null {
  if (state.pending || !state.conversationId) return null;
  const last = state.messages.at(-1);
  if (!last || last.role !== "assistant" || !last.model || (last.status !== "complete" && last.status !== "aborted")) return null;
  const from = TIER_ORDER.find((t) => modelForTier(t) === last.model);
  if (!from) return null;
  const tier = nextTierUp(from, tiers);
  return tier ? { key: last.key, tier, model: modelForTier(tier) } : null;
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  if ("turn" in action && state.pending?.assistantKey !== action.turn) return state;
  switch (action.type) {
    case "load":
      return chatStateFrom({ id: action.conversationId, title: action.title }, action.messages);
    case "reset":
      return emptyChatState;
    case "submit": {
      if (state.pending) return state;
      return {
        ...state,
        messages: [
          ...state.messages,
          { key: action.userKey, id: null, role: "user", content: action.text, status: "complete" },
          { key: action.assistantKey, id: null, role: "assistant", content: "", status: "streaming" },
        ],
        pending: { kind: "send", userKey: action.userKey, assistantKey: action.assistantKey, started: false },
      };
    }
    case "retry": {
      if (state.pending || !state.conversationId) return state;
      const last = state.messages.at(-1);
      const replaced = last?.role === "assistant" ? last : null;
      const kept = replaced ? state.messages.slice(0, -1) : state.messages;
      return {
        ...state,
        messages: [...kept, { key: action.assistantKey, id: null, role: "assistant", content: "", status: "streaming" }],
        pending: { kind: "retry", assistantKey: action.assistantKey, replaced, started: false },
      };
    }
    case "start": {
      if (!state.pending) return state;
      const { event } = action;
      let next: ChatState = { ...state, conversationId: event.conversationId, title: event.title, pending: { ...state.pending, started: true } };
      if (state.pending.kind === "send" && event.userMessageId) {
        next = updateMessage(next, state.pending.userKey, (m) => ({ ...m, id: event.userMessageId }));
      }
      return updateMessage(next, state.pending.assistantKey, (m) => ({ ...m, model: event.model, ...(event.sources?.length ? { sources: event.sources } : {}) }));
    }
    case "delta": {
      if (!state.pending) return state;
      return updateMessage(state, state.pending.assistantKey, (m) => ({ ...m, content: m.content + action.text }));
    }
    case "done": {
      if (!state.pending) return state;
      const { event } = action;
      const status = event.status === "completed" ? "complete" : "aborted";
      return { ...updateMessage(state, state.pending.assistantKey, (m) => ({ ...m, id: event.assistantMessageId, status })), pending: null };
    }
    case "failed": {
      if (!state.pending) return state;
      return {
        ...updateMessage(state, state.pending.assistantKey, (m) => ({ ...m, id: action.assistantMessageId ?? m.id, status: "error", error: action.error })),
        pending: null,
      };
    }
    case "stopped": {
      if (!state.pending) return state;
      // Stopped before the server said "start": nothing of this turn is known to be saved.
      if (!state.pending.started) return chatReducer(state, { type: "rejected", turn: action.turn });
      return { ...updateMessage(state, state.pending.assistantKey, (m) => ({ ...m, status: "aborted" })), pending: null };
    }
    case "rejected": {
      const pending = state.pending;
      if (!pending) return state;
      if (pending.kind === "send") {
        return { ...state, messages: state.messages.filter((m) => m.key !== pending.userKey && m.key !== pending.assistantKey), pending: null };
      }
      const withoutPlaceholder = state.messages.filter((m) => m.key !== pending.assistantKey);
      return { ...state, messages: pending.replaced ? [...withoutPlaceholder, pending.replaced] : withoutPlaceholder, pending: null };
    }
  }
}
