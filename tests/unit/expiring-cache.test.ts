import { describe, expect, it } from "vitest";
import { expiringCache } from "@/lib/cache/memo";

describe("expiringCache", () => {
  it("returns a value until its time is up, and a value set again lives from then", () => {
    const cache = expiringCache<string, number>(10, 100);
    cache.set("a", 1, 1_000);
    expect(cache.get("a", 1_099)).toBe(1);
    expect(cache.get("a", 1_100)).toBeUndefined();
    cache.set("a", 2, 1_100);
    expect(cache.get("a", 1_199)).toBe(2);
  });

  it("drops the oldest entry beyond its size, and a deleted entry at once", () => {
    const cache = expiringCache<string, number>(2, 1_000);
    cache.set("a", 1, 0);
    cache.set("b", 2, 0);
    cache.set("a", 3, 0); // set again: now the newest
    cache.set("c", 4, 0);
    expect([cache.get("a", 1), cache.get("b", 1), cache.get("c", 1)]).toEqual([3, undefined, 4]);
    cache.delete("c");
    expect(cache.get("c", 1)).toBeUndefined();
  });
});
