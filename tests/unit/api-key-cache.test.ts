import { describe, expect, it } from "vitest";
import { ApiKeyCache } from "@/lib/api-keys/cache";
import { generateApiKey } from "@/lib/api-keys/key-format";
import type { ResolvedApiKey } from "@/lib/api-keys/resolve";

function setup(expiresAt: Date | null, revoked: () => Promise<boolean>) {
  const { key } = generateApiKey();
  let clock = 1_000_000;
  let loads = 0;
  let valid = true;
  const value: ResolvedApiKey = { tenantId: "t", keyId: "k", scopes: ["messages"], planId: "free", expiresAt, createdById: "u" };
  const cache = new ApiKeyCache({
    ttlMs: 60_000,
    now: () => clock,
    isRevoked: () => revoked(),
    resolve: async () => {
      loads += 1;
      return valid ? value : null;
    },
  });
  return { key, cache, advance: (ms: number) => (clock += ms), loads: () => loads, invalidate: () => (valid = false) };
}

describe("ApiKeyCache", () => {
  it("serves a hit without the database and reloads after the TTL", async () => {
    const t = setup(null, async () => false);
    await t.cache.get(t.key);
    await t.cache.get(t.key);
    expect(t.loads()).toBe(1);
    t.advance(60_001);
    await t.cache.get(t.key);
    expect(t.loads()).toBe(2);
  });

  it("never serves a key past its own expiry", async () => {
    const t = setup(new Date(1_000_000 + 5_000), async () => false);
    await t.cache.get(t.key);
    t.invalidate(); // the database now refuses it (expired)
    t.advance(5_001);
    expect(await t.cache.get(t.key)).toBeNull();
    expect(t.loads()).toBe(2);
  });

  it("a revocation marker refuses a cached key at once", async () => {
    let revoked = false;
    const t = setup(null, async () => revoked);
    expect(await t.cache.get(t.key)).not.toBeNull();
    revoked = true;
    expect(await t.cache.get(t.key)).toBeNull();
    expect(t.loads()).toBe(1);
  });

  it("when Redis fails, the key is re-checked against the database (fail closed)", async () => {
    const t = setup(null, async () => {
      throw new Error("redis down");
    });
    await t.cache.get(t.key);
    t.invalidate(); // revoked in the database meanwhile
    expect(await t.cache.get(t.key)).toBeNull();
    expect(t.loads()).toBe(2);
  });

  it("refuses malformed keys without a lookup", async () => {
    const t = setup(null, async () => false);
    expect(await t.cache.get("bh_live_short")).toBeNull();
    expect(await t.cache.get(`${t.key}x`)).toBeNull();
    expect(t.loads()).toBe(0);
  });

  describe("lookup (the data plane's hit, checked alongside)", () => {
    it("answers a hit at once and reports a revocation through stillValid", async () => {
      let revoked = false;
      const t = setup(null, async () => revoked);
      await t.cache.get(t.key);
      const hit = await t.cache.lookup(t.key);
      expect(await hit!.stillValid).toBe(true);
      revoked = true;
      const again = await t.cache.lookup(t.key);
      expect(again!.value.keyId).toBe("k");
      expect(await again!.stillValid).toBe(false);
      // The revoked entry is gone: the next lookup asks the database.
      t.invalidate();
      expect(await t.cache.lookup(t.key)).toBeNull();
    });

    it("falls back to the database when the revocation check fails (fail closed)", async () => {
      const t = setup(null, async () => {
        throw new Error("redis down");
      });
      await t.cache.get(t.key);
      t.invalidate();
      const hit = await t.cache.lookup(t.key);
      expect(await hit!.stillValid).toBe(false);
    });
  });
});
