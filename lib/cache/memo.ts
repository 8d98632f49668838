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
