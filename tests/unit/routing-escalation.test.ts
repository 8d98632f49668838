import { describe, expect, it } from "vitest";
import { chatReducer, chatStateFrom, escalationFor, type ChatState } from "@/components/chat/chat-state";
import type { ChatMessage } from "@/lib/chat/types";
import { nextTierUp, usableTiers, wasRoutedDown } from "@/lib/routing/escalate";
import { apiRouteInput, escalateRequest, recordedDecision, routeForApi } from "@/lib/routing/route";
import { signalFor, type PreviousAnswer } from "@/lib/routing/signals";

const ALL = ["economy", "standard", "premium"] as const;

describe("the tiers an escalation may use", () => {
  it("are the plan's tiers up to the cap, cheapest first, whatever the array order", () => {
    expect(usableTiers("premium", ["premium", "economy", "standard"])).toEqual(["economy", "standard", "premium"]);
    expect(usableTiers("standard", ALL)).toEqual(["economy", "standard"]);
    expect(usableTiers("premium", ["economy", "premium"])).toEqual(["economy", "premium"]);
  });

  it("go one usable tier up, skipping a tier the plan leaves out, and stop at the cap", () => {
    expect(nextTierUp("economy", ["economy", "standard", "premium"])).toBe("standard");
    expect(nextTierUp("economy", ["economy", "premium"])).toBe("premium");
    expect(nextTierUp("standard", ["economy", "standard"])).toBeNull();
    expect(nextTierUp("premium", ["economy", "standard", "premium"])).toBeNull();
  });

  it("call an answer routed down only when it was below the tier default", () => {
    expect(wasRoutedDown("economy", "premium")).toBe(true);
    expect(wasRoutedDown("standard", "standard")).toBe(false);
    expect(wasRoutedDown("premium", "standard")).toBe(false);
  });
});

describe("escalateRequest", () => {
  const policy = { mode: "auto" as const, tier: "premium" as const, allowedTiers: ALL };

  it("answers one tier above the previous answer with reason escalated and the cap as the default", () => {
    const d = escalateRequest({ text: "hi" }, policy, "economy");
    expect(d).toMatchObject({ tier: "standard", model: "claude-sonnet-4-6", reason: "escalated", defaultTier: "premium" });
    expect(recordedDecision(d!)).toMatchObject({ tier: "standard", defaultTier: "premium", defaultModel: "claude-opus-4-8", reason: "escalated" });
  });

  it("never goes above the configured tier or the plan", () => {
    expect(escalateRequest({ text: "hi" }, { ...policy, tier: "standard" }, "standard")).toBeNull();
    expect(escalateRequest({ text: "hi" }, { ...policy, allowedTiers: ["economy", "standard"] }, "standard")).toBeNull();
    expect(escalateRequest({ text: "hi" }, policy, "premium")).toBeNull();
  });

  it("applies in fixed mode too: an answer below a raised fixed tier can go up", () => {
    expect(escalateRequest({ text: "hi" }, { ...policy, mode: "fixed" }, "economy")?.tier).toBe("standard");
    expect(escalateRequest({ text: "hi" }, { ...policy, mode: "fixed" }, "premium")).toBeNull();
  });
});

describe("the routing signal", () => {
  const previous = (over: Partial<PreviousAnswer>): PreviousAnswer => ({ requestId: "req_1", model: "claude-haiku-4-5", tier: "economy", defaultTier: "premium", reason: "greeting", ...over });

  it("is recorded for a regenerate of an answer the router sent below the default", () => {
    expect(signalFor(previous({}), "c1", "standard")).toEqual({ conversationId: "c1", originalRequestId: "req_1", originalTier: "economy", newTier: "standard", reason: "greeting" });
  });

  it("is not recorded for an answer at the default, one from before routing, or one that was itself a regenerate", () => {
    expect(signalFor(previous({ tier: "premium", defaultTier: "premium", reason: "fixed_tier" }), "c1", "premium")).toBeNull();
    expect(signalFor(previous({ defaultTier: null, reason: null }), "c1", "standard")).toBeNull();
    expect(signalFor(previous({ tier: "standard", reason: "escalated" }), "c1", "premium")).toBeNull();
  });
});

describe("the tenant API's model: auto", () => {
  it("routes automatically up to the configured tier whatever the chat's mode", () => {
    expect(routeForApi({ text: "hi" }, { modelTier: "premium" }, { allowedTiers: ALL })).toMatchObject({ tier: "economy", defaultTier: "premium" });
    const hard = "Design a multi-region architecture for a payments API at 20,000 requests per second with failover and exactly-once charges.";
    expect(routeForApi({ text: hard }, { modelTier: "standard" }, { allowedTiers: ALL })).toMatchObject({ tier: "standard", reason: "capped" });
  });

  it("reads the last user message of a Messages API body, string or text blocks", () => {
    expect(apiRouteInput([{ role: "user", content: "hello" }])).toEqual({ text: "hello", historyMessages: 0 });
    expect(
      apiRouteInput([
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: [{ type: "text", text: "part one" }, { type: "image" }, { type: "text", text: "part two" }] },
      ]),
    ).toEqual({ text: "part one\n\npart two", historyMessages: 2 });
    expect(apiRouteInput([])).toEqual({ text: "", historyMessages: 0 });
  });
});

describe("the chat's Regenerate with a stronger model", () => {
  const msg = (id: string, role: ChatMessage["role"], over: Partial<ChatMessage> = {}): ChatMessage => ({ id, role, content: id, status: "complete", createdAt: "2025-01-01T00:00:00.000Z", ...over });
  const loaded = (messages: ChatMessage[]): ChatState => chatStateFrom({ id: "c1", title: "t" }, messages);

  it("is offered on a finished last answer whose model has a stronger usable tier", () => {
    const s = loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-haiku-4-5" })]);
    expect(escalationFor(s, ALL)).toEqual({ key: "a1", tier: "standard", model: "claude-sonnet-4-6" });
    expect(escalationFor(loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-sonnet-4-6", status: "aborted" })]), ALL)?.tier).toBe("premium");
  });

  it("is hidden at the cap, for a failed or unknown-model answer, after a user message, and while a turn runs", () => {
    expect(escalationFor(loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-sonnet-4-6" })]), ["economy", "standard"])).toBeNull();
    expect(escalationFor(loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-opus-4-8" })]), ALL)).toBeNull();
    expect(escalationFor(loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-haiku-4-5", status: "error" })]), ALL)).toBeNull();
    expect(escalationFor(loaded([msg("u1", "user"), msg("a1", "assistant")]), ALL)).toBeNull();
    expect(escalationFor(loaded([msg("u1", "user")]), ALL)).toBeNull();
    const running = chatReducer(loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-haiku-4-5" })]), { type: "retry", assistantKey: "t2" });
    expect(escalationFor(running, ALL)).toBeNull();
  });

  it("learns a streamed answer's model from the start event", () => {
    let s = loaded([msg("u1", "user"), msg("a1", "assistant", { model: "claude-haiku-4-5" })]);
    s = chatReducer(s, { type: "retry", assistantKey: "t2" });
    s = chatReducer(s, { type: "start", turn: "t2", event: { type: "start", conversationId: "c1", title: "t", userMessageId: null, requestId: "r2", model: "claude-sonnet-4-6", simulated: true } });
    s = chatReducer(s, { type: "done", turn: "t2", event: { type: "done", status: "completed", assistantMessageId: "a2", usage: { inputTokens: 1, outputTokens: 1, costMicros: 1 } } });
    expect(s.messages.at(-1)).toMatchObject({ id: "a2", model: "claude-sonnet-4-6" });
    expect(escalationFor(s, ALL)).toMatchObject({ key: "t2", tier: "premium" });
  });
});
