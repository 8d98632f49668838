import { PromptHash } from "./hash";
import { visitInputSegments, type CacheTtl, type TokenCountable } from "../tokens";

/**
 * Prompt caching as the API bills it: the prompt up to each `cache_control` breakpoint
 * (tools → system → messages) is a cache entry. The longest prefix seen before and not
 * expired is read; the rest up to the last breakpoint is written; `input_tokens` is only
 * what follows the last breakpoint. So input + creation + read = the whole prompt.
 * Simplified: no minimum cacheable length, no 20-block lookback limit.
 */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Breakpoint {
  key: string;
  cumulativeTokens: number;
  ttl: CacheTtl;
}

const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 };

export class PromptCache {
  /** prefix key → expiry (ms epoch); Map order doubles as LRU order. */
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries = 20_000) {}

  account(model: string, request: TokenCountable, now = Date.now()): CacheUsage {
    let total = 0;
    let hasBreakpoint = false;
    visitInputSegments(request, (tokens, _part, breakpoint) => {
      total += tokens;
      if (breakpoint) hasBreakpoint = true;
    });
    if (!hasBreakpoint) return uncached(total);

    const breakpoints = this.breakpointsOf(model, request);
    let readIndex = -1;
    for (let i = breakpoints.length - 1; i >= 0; i--) {
      const expiry = this.entries.get(breakpoints[i]?.key ?? "");
      if (expiry !== undefined && expiry > now) {
        readIndex = i;
        break;
      }
    }

    const read = readIndex >= 0 ? (breakpoints[readIndex]?.cumulativeTokens ?? 0) : 0;
    let written5m = 0;
    let written1h = 0;
    let previous = read;
    for (let i = readIndex + 1; i < breakpoints.length; i++) {
      const bp = breakpoints[i];
      if (!bp) continue;
      if (bp.ttl === "1h") written1h += bp.cumulativeTokens - previous;
      else written5m += bp.cumulativeTokens - previous;
      previous = bp.cumulativeTokens;
    }
    // Reading refreshes an entry's lifetime, as the API does.
    for (const bp of breakpoints) this.remember(bp.key, now + TTL_MS[bp.ttl]);

    return {
      input_tokens: total - previous,
      cache_creation_input_tokens: written5m + written1h,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: written5m, ephemeral_1h_input_tokens: written1h },
    };
  }

  clear(): void {
    this.entries.clear();
  }

  private breakpointsOf(model: string, request: TokenCountable): Breakpoint[] {
    const hash = new PromptHash().update(model);
    const breakpoints: Breakpoint[] = [];
    let cumulative = 0;
    visitInputSegments(request, (tokens, part, ttl) => {
      cumulative += tokens;
      hash.update(typeof part === "string" ? part : JSON.stringify(part, withoutCacheControl));
      if (ttl) breakpoints.push({ key: hash.copy().digest(), cumulativeTokens: cumulative, ttl });
    });
    return breakpoints;
  }

  private remember(key: string, expiry: number): void {
    this.entries.delete(key);
    this.entries.set(key, expiry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

/** Moving a breakpoint does not change the cached content itself. */
function withoutCacheControl(key: string, value: unknown): unknown {
  return key === "cache_control" ? undefined : value;
}

export function uncached(total: number): CacheUsage {
  return {
    input_tokens: total,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  };
}
