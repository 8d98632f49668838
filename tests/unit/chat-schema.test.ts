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
