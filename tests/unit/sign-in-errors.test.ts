import { describe, expect, it } from "vitest";
import { rateLimitedCode, signInErrorMessage, SIGN_IN_ERROR } from "@/lib/auth/sign-in-errors";
import { SignInError, toSignInErrorCode } from "@/lib/auth/sign-in";

describe("sign-in error codes", () => {
  it("round-trips a rate limit with its wait", () => {
    expect(rateLimitedCode(42)).toBe("RateLimited:42");
    expect(signInErrorMessage(rateLimitedCode(42))).toBe("Too many sign-in attempts. Try again in 42 seconds.");
    expect(signInErrorMessage(rateLimitedCode(1))).toBe("Too many sign-in attempts. Try again in 1 second.");
    // The one wait formatter (lib/format.ts): seconds up to two minutes, then minutes.
    expect(signInErrorMessage(rateLimitedCode(61))).toBe("Too many sign-in attempts. Try again in 61 seconds.");
    expect(signInErrorMessage(rateLimitedCode(600))).toBe("Too many sign-in attempts. Try again in 10 minutes.");
  });

  it("rounds a fractional or zero wait up to at least one second", () => {
    expect(rateLimitedCode(0)).toBe("RateLimited:1");
    expect(rateLimitedCode(2.1)).toBe("RateLimited:3");
  });

  it("survives a tampered rate-limit code", () => {
    expect(signInErrorMessage("RateLimited:abc")).toBe("Too many sign-in attempts. Try again in a little while.");
    expect(signInErrorMessage("RateLimited:-5")).toBe("Too many sign-in attempts. Try again in a little while.");
  });

  it("maps wrong credentials without saying which part was wrong", () => {
    const message = signInErrorMessage(SIGN_IN_ERROR.invalidCredentials);
    expect(message).toMatch(/email and password don't match/);
  });

  it("maps unknown codes to a generic sentence and nothing to null", () => {
    expect(signInErrorMessage("<script>")).toBe("Sign-in failed. Please try again.");
    expect(signInErrorMessage("")).toBeNull();
    expect(signInErrorMessage(undefined)).toBeNull();
    expect(signInErrorMessage(SIGN_IN_ERROR.unavailable)).toMatch(/temporarily unavailable/);
  });

  it("never lets an unexpected error's message reach the URL", () => {
    const original = console.error;
    console.error = () => {};
    try {
      expect(toSignInErrorCode(new Error("connect ECONNREFUSED 10.0.0.5:5432"))).toBe(SIGN_IN_ERROR.unavailable);
    } finally {
      console.error = original;
    }
    expect(toSignInErrorCode(new SignInError(rateLimitedCode(9)))).toBe("RateLimited:9");
  });
});
