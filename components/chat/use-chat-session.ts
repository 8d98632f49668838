"use client";

import { useCallback, useEffect, useReducer, useRef } from "react";
import { isAbortError, postChat, type ApiError, type ChatRequestBody } from "@/components/chat/chat-api";
import { chatReducer, type ChatState } from "@/components/chat/chat-state";
import { ChatStreamProtocolError } from "@/components/chat/ndjson";
import type { ChatStartEvent } from "@/lib/pipeline/chat-events";

export type TurnOutcome = "completed" | "aborted" | "error" | "rejected";

export interface TurnResult {
  kind: "send" | "retry";
  outcome: TurnOutcome;
  /** The conversation the turn belongs to, once the server named it. */
  conversationId: string | null;
  /** The reply text received (partial when stopped or failed). */
  text: string;
  /** Why it failed, when it did (null for a stop). */
  error: { code: string; message: string } | null;
  /** For a rejected send: the message, to put back in the composer. */
  message?: string;
  /** For a rejection before streaming: the API error (429 carries retryAfterSeconds). */
  apiError?: ApiError;
}

export interface ChatSessionCallbacks {
  onStarted(event: ChatStartEvent): void;
  onSettled(result: TurnResult): void;
}

const INTERRUPTED = { code: "stream_interrupted", message: "The connection dropped before the reply finished." };
const GARBLED = { code: "stream_garbled", message: "The reply stream could not be read." };

let keyCounter = 0;
const newKey = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(keyCounter += 1)}`;

/**
 * Runs chat turns against POST /api/w/[slug]/chat: optimistic messages, the NDJSON
 * stream into the reducer, Stop (abort the fetch; the server keeps the partial reply).
 */
export function useChatSession(slug: string, initial: ChatState, callbacks: ChatSessionCallbacks) {
  const [state, dispatch] = useReducer(chatReducer, initial);
  const controller = useRef<AbortController | null>(null);
  const latest = useRef(callbacks);
  latest.current = callbacks;

  useEffect(() => () => controller.current?.abort(), []);

  const run = useCallback(
    async (body: ChatRequestBody, kind: "send" | "retry", turn: string, message?: string) => {
      const ac = new AbortController();
      controller.current = ac;
      let started = false;
      let conversationId = body.conversationId ?? null;
      let text = "";
      const settle = (outcome: TurnOutcome, error: TurnResult["error"], apiError?: ApiError) =>
        latest.current.onSettled({ kind, outcome, conversationId, text, error, ...(message !== undefined ? { message } : {}), ...(apiError ? { apiError } : {}) });

      try {
        const result = await postChat(slug, body, ac.signal);
        if (!result.ok) {
          dispatch({ type: "rejected", turn });
          return settle("rejected", result.error, result.error);
        }
        for await (const event of result.data) {
          if (event.type === "start") {
            started = true;
            conversationId = event.conversationId;
            dispatch({ type: "start", turn, event });
            latest.current.onStarted(event);
          } else if (event.type === "delta") {
            text += event.text;
            dispatch({ type: "delta", turn, text: event.text });
          } else if (event.type === "done") {
            dispatch({ type: "done", turn, event });
            return settle(event.status === "completed" ? "completed" : "aborted", null);
          } else {
            dispatch({ type: "failed", turn, error: event.error, assistantMessageId: event.assistantMessageId });
            return settle("error", event.error);
          }
        }
        // The body ended without done or error.
        if (started) {
          dispatch({ type: "failed", turn, error: INTERRUPTED });
          return settle("error", INTERRUPTED);
        }
        dispatch({ type: "rejected", turn });
        return settle("rejected", INTERRUPTED);
      } catch (error) {
        if (ac.signal.aborted || isAbortError(error)) {
          dispatch({ type: "stopped", turn });
          return settle(started ? "aborted" : "rejected", null);
        }
        const reason = error instanceof ChatStreamProtocolError ? GARBLED : INTERRUPTED;
        if (error instanceof ChatStreamProtocolError) console.warn("[bulkhead] chat stream", error);
        ac.abort();
        if (started) {
          dispatch({ type: "failed", turn, error: reason });
          return settle("error", reason);
        }
        dispatch({ type: "rejected", turn });
        return settle("rejected", reason);
      } finally {
        if (controller.current === ac) controller.current = null;
      }
    },
    [slug],
  );

  /** Sends a message; false when a turn is already running. */
  const send = useCallback(
    (message: string, conversationId: string | null): boolean => {
      if (controller.current) return false;
      const turn = newKey("assistant");
      dispatch({ type: "submit", text: message, userKey: newKey("user"), assistantKey: turn });
      void run(conversationId ? { conversationId, message } : { message }, "send", turn, message);
      return true;
    },
    [run],
  );

  /** Regenerates the reply to the conversation's last user message; `escalate`: on the next tier up (issue 14). */
  const retry = useCallback(
    (conversationId: string, escalate = false): boolean => {
      if (controller.current) return false;
      const turn = newKey("assistant");
      dispatch({ type: "retry", assistantKey: turn });
      void run(escalate ? { conversationId, retry: true, escalate: true } : { conversationId, retry: true }, "retry", turn);
      return true;
    },
    [run],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  return { state, dispatch, send, retry, stop, busy: state.pending !== null };
}
