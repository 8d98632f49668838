import { describe, expect, it } from "vitest";
import { buildHistoryWindow, type HistoryMessage } from "@/lib/context/history";
import { wrapUserMessage } from "@/lib/context/system-prompt";
import { estimateInputTokens } from "@/lib/llm/tokens";

const user = (content: string): HistoryMessage => ({ role: "user", content });
const assistant = (content: string): HistoryMessage => ({ role: "assistant", content });
/** What one turn costs as sent: user turns wrapped, with the shared estimator. */
const cost = (m: HistoryMessage) =>
  estimateInputTokens({ messages: [{ role: m.role, content: m.role === "user" ? wrapUserMessage(m.content) : m.content }] });

const conversation: HistoryMessage[] = [
  user("first question about rockets"),
  assistant("first answer, which is a little longer than the question"),
  user("second question"),
  assistant("second answer"),
  user("third question, with more words in it than the others"),
  assistant("third answer"),
];
const NEW = "the new question";

function expectAlternatingFromUser(messages: { role: string }[]) {
  expect(messages[0]?.role).toBe("user");
  messages.forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? "user" : "assistant"));
  expect(messages[messages.length - 1]?.role).toBe("user");
}

describe("buildHistoryWindow", () => {
  it("keeps everything when it fits, wrapping user turns and ending with the new message", () => {
    const window = buildHistoryWindow(conversation, NEW, 10_000);
    expect(window.messages).toEqual([
      ...conversation.map((m) => ({ role: m.role, content: m.role === "user" ? wrapUserMessage(m.content) : m.content })),
      { role: "user", content: wrapUserMessage(NEW) },
    ]);
    expect(window.droppedTurns).toBe(0);
    expect(window.tokens).toBe(estimateInputTokens({ messages: window.messages }));
  });

  it("keeps the most recent turns that fit the budget exactly", () => {
    const lastTwo = cost(conversation[4] as HistoryMessage) + cost(conversation[5] as HistoryMessage);
    const budget = cost(user(NEW)) + lastTwo;
    const window = buildHistoryWindow(conversation, NEW, budget);
    expect(window.messages.map((m) => m.content)).toEqual([
      wrapUserMessage("third question, with more words in it than the others"),
      "third answer",
      wrapUserMessage(NEW),
    ]);
    expect(window.tokens).toBe(budget);
    expect(window.droppedTurns).toBe(4);
    // One token less and the older pair no longer fits: its assistant half alone may not lead.
    const tighter = buildHistoryWindow(conversation, NEW, budget - 1);
    expect(tighter.messages.map((m) => m.content)).toEqual([wrapUserMessage(NEW)]);
    expect(tighter.tokens).toBe(cost(user(NEW)));
  });

  it("never starts with an assistant turn", () => {
    // Room for the last assistant turn and the new message, but not the user turn before it.
    const budget = cost(user(NEW)) + cost(conversation[5] as HistoryMessage);
    const window = buildHistoryWindow(conversation, NEW, budget);
    expectAlternatingFromUser(window.messages);
    expect(window.messages).toHaveLength(1);
    const greeting = buildHistoryWindow([assistant("Hi! How can I help?"), user("hello"), assistant("hi")], NEW, 10_000);
    expectAlternatingFromUser(greeting.messages);
    expect(greeting.messages.map((m) => m.content)).not.toContain("Hi! How can I help?");
  });

  it("always includes the new message, even over budget", () => {
    const window = buildHistoryWindow(conversation, "x".repeat(4_000), 10);
    expect(window.messages).toEqual([{ role: "user", content: wrapUserMessage("x".repeat(4_000)) }]);
    expect(window.tokens).toBeGreaterThan(10);
    expect(buildHistoryWindow([], NEW, 0).messages).toEqual([{ role: "user", content: wrapUserMessage(NEW) }]);
  });

  it("repairs broken alternation from failed calls", () => {
    const broken: HistoryMessage[] = [
      user("unanswered one"), // its call failed: no reply
      user("asked again"),
      assistant(""), // an empty (errored) reply is not a turn
      assistant("part one"),
      assistant("part two"),
      user("trailing unanswered"),
    ];
    const window = buildHistoryWindow(broken, NEW, 10_000);
    expect(window.messages).toEqual([
      { role: "user", content: wrapUserMessage("asked again") },
      { role: "assistant", content: "part one\n\npart two" },
      { role: "user", content: wrapUserMessage(NEW) },
    ]);
    expectAlternatingFromUser(window.messages);
  });

  it("does not modify the caller's messages", () => {
    const prior = [user("q"), assistant("a"), assistant("b")];
    const copy = JSON.parse(JSON.stringify(prior));
    buildHistoryWindow(prior, NEW, 10_000);
    expect(prior).toEqual(copy);
  });
});
