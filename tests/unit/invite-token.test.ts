import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashInviteToken, INVITE_TTL_MS, inviteExpiresAt, inviteStatus, isWellFormedInviteToken, newInviteToken } from "@/lib/tenancy/invite-token";

describe("invite tokens", () => {
  it("are 32 random bytes in base64url, different every time", () => {
    const a = newInviteToken();
    const b = newInviteToken();
    expect(Buffer.from(a.token, "base64url")).toHaveLength(32);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(isWellFormedInviteToken(a.token)).toBe(true);
  });

  it("store only the sha256 of the token", () => {
    const { token, tokenHash } = newInviteToken();
    expect(tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(tokenHash).not.toContain(token);
    expect(hashInviteToken(token)).toBe(tokenHash);
    expect(hashInviteToken(`${token.slice(0, -1)}x`)).not.toBe(tokenHash);
  });

  it("reject malformed tokens before any lookup", () => {
    expect(isWellFormedInviteToken("")).toBe(false);
    expect(isWellFormedInviteToken("a".repeat(42))).toBe(false);
    expect(isWellFormedInviteToken("a".repeat(44))).toBe(false);
    expect(isWellFormedInviteToken(`${"a".repeat(42)}=`)).toBe(false);
    expect(isWellFormedInviteToken(`${"a".repeat(42)}/`)).toBe(false);
  });
});

describe("invite expiry", () => {
  const now = new Date("2026-03-01T12:00:00.000Z");

  it("expires seven days after creation", () => {
    expect(INVITE_TTL_MS).toBe(7 * 24 * 60 * 60 * 1000);
    expect(inviteExpiresAt(now).toISOString()).toBe("2026-03-08T12:00:00.000Z");
  });

  it("is pending until the expiry instant, expired from it on", () => {
    const expiresAt = inviteExpiresAt(now);
    expect(inviteStatus({ acceptedAt: null, expiresAt }, new Date(expiresAt.getTime() - 1))).toBe("pending");
    expect(inviteStatus({ acceptedAt: null, expiresAt }, expiresAt)).toBe("expired");
    expect(inviteStatus({ acceptedAt: null, expiresAt }, new Date(expiresAt.getTime() + 1))).toBe("expired");
  });

  it("reports an accepted invite as accepted even after it would have expired", () => {
    const expiresAt = inviteExpiresAt(now);
    expect(inviteStatus({ acceptedAt: now, expiresAt }, new Date(expiresAt.getTime() + 1))).toBe("accepted");
    expect(inviteStatus({ acceptedAt: now, expiresAt }, now)).toBe("accepted");
  });
});
