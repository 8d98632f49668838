/**
 * The account-level limits the simulator reports in `anthropic-ratelimit-*` headers, so the
 * app's headroom monitor sees "remaining" fall under load. A fixed one-minute window is
 * enough for that (the real API refills continuously). Enforcement is opt-in: benchmarks
 * push far past 4,000 requests/min and must not be throttled by the simulator unless asked.
 */
export interface AccountLimits {
  /** Requests per minute. */
  rpm: number;
  /** Tokens per minute, input and output together ("tokens-*" headers). */
  tpm: number;
  /** Input tokens per minute (uncached input + cache writes; cache reads are free, as on the API). */
  itpm: number;
  /** Output tokens per minute. */
  otpm: number;
  /** Answer 429 once a limit is spent. Off by default. */
  enforce: boolean;
}

export const DEFAULT_LIMITS: AccountLimits = {
  rpm: 4_000,
  tpm: 2_000_000,
  itpm: 2_000_000,
  otpm: 400_000,
  enforce: false,
};

const WINDOW_MS = 60_000;

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number; message: string };

export class RateWindow {
  private windowEnd = 0;
  private resetText = "";
  private requests = 0;
  private inputTokens = 0;
  private outputTokens = 0;

  constructor(private readonly limits: AccountLimits) {}

  /** Counts one request; refuses it only when enforcing and a limit is already spent. */
  admit(now = Date.now()): Admission {
    this.roll(now);
    if (this.limits.enforce) {
      const spent = this.spentLimit();
      if (spent) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((this.windowEnd - now) / 1000)), message: spent };
      }
    }
    this.requests++;
    return { ok: true };
  }

  addTokens(input: number, output: number): void {
    this.inputTokens += input;
    this.outputTokens += output;
  }

  headers(now = Date.now()): Record<string, string> {
    this.roll(now);
    const { rpm, tpm, itpm, otpm } = this.limits;
    const reset = this.resetText;
    return {
      "anthropic-ratelimit-requests-limit": String(rpm),
      "anthropic-ratelimit-requests-remaining": String(Math.max(0, rpm - this.requests)),
      "anthropic-ratelimit-requests-reset": reset,
      "anthropic-ratelimit-tokens-limit": String(tpm),
      "anthropic-ratelimit-tokens-remaining": String(Math.max(0, tpm - this.inputTokens - this.outputTokens)),
      "anthropic-ratelimit-tokens-reset": reset,
      "anthropic-ratelimit-input-tokens-limit": String(itpm),
      "anthropic-ratelimit-input-tokens-remaining": String(Math.max(0, itpm - this.inputTokens)),
      "anthropic-ratelimit-input-tokens-reset": reset,
      "anthropic-ratelimit-output-tokens-limit": String(otpm),
      "anthropic-ratelimit-output-tokens-remaining": String(Math.max(0, otpm - this.outputTokens)),
      "anthropic-ratelimit-output-tokens-reset": reset,
    };
  }

  reset(): void {
    this.windowEnd = 0;
  }

  private roll(now: number): void {
    if (now < this.windowEnd) return;
    // Whole seconds, so the RFC 3339 text (seconds precision, like the API's) is exact.
    this.windowEnd = Math.ceil((now + WINDOW_MS) / 1000) * 1000;
    this.resetText = new Date(this.windowEnd).toISOString().replace(/\.\d{3}Z$/, "Z");
    this.requests = 0;
    this.inputTokens = 0;
    this.outputTokens = 0;
  }

  private spentLimit(): string | null {
    const { rpm, tpm, itpm, otpm } = this.limits;
    if (this.requests >= rpm) return `requests per minute (${rpm})`;
    if (this.inputTokens + this.outputTokens >= tpm) return `tokens per minute (${tpm})`;
    if (this.inputTokens >= itpm) return `input tokens per minute (${itpm})`;
    if (this.outputTokens >= otpm) return `output tokens per minute (${otpm})`;
    return null;
  }
}
