import { createHash, randomBytes } from "node:crypto";

/**
 * The shape of a tenant API key: `bh_live_` and 32 random bytes in base64url (43
 * characters). Only the SHA-256 of the whole key is stored: the key carries 256 random
 * bits, so a plain hash is as good as a slow one and keeps the gateway's lookup cheap.
 */
export const API_KEY_PREFIX = "bh_live_";
const SECRET_BYTES = 32;
const SECRET_LENGTH = 43;
/** Characters of the secret kept in the listed prefix: enough to tell keys apart, far too few to guess the rest. */
const SHOWN_SECRET_CHARS = 6;

const WELL_FORMED = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);

export interface NewApiKey {
  /** The full key: returned to its creator once, never stored or logged. */
  key: string;
  keyHash: string;
  prefix: string;
}

export function generateApiKey(): NewApiKey {
  const key = API_KEY_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
  return { key, keyHash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + SHOWN_SECRET_CHARS) };
}

/** Hex SHA-256 of the presented key, as stored in api_keys.key_hash. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Cheap shape check before any lookup: a malformed key never reaches the database. */
export function isWellFormedApiKey(key: string): boolean {
  return WELL_FORMED.test(key);
}
