import { createHash, randomBytes } from "node:crypto";

/** How long an invite link works. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** 32 random bytes as base64url: 43 characters, no padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface NewInviteToken {
  /** Shown once, in the link. Never stored. */
  token: string;
  /** What the database keeps. */
  tokenHash: string;
}

export function newInviteToken(): NewInviteToken {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashInviteToken(token) };
}

/** sha256 is enough here: the token has 256 bits of entropy, so nothing can be guessed from the hash. */
export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isWellFormedInviteToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function inviteExpiresAt(now: Date = new Date()): Date {
  return new Date(now.getTime() + INVITE_TTL_MS);
}

export type InviteStatus = "pending" | "accepted" | "expired";

export function inviteStatus(invite: { acceptedAt: Date | null; expiresAt: Date }, now: Date = new Date()): InviteStatus {
  if (invite.acceptedAt) return "accepted";
  return invite.expiresAt.getTime() > now.getTime() ? "pending" : "expired";
}
