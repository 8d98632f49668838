import { createHmac } from "node:crypto";
import { getAuthSecret } from "@/lib/auth/secret";

/**
 * Each tenant's secret canary: a string that appears in that tenant's system prompt and
 * nowhere else, so a reply containing it is a prompt leak (lib/security/leak-watcher.ts).
 * Derived from the server secret and the tenant id: stable (the cached prefix stays
 * byte-identical from call to call) and different for every tenant, so it doubles as the
 * per-tenant salt of the cached prefix (issue 10, item 11): tenant B's identical
 * configuration never reads tenant A's cache entry.
 */
const cache = new Map<string, string>();

export function tenantCanary(tenantId: string): string {
  let canary = cache.get(tenantId);
  if (!canary) {
    const digest = createHmac("sha256", getAuthSecret()).update(`bulkhead:canary:${tenantId}`).digest("hex");
    canary = `bh-canary-${digest.slice(0, 24)}`;
    cache.set(tenantId, canary);
  }
  return canary;
}
