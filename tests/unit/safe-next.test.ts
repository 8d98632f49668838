import { describe, expect, it } from "vitest";
import { safeNextPath, signInPath } from "@/lib/auth/safe-next";

describe("safeNextPath", () => {
  it.each([
    ["/w/acme", "/w/acme"],
    ["/w/acme/usage?range=30d#top", "/w/acme/usage?range=30d#top"],
    ["/invite/abc_DEF-123", "/invite/abc_DEF-123"],
    ["/", "/"],
  ])("keeps the same-site path %s", (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });

  it.each([
    ["protocol-relative", "//evil.test/w/acme"],
    ["backslash", "/\\evil.test"],
    ["backslash later", "/w/\\evil"],
    ["absolute URL", "https://evil.test/w/acme"],
    ["javascript URL", "javascript:alert(1)"],
    ["relative without slash", "w/acme"],
    ["tab that browsers strip", "/\t/evil.test"],
    ["newline", "/w/acme\n"],
    ["empty", ""],
    ["auth page loop", "/signin?next=/w/a"],
    ["signup page", "/signup"],
    ["auth API", "/api/auth/signout"],
  ])("drops %s", (_label, input) => {
    expect(safeNextPath(input)).toBeNull();
  });

  // Each of these is a redirect off-site in some browser, or after some proxy decodes it.
  it.each([
    ["//x", "//x"],
    ["/\\x", "/\\x"],
    ["/.//x (normalises to //x)", "/.//x"],
    ["/././/x", "/././/x"],
    ["/a/..//x (normalises to //x)", "/a/..//x"],
    ["/..//x", "/..//x"],
    ["/%2e//x (encoded dot segment)", "/%2e//x"],
    ["%2F%2Fx", "%2F%2Fx"],
    ["/%2F%2Fx (decodes to ///x)", "/%2F%2Fx"],
    ["/%2f/x", "/%2f/x"],
    ["/%5Cx (encoded backslash)", "/%5Cx"],
    ["///x", "///x"],
    ["tab inside //", "/\t/x"],
    ["leading tab", "\t//x"],
    ["encoded tab", "/%09/x"],
    ["newline inside //", "/\n/x"],
    ["backslash first", "\\\\x"],
    ["backslash after slash", "/\\/x"],
    ["https URL", "https://x.test/"],
    ["scheme without slashes", "http:x.test"],
    ["scheme with one slash", "https:/x.test"],
    ["javascript URL", "javascript:alert(1)"],
    ["data URL", "data:text/html,<script>alert(1)</script>"],
    ["leading space", " /x"],
    ["fullwidth solidus", "\uff0f\uff0fx"],
    ["encoded auth page", "/%73ignin"],
  ])("drops the hostile input %s", (_label, input) => {
    expect(safeNextPath(input)).toBeNull();
    expect(signInPath(input)).toBe("/signin");
    expect(signInPath(input, "/signup")).toBe("/signup");
  });

  it("returns a fixed point: every accepted value is accepted unchanged again", () => {
    for (const input of ["/w/acme/../b", "/w/%2Fx", "/a/./b?c=//d#//e", "/w/acme?next=//x"]) {
      const once = safeNextPath(input);
      expect(once).not.toBeNull();
      expect(safeNextPath(once)).toBe(once);
      expect(once!.startsWith("//")).toBe(false);
    }
  });

  it("drops non-strings and oversized values", () => {
    expect(safeNextPath(undefined)).toBeNull();
    expect(safeNextPath(["/w/a"])).toBeNull();
    expect(safeNextPath(`/${"a".repeat(3000)}`)).toBeNull();
  });

  it("normalises dot segments instead of letting them climb out", () => {
    expect(safeNextPath("/w/acme/../../etc")).toBe("/etc");
    expect(safeNextPath("/./signin")).toBeNull();
  });
});

describe("signInPath", () => {
  it("carries a safe next and an error code", () => {
    expect(signInPath("/w/acme")).toBe("/signin?next=%2Fw%2Facme");
    expect(signInPath("/invite/t", "/signup")).toBe("/signup?next=%2Finvite%2Ft");
    expect(signInPath("/w/a", "/signin", "RateLimited:30")).toBe("/signin?next=%2Fw%2Fa&error=RateLimited%3A30");
  });

  it("leaves an unsafe next out", () => {
    expect(signInPath("//evil.test")).toBe("/signin");
    expect(signInPath(null)).toBe("/signin");
  });
});
