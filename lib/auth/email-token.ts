import { createHash, randomBytes } from "node:crypto";

/** 256-bit link secrets; only their SHA-256 is stored (email_tokens.token_hash). */
export function newEmailToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashEmailToken(token) };
}

export function hashEmailToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function isWellFormedEmailToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
