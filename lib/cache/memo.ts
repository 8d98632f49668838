/**
 * A bounded in-process memo: `get(key, build)` returns the value built for `key` before, or
 * builds and keeps it, dropping the least recently used entry beyond `maxEntries` (Map order
 * is insertion order; a hit moves its entry to the end). For values that a key determines
 * completely — a stale entry must be impossible, not merely unlikely.
 */
export function boundedMemo<K, V>(maxEntries: number): { get(key: K, build: () => V): V; readonly size: number } {
  const entries = new Map<K, V>();
  return {
    get(key, build) {
      if (entries.has(key)) {
        const hit = entries.get(key) as V;
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const value = build();
      entries.set(key, value);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as K);
      return value;
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * A bounded in-process cache whose entries expire `ttlMs` after they were set, for values
 * that may go stale and are verified or cheap to be wrong about for that long (the identify
 * cache, knowledge presence). Beyond `maxEntries` the oldest entry is dropped.
 */
export function expiringCache<K, V>(maxEntries: number, ttlMs: number): {
  get(key: K, now?: number): V | undefined;
  set(key: K, value: V, now?: number): void;
  delete(key: K): void;
} {
  const entries = new Map<K, { until: number; value: V }>();
  return {
    get(key, now = Date.now()) {
      const entry = entries.get(key);
      return entry && entry.until > now ? entry.value : undefined;
    },
    set(key, value, now = Date.now()) {
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as K);
      entries.set(key, { until: now + ttlMs, value });
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
