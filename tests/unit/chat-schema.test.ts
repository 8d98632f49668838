import { describe, expect, it } from "vitest";
import { chatRequestSchema } from "@/lib/chat/schemas";

describe("chat request validation", () => {
  it("refuses a NUL byte in the message with a field error (422 before anything is reserved)", () => {
    const parsed = chatRequestSchema.safeParse({ message: "a \u0000 b" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["message", "Messages cannot contain NUL characters."]]);
  });

  it("accepts other control-free text, including non-Latin scripts", () => {
    expect(chatRequestSchema.safeParse({ message: "東京の天気は？ ok" }).success).toBe(true);
  });
});

describe("regenerate with a stronger model (issue 14)", () => {
  const id = "00000000-0000-4000-8000-000000000001";

  it("accepts retry with escalate for a conversation", () => {
    expect(chatRequestSchema.safeParse({ conversationId: id, retry: true, escalate: true })).toMatchObject({ success: true, data: { retry: true, escalate: true } });
  });

  it("refuses escalate without retry, and a non-boolean escalate", () => {
    const alone = chatRequestSchema.safeParse({ conversationId: id, message: "hi", escalate: true });
    expect(alone.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["escalate", "Escalate regenerates the last answer: send it with retry."]]);
    const wrongType = chatRequestSchema.safeParse({ conversationId: id, retry: true, escalate: "yes" });
    expect(wrongType.error?.issues.map((i) => i.path.join("."))).toEqual(["escalate"]);
  });
});
