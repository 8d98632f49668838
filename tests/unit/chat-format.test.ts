import { describe, expect, it } from "vitest";
import { parseRetryAfterHeader } from "@/components/chat/chat-api";
import { describeLimit, formatUpdatedAt, messageLength, speakableText } from "@/components/chat/format";
import { MAX_MESSAGE_CHARS } from "@/lib/chat/limits";

describe("describeLimit", () => {
  it("names the limit the server reported", () => {
    // The names lib/limits/admission.ts and lib/limits/quota.ts put in error.limit.
    expect(describeLimit("tenant_requests")).toBe("your workspace’s request limit");
    expect(describeLimit("tenant_tokens")).toBe("your workspace’s token limit");
    expect(describeLimit("monthly_quota")).toBe("your workspace’s monthly token quota");
    expect(describeLimit("user_share")).toBe("your share of the workspace’s request limit");
    expect(describeLimit(undefined)).toBe("your workspace’s request limit");
  });
});

describe("messageLength", () => {
  it("shows the counter from 80 % of the cap and reports characters over it", () => {
    expect(messageLength("x".repeat(MAX_MESSAGE_CHARS * 0.8 - 1))).toMatchObject({ showCounter: false, over: 0 });
    expect(messageLength("x".repeat(MAX_MESSAGE_CHARS * 0.8))).toMatchObject({ showCounter: true, over: 0 });
    expect(messageLength("x".repeat(MAX_MESSAGE_CHARS))).toMatchObject({ over: 0 });
    expect(messageLength("x".repeat(MAX_MESSAGE_CHARS + 3))).toMatchObject({ count: MAX_MESSAGE_CHARS + 3, over: 3 });
  });
});

describe("parseRetryAfterHeader", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfterHeader("30")).toBe(30);
    expect(parseRetryAfterHeader(null)).toBeUndefined();
    expect(parseRetryAfterHeader("soon")).toBeUndefined();
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfterHeader("Wed, 01 Jan 2025 00:00:42 GMT", now)).toBe(42);
    expect(parseRetryAfterHeader("Tue, 31 Dec 2024 23:00:00 GMT", now)).toBe(0);
  });
});

describe("formatUpdatedAt", () => {
  const now = Date.parse("2025-03-10T12:00:00Z");
  it("is relative for the last week and a date before that", () => {
    expect(formatUpdatedAt("2025-03-10T11:59:30Z", now)).toBe("just now");
    expect(formatUpdatedAt("2025-03-10T11:55:00Z", now)).toMatch(/^5 min/);
    expect(formatUpdatedAt("2025-03-10T09:00:00Z", now)).toMatch(/^3 hr/);
    expect(formatUpdatedAt("2025-03-09T11:00:00Z", now)).toBe("yesterday");
    expect(formatUpdatedAt("2025-02-01T11:00:00Z", now)).toBe("Feb 1");
    expect(formatUpdatedAt("garbage", now)).toBe("");
  });
});

describe("speakableText", () => {
  it("drops Markdown syntax a screen reader would read aloud", () => {
    const md = "# Title\n\nUse **bold** and *it* with `code` and [a link](https://x.test).\n\n```ts\nconst a = 1;\n```\n\n| a | b |\n| --- | --- |\n| 1 | 2 |";
    const out = speakableText(md);
    expect(out).not.toMatch(/[#*`]|\]\(|```|---/);
    expect(out).toContain("Title");
    expect(out).toContain("Use bold and it with code and a link.");
    expect(out).toContain("const a = 1;");
  });

  it("truncates long replies", () => {
    const out = speakableText("word ".repeat(1000), 50);
    expect(out.length).toBeLessThanOrEqual(51);
    expect(out.endsWith("word…")).toBe(true);
    expect(speakableText("short", 50)).toBe("short");
  });
});
