import hkdf from "@panva/hkdf";
import { jwtDecrypt } from "jose";
import { createSecretKey, type KeyObject } from "node:crypto";

/** What a valid session token says: whose it is and which session version it was issued under. */
export interface SessionClaims {
  userId: string;
  /** users.session_version at sign-in; tokens from before 0010 carry none and count as 0. */
  sessionVersion: number;
}

/**
 * The claims of a next-auth session token, or null when the token is invalid, expired or
 * carries no user id. The check is next-auth/jwt decode() (JWE, dir + A256GCM, expiry with
 * its 15 s tolerance) with the HKDF key derived once per secret instead of on every request;
 * tests/unit/session-token.test.ts holds it to next-auth's own encode(). The version is
 * compared with the database where membership is resolved (identifyMember, getCurrentUser).
 */
export async function sessionTokenClaims(raw: string, secret: string): Promise<SessionClaims | null> {
  const payload = await sessionKey(secret)
    .then((key) => jwtDecrypt(raw, key, { clockTolerance: DECODE_CLOCK_TOLERANCE_SECONDS }))
    .then((result) => result.payload)
    .catch(() => null);
  if (typeof payload?.userId !== "string") return null;
  const version = payload.sessionVersion ?? 0;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) return null;
  return { userId: payload.userId, sessionVersion: version };
}

export async function sessionTokenUserId(raw: string, secret: string): Promise<string | null> {
  return (await sessionTokenClaims(raw, secret))?.userId ?? null;
}

/** As in next-auth/jwt decode(). */
const DECODE_CLOCK_TOLERANCE_SECONDS = 15;

let derived: { secret: string; key: Promise<KeyObject> } | undefined;

/**
 * next-auth/jwt's session encryption key (getDerivedEncryptionKey with the default empty
 * salt): HKDF-SHA256 of the secret, 32 bytes. Cached per secret; a failed derivation is not.
 */
function sessionKey(secret: string): Promise<KeyObject> {
  if (derived?.secret !== secret) {
    const key = hkdf("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32).then((bytes) => createSecretKey(bytes));
    const entry = { secret, key };
    derived = entry;
    key.catch(() => {
      if (derived === entry) derived = undefined;
    });
  }
  return derived.key;
}
