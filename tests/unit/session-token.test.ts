import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { sessionCookieName } from "@/lib/auth/session";
import { sessionTokenClaims, sessionTokenUserId } from "@/lib/auth/session-token";

const SECRET = "unit-test-secret-0123456789abcdef";

describe("sessionTokenUserId", () => {
  it("reads the user id from a token made by next-auth's own encode()", async () => {
    const token = await encode({ token: { userId: "user-1", email: "a@example.com" }, secret: SECRET });
    expect(await sessionTokenUserId(token, SECRET)).toBe("user-1");
    // Second call takes the cached key and still agrees.
    expect(await sessionTokenUserId(token, SECRET)).toBe("user-1");
  });

  it("rejects a token encrypted with another secret", async () => {
    const token = await encode({ token: { userId: "user-1" }, secret: "another-secret-entirely-0123456789" });
    expect(await sessionTokenUserId(token, SECRET)).toBeNull();
  });

  it("follows a change of secret instead of keeping the old key", async () => {
    const token = await encode({ token: { userId: "user-2" }, secret: SECRET });
    const other = "rotated-secret-0123456789abcdef0123";
    expect(await sessionTokenUserId(token, other)).toBeNull();
    expect(await sessionTokenUserId(token, SECRET)).toBe("user-2");
  });

  it("rejects an expired token", async () => {
    const token = await encode({ token: { userId: "user-1" }, secret: SECRET, maxAge: -60 });
    expect(await sessionTokenUserId(token, SECRET)).toBeNull();
  });

  it("rejects garbage and a token without a user id", async () => {
    expect(await sessionTokenUserId("not-a-jwe", SECRET)).toBeNull();
    const token = await encode({ token: { email: "a@example.com" }, secret: SECRET });
    expect(await sessionTokenUserId(token, SECRET)).toBeNull();
  });
});

describe("sessionTokenClaims", () => {
  it("carries the session version, and counts a token from before versions as version 0", async () => {
    const versioned = await encode({ token: { userId: "user-1", sessionVersion: 3 }, secret: SECRET });
    const legacy = await encode({ token: { userId: "user-1" }, secret: SECRET });
    expect(await sessionTokenClaims(versioned, SECRET)).toEqual({ userId: "user-1", sessionVersion: 3 });
    expect(await sessionTokenClaims(legacy, SECRET)).toEqual({ userId: "user-1", sessionVersion: 0 });
  });

  it("rejects a token whose version is not a non-negative integer", async () => {
    for (const sessionVersion of [-1, 1.5, "2"]) {
      // A hostile or corrupted payload: the JWT type would not let a string through.
      const payload: Record<string, unknown> = { userId: "user-1", sessionVersion };
      const token = await encode({ token: payload, secret: SECRET });
      expect(await sessionTokenClaims(token, SECRET)).toBeNull();
    }
  });
});

describe("sessionCookieName", () => {
  it("reads only the __Secure- cookie when the site is served over https", () => {
    expect(sessionCookieName("https://app.example.com")).toBe("__Secure-next-auth.session-token");
    expect(sessionCookieName("http://localhost:3000")).toBe("next-auth.session-token");
    expect(sessionCookieName(undefined)).toBe("next-auth.session-token");
  });
});
