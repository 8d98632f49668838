import type { Redis } from "@upstash/redis";
import { getRedis } from "@/lib/redis/client";

/**
 * Revocation across instances. The gateway caches resolved keys in-process
 * (lib/api-keys/cache.ts) for up to API_KEY_CACHE_TTL_MS; the database alone would let a
 * revoked key work on other instances until their entries expire. So revoking also sets a
 * marker in the shared Redis, and every cache hit checks it (one EXISTS, which the gateway
 * can send in the same round trip as its rate-limit commands: revocationMarker() names the
 * key). The marker outlives every cache entry that could still hold the key; after that the
 * database, which refuses revoked keys, is the truth again.
 *
 * Without a configured Redis the store is per-process (said so in the start banner), which
 * is exactly as wide as one instance's cache.
 */
export const API_KEY_CACHE_TTL_MS = 60_000;
const MARKER_TTL_SECONDS = Math.ceil((API_KEY_CACHE_TTL_MS * 10) / 1000);

export function revocationMarker(keyId: string): string {
  return `bh:api-key:revoked:${keyId}`;
}

export async function broadcastRevocation(keyId: string, redis: Redis = getRedis()): Promise<void> {
  await redis.set(revocationMarker(keyId), "1", { ex: MARKER_TTL_SECONDS });
}

export async function isRevoked(keyId: string, redis: Redis = getRedis()): Promise<boolean> {
  return (await redis.exists(revocationMarker(keyId))) > 0;
}
