import { describe, expect, it } from "vitest";
import { chatReducer, chatStateFrom, emptyChatState, retryableMessageKey, type ChatAction, type ChatState } from "@/components/chat/chat-state";
import type { ChatDoneEvent, ChatStartEvent } from "@/lib/pipeline/chat-events";
import type { ChatMessage } from "@/lib/chat/types";

const start = (over: Partial<ChatStartEvent> = {}): ChatStartEvent => ({
  type: "start", conversationId: "c1", title: "Greeting", userMessageId: "u-server", requestId: "r1", model: "m", simulated: true, ...over,
});
const done = (over: Partial<ChatDoneEvent> = {}): ChatDoneEvent => ({
  type: "done", status: "completed", assistantMessageId: "a-server", usage: { inputTokens: 1, outputTokens: 2, costMicros: 3 }, stopReason: "end_turn", ...over,
});
const run = (state: ChatState, ...actions: ChatAction[]) => actions.reduce(chatReducer, state);
const msg = (id: string, role: ChatMessage["role"], status: ChatMessage["status"] = "complete"): ChatMessage => ({ id, role, content: `${role} ${id}`, status, createdAt: "2025-01-01T00:00:00.000Z" });

const submit: ChatAction = { type: "submit", text: "Hello", userKey: "u1", assistantKey: "t1" };

describe("a sent message", () => {
  it("streams into an optimistic reply and completes with the server's ids", () => {
    const s = run(emptyChatState, submit, { type: "start", turn: "t1", event: start() }, { type: "delta", turn: "t1", text: "Hi " }, { type: "delta", turn: "t1", text: "there" });
    expect(s.conversationId).toBe("c1");
    expect(s.title).toBe("Greeting");
    expect(s.messages.map((m) => [m.role, m.id, m.content, m.status])).toEqual([
      ["user", "u-server", "Hello", "complete"],
      ["assistant", null, "Hi there", "streaming"],
    ]);
    const end = chatReducer(s, { type: "done", turn: "t1", event: done() });
    expect(end.pending).toBeNull();
    expect(end.messages[1]).toMatchObject({ id: "a-server", status: "complete", content: "Hi there" });
  });

  it("keeps the knowledge sources the start event names on the reply", () => {
    const sources = [{ id: "c1", documentId: "d1", title: "Handbook", section: "Returns", excerpt: "Refunds within 30 days." }];
    const s = run(emptyChatState, submit, { type: "start", turn: "t1", event: start({ sources }) }, { type: "done", turn: "t1", event: done() });
    expect(s.messages.at(-1)?.sources).toEqual(sources);
    const none = run(emptyChatState, submit, { type: "start", turn: "t1", event: start() });
    expect(none.messages.at(-1)?.sources).toBeUndefined();
  });

  it("marks a reply the server saved as aborted", () => {
    const s = run(emptyChatState, submit, { type: "start", turn: "t1", event: start() }, { type: "done", turn: "t1", event: done({ status: "aborted" }) });
    expect(s.messages[1]?.status).toBe("aborted");
  });

  it("keeps the partial text and the error when the stream reports an error", () => {
    const s = run(
      emptyChatState,
      submit,
      { type: "start", turn: "t1", event: start() },
      { type: "delta", turn: "t1", text: "Par" },
      { type: "failed", turn: "t1", error: { code: "upstream_error", message: "Overloaded" }, assistantMessageId: "a9" },
    );
    expect(s.pending).toBeNull();
    expect(s.messages[1]).toMatchObject({ id: "a9", content: "Par", status: "error", error: { message: "Overloaded" } });
    expect(retryableMessageKey(s)).toBe(s.messages[1]?.key);
  });

  it("Stop after start keeps the partial reply as aborted", () => {
    const s = run(emptyChatState, submit, { type: "start", turn: "t1", event: start() }, { type: "delta", turn: "t1", text: "Half" }, { type: "stopped", turn: "t1" });
    expect(s.messages.map((m) => m.status)).toEqual(["complete", "aborted"]);
    expect(s.messages[1]?.content).toBe("Half");
  });

  it("Stop before start, or a rejection, removes the optimistic turn", () => {
    const before = chatStateFrom({ id: "c1", title: "t" }, [msg("m1", "user"), msg("m2", "assistant")]);
    for (const last of [{ type: "stopped", turn: "t1" }, { type: "rejected", turn: "t1" }] as const) {
      const s = run(before, submit, last);
      expect(s.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
      expect(s.pending).toBeNull();
    }
  });

  it("ignores a second submit while a turn is pending", () => {
    const s = run(emptyChatState, submit, { type: "submit", text: "again", userKey: "u2", assistantKey: "t2" });
    expect(s.messages).toHaveLength(2);
    expect(s.pending).toMatchObject({ assistantKey: "t1" });
  });

  it("drops events of an abandoned turn", () => {
    // The user opened another conversation and sent there; the old turn's events arrive late.
    const s = run(emptyChatState, submit, { type: "reset" }, { type: "submit", text: "new", userKey: "u2", assistantKey: "t2" }, { type: "delta", turn: "t1", text: "stale" }, { type: "stopped", turn: "t1" });
    expect(s.messages.map((m) => m.content)).toEqual(["new", ""]);
    expect(s.pending).toMatchObject({ assistantKey: "t2" });
  });
});

describe("retry", () => {
  const failed = chatStateFrom({ id: "c1", title: "t" }, [msg("m1", "user"), msg("m2", "assistant", "error")]);

  it("replaces the failed reply with a streaming one", () => {
    const s = run(failed, { type: "retry", assistantKey: "t2" }, { type: "start", turn: "t2", event: start({ userMessageId: null }) }, { type: "delta", turn: "t2", text: "Better" });
    expect(s.messages.map((m) => [m.id, m.status, m.content])).toEqual([
      ["m1", "complete", "user m1"],
      [null, "streaming", "Better"],
    ]);
    expect(retryableMessageKey(s)).toBeNull();
  });

  it("puts the failed reply back when the retry is rejected", () => {
    const s = run(failed, { type: "retry", assistantKey: "t2" }, { type: "rejected", turn: "t2" });
    expect(s.messages.map((m) => [m.id, m.status])).toEqual([
      ["m1", "complete"],
      ["m2", "error"],
    ]);
  });

  it("answers a user message that has no reply", () => {
    const unanswered = chatStateFrom({ id: "c1", title: "t" }, [msg("m1", "user")]);
    expect(retryableMessageKey(unanswered)).toBe("m1");
    const s = chatReducer(unanswered, { type: "retry", assistantKey: "t2" });
    expect(s.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(run(s, { type: "rejected", turn: "t2" }).messages.map((m) => m.id)).toEqual(["m1"]);
  });

  it("is offered only for a failed last reply", () => {
    expect(retryableMessageKey(chatStateFrom({ id: "c1", title: "t" }, [msg("m1", "user"), msg("m2", "assistant")]))).toBeNull();
    expect(retryableMessageKey(chatStateFrom({ id: "c1", title: "t" }, [msg("m1", "user"), msg("m2", "assistant", "aborted")]))).toBeNull();
    expect(retryableMessageKey(chatStateFrom({ id: "c1", title: "t" }, [msg("m1", "user"), msg("m2", "assistant", "error"), msg("m3", "user"), msg("m4", "assistant")]))).toBeNull();
    expect(retryableMessageKey(emptyChatState)).toBeNull();
  });

  it("needs a conversation", () => {
    expect(chatReducer(emptyChatState, { type: "retry", assistantKey: "t2" })).toBe(emptyChatState);
  });
});

describe("load", () => {
  it("shows server messages with their statuses and an explanation for failed ones", () => {
    const s = chatReducer(emptyChatState, { type: "load", conversationId: "c1", title: "T", messages: [msg("m1", "user"), msg("m2", "assistant", "error")] });
    expect(s.conversationId).toBe("c1");
    expect(s.messages.map((m) => m.key)).toEqual(["m1", "m2"]);
    expect(s.messages[1]?.error?.code).toBe("reply_failed");
    expect(s.messages[0]?.error).toBeUndefined();
  });
});
