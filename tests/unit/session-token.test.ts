import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { sessionTokenUserId } from "@/lib/auth/session-token";

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
