import { hashApiKey, isWellFormedApiKey } from "@/lib/api-keys/key-format";
import { resolveApiKeyHash, type ResolvedApiKey } from "@/lib/api-keys/resolve";
import { API_KEY_CACHE_TTL_MS, isRevoked, revocationMarker } from "@/lib/api-keys/revocation";

export interface ApiKeyCacheOptions {
  ttlMs?: number;
  resolve?: (keyHash: string) => Promise<ResolvedApiKey | null>;
  isRevoked?: (keyId: string) => Promise<boolean>;
  now?: () => number;
  maxEntries?: number;
}

interface Entry {
  value: ResolvedApiKey;
  until: number;
}

/**
 * A presented key as the data plane sees it before its revocation check (lookupDeferred):
 * its value, and how to check it — inside the caller's own Redis round trip (`marker`, the
 * revocation marker's key, when the cache checks the process Redis), or on its own (`confirm`).
 */
export interface DeferredKey {
  value: ResolvedApiKey;
  /** True when the key was just read from the database, which refuses revoked keys: nothing left to check. */
  checked: boolean;
  /** The revocation marker to check in the same round trip; null when only confirm() can check. */
  marker: string | null;
  /** The check on its own (memoised): true while the key is still valid. Same fail-closed rule as lookup(). */
  confirm(): Promise<boolean>;
  /** The caller found the marker set: the entry is dropped, as lookup() drops it. */
  revoked(): void;
}

/**
 * The gateway's in-process key cache: a hit costs no database round trip, only the
 * revocation check against Redis (lib/api-keys/revocation.ts), so a key revoked on any
 * instance stops working on every instance at its next request. Entries live at most
 * `ttlMs` (and never past the key's expiry), which also bounds how stale scopes and plan may be. Entries are keyed by the
 * key's hash: the cache never holds a presented key. Misses are not cached (an unknown
 * key costs a lookup each time; the rate limits bound that).
 *
 * If the revocation check itself fails (Redis down), the key is resolved from the
 * database, which refuses revoked keys: fail closed, never serve a possibly revoked key.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly resolve: (keyHash: string) => Promise<ResolvedApiKey | null>;
  private readonly revoked: (keyId: string) => Promise<boolean>;
  private readonly now: () => number;
  private readonly maxEntries: number;
  /** The marker can be checked by another round trip only when it is the default Redis check. */
  private readonly defaultRevocation: boolean;

  constructor(options: ApiKeyCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? API_KEY_CACHE_TTL_MS;
    this.resolve = options.resolve ?? resolveApiKeyHash;
    this.revoked = options.isRevoked ?? ((keyId) => isRevoked(keyId));
    this.defaultRevocation = options.isRevoked === undefined;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async get(presentedKey: string): Promise<ResolvedApiKey | null> {
    const found = await this.lookup(presentedKey);
    return found && (await found.stillValid) ? found.value : null;
  }

  /**
   * For the data plane: a cache hit answers at once, its revocation check still on its way
   * (`stillValid`), so the gateway can send that check together with its first rate-limit
   * command instead of before it. The caller must await `stillValid` before anything of the
   * request takes effect. Same fail-closed rule as get(): a failed check asks the database.
   */
  async lookup(presentedKey: string): Promise<{ value: ResolvedApiKey; stillValid: Promise<boolean> } | null> {
    if (!isWellFormedApiKey(presentedKey)) return null;
    const keyHash = hashApiKey(presentedKey);
    const entry = this.entries.get(keyHash);
    if (entry && entry.until > this.now()) {
      const stillValid = this.revoked(entry.value.keyId).then(
        (revoked) => {
          if (revoked) this.entries.delete(keyHash);
          return !revoked;
        },
        () => this.load(keyHash).then((value) => value !== null),
      );
      return { value: entry.value, stillValid };
    }
    const value = await this.load(keyHash);
    return value ? { value, stillValid: Promise.resolve(true) } : null;
  }

  /**
   * For the tenant API's hot path: like lookup(), but a cache hit's revocation check is not
   * sent; the caller checks `marker` in its own Redis round trip (lib/limits/api-admission.ts)
   * or calls confirm(). The caller must do one of the two before anything of the request
   * takes effect.
   */
  async lookupDeferred(presentedKey: string): Promise<DeferredKey | null> {
    if (!isWellFormedApiKey(presentedKey)) return null;
    const keyHash = hashApiKey(presentedKey);
    const entry = this.entries.get(keyHash);
    if (entry && entry.until > this.now()) {
      const value = entry.value;
      let confirmed: Promise<boolean> | undefined;
      return {
        value,
        checked: false,
        marker: this.defaultRevocation ? revocationMarker(value.keyId) : null,
        confirm: () =>
          (confirmed ??= this.revoked(value.keyId).then(
            (revoked) => {
              if (revoked) this.entries.delete(keyHash);
              return !revoked;
            },
            () => this.load(keyHash).then((loaded) => loaded !== null),
          )),
        revoked: () => void this.entries.delete(keyHash),
      };
    }
    const value = await this.load(keyHash);
    return value ? { value, checked: true, marker: null, confirm: () => Promise.resolve(true), revoked: () => void this.entries.delete(keyHash) } : null;
  }

  private async load(keyHash: string): Promise<ResolvedApiKey | null> {
    const value = await this.resolve(keyHash);
    if (!value) {
      this.entries.delete(keyHash);
      return null;
    }
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // Never past the key's own expiry: an expired key must stop at once, not at the TTL.
    const until = Math.min(this.now() + this.ttlMs, value.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
    this.entries.set(keyHash, { value, until });
    return value;
  }
}
