import { describe, expect, it } from "vitest";
import { contextJobFrom } from "@/lib/context/background-jobs";
import { takeTranscript, SUMMARY_POLICY } from "@/lib/context/summarise-job";
import { contextJobsFor } from "@/lib/context/turn-jobs";
import { parseProposals, PROPOSE_POLICY } from "@/lib/memory/propose-job";
import { detectRememberRequest } from "@/lib/memory/remember";

describe("detectRememberRequest", () => {
  it.each([
    ["remember that I prefer metric units.", "I prefer metric units"],
    ["Please remember: our fiscal year starts in April", "our fiscal year starts in April"],
    ["  remember, I'm on the Berlin team ", "I'm on the Berlin team"],
    ["Can you remember that  my manager is  Dana?", "my manager is Dana"],
  ])("%s → %s", (message, fact) => {
    expect(detectRememberRequest(message)).toBe(fact);
  });

  it.each([
    "remember secret-abc123", // no "that" or colon: an ordinary message (the isolation test's wording)
    "Do you remember that movie?",
    "I can't remember that at all",
    "remember that " + "x".repeat(600),
    "remember that ok",
  ])("not a request: %s", (message) => {
    expect(detectRememberRequest(message)).toBeNull();
  });
});

describe("parseProposals", () => {
  it("takes the JSON facts, cleaned, de-duplicated and capped", () => {
    const reply = 'Sure: {"facts": ["Prefers  answers in German.", "prefers answers in german.", "Works on the billing team.", 7, "x", "Uses Postgres.", "Fourth one."]}';
    expect(parseProposals(reply)).toEqual(["Prefers answers in German.", "Works on the billing team.", "Uses Postgres."].slice(0, PROPOSE_POLICY.maxProposals));
  });

  it.each(["(simulated reply) Here is a short answer. - a list item", '{"facts": "not a list"}', "{broken json", '{"facts": ["\ud800 broken"]}'])("yields nothing for %s", (reply) => {
    expect(parseProposals(reply)).toEqual([]);
  });
});

describe("takeTranscript", () => {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  it("takes the oldest messages that fit, skipping failed replies but covering them, and ends on a reply when cut short", () => {
    const messages = [
      { role: "user" as const, content: "a".repeat(40), status: "complete", created_at: at(1) },
      { role: "assistant" as const, content: "", status: "error", created_at: at(2) },
      { role: "user" as const, content: "b".repeat(40), status: "complete", created_at: at(3) },
      { role: "assistant" as const, content: "c".repeat(400), status: "complete", created_at: at(4) },
    ];
    // Three fit, but the third is a question whose answer did not: it waits for the next batch.
    const batch = takeTranscript(messages, 30);
    expect(batch.count).toBe(2);
    expect(batch.transcript).toBe(`User: ${"a".repeat(40)}`);
    const all = takeTranscript(messages, 10_000);
    expect(all.count).toBe(4);
    expect(all.transcript).toBe(`User: ${"a".repeat(40)}\nUser: ${"b".repeat(40)}\nAssistant: ${"c".repeat(400)}`);
  });

  it("always makes progress: a first message too large is cut to fit", () => {
    const batch = takeTranscript([{ role: "user", content: "z".repeat(10_000), status: "complete", created_at: at(1) }], 100);
    expect(batch.count).toBe(1);
    expect(batch.transcript.length).toBeLessThanOrEqual(400);
  });
});

describe("contextJobsFor", () => {
  const caller = { tenantId: "11111111-1111-4111-8111-111111111111", userId: "22222222-2222-4222-8222-222222222222", planId: "starter" };
  const history = Array.from({ length: 20 }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
  const base = { caller, conversationId: "33333333-3333-4333-8333-333333333333", history, readWasFull: false, memoryScannedUntil: null };

  it("no job while fewer than the threshold of messages fell out of the window", () => {
    expect(contextJobsFor({ ...base, firstKeptMessage: SUMMARY_POLICY.minDroppedMessages - 2 })).toEqual([]);
  });

  it("a summary up to the first kept message, moved to a user message", () => {
    const [job] = contextJobsFor({ ...base, firstKeptMessage: 7 });
    expect(job).toEqual({ name: "session-summarise", payload: { ...caller, conversationId: base.conversationId, before: history[8]!.created_at } });
  });

  it("a full read summarises ahead, so the next turns do not each start one", () => {
    const [job] = contextJobsFor({ ...base, firstKeptMessage: 0, readWasFull: true });
    expect(job?.payload).toMatchObject({ before: history[SUMMARY_POLICY.minDroppedMessages]!.created_at });
  });

  it("memory proposals only when allowed and enough new user messages arrived", () => {
    expect(contextJobsFor({ ...base, firstKeptMessage: 0, memoryScannedUntil: null })).toEqual([]);
    expect(contextJobsFor({ ...base, firstKeptMessage: 0, memoryScannedUntil: "-infinity" }).map((j) => j.name)).toEqual(["memory-propose"]);
    // Only user messages after the mark count: 2 of them after history[15].
    expect(contextJobsFor({ ...base, firstKeptMessage: 0, memoryScannedUntil: history[15]!.created_at })).toEqual([]);
  });
});

describe("contextJobFrom", () => {
  const payload = { tenantId: "11111111-1111-4111-8111-111111111111", userId: "22222222-2222-4222-8222-222222222222", planId: "starter", conversationId: "33333333-3333-4333-8333-333333333333" };
  it("reads back a queued summary job, with PostgreSQL's timestamp format", () => {
    const before = "2026-12-01T12:00:00.123+00:00";
    expect(contextJobFrom("session-summarise", { ...payload, before })).toEqual({ name: "session-summarise", payload: { ...payload, before } });
  });
  it("refuses a payload that is not a job's", () => {
    expect(() => contextJobFrom("session-summarise", payload)).toThrow();
    expect(() => contextJobFrom("memory-propose", { ...payload, userId: "nope" })).toThrow();
  });
});
