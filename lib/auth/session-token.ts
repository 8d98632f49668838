import hkdf from "@panva/hkdf";
import { jwtDecrypt } from "jose";
import { createSecretKey, type KeyObject } from "node:crypto";

/**
 * The user id in a next-auth session token, or null when the token is invalid, expired or
 * carries no user id. The check is next-auth/jwt decode() (JWE, dir + A256GCM, expiry with
 * its 15 s tolerance) with the HKDF key derived once per secret instead of on every request;
 * tests/unit/session-token.test.ts holds it to next-auth's own encode().
 */
export async function sessionTokenUserId(raw: string, secret: string): Promise<string | null> {
  const payload = await sessionKey(secret)
    .then((key) => jwtDecrypt(raw, key, { clockTolerance: DECODE_CLOCK_TOLERANCE_SECONDS }))
    .then((result) => result.payload)
    .catch(() => null);
  return typeof payload?.userId === "string" ? payload.userId : null;
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
