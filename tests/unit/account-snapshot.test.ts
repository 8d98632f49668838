import { describe, expect, it } from "vitest";
import {
  decideAlertChanges,
  deserialiseSnapshot,
  headroomOf,
  isHeadroomLow,
  parseAccountHeaders,
  serialiseSnapshot,
  type AlertLevel,
} from "@/lib/limits/account-snapshot";

const NOW = new Date("2026-03-01T12:00:00Z");

function headers(metric: string, limit: string | undefined, remaining: string | undefined, reset?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (limit !== undefined) out[`anthropic-ratelimit-${metric}-limit`] = limit;
  if (remaining !== undefined) out[`anthropic-ratelimit-${metric}-remaining`] = remaining;
  if (reset !== undefined) out[`anthropic-ratelimit-${metric}-reset`] = reset;
  return out;
}

describe("parseAccountHeaders", () => {
  it("reads every metric with limit, remaining, reset and utilisation", () => {
    const snapshot = parseAccountHeaders(
      {
        ...headers("requests", "4000", "3000", "2026-03-01T12:00:30Z"),
        ...headers("tokens", "2000000", "500000", "2026-03-01T12:00:45Z"),
        ...headers("input-tokens", "1000000", "1000000", "2026-03-01T12:00:45Z"),
        ...headers("output-tokens", "400000", "0", "2026-03-01T12:01:00Z"),
        "request-id": "req_1",
      },
      NOW,
    );
    expect(snapshot).toEqual({
      observedAt: NOW,
      metrics: {
        requests: { limit: 4000, remaining: 3000, reset: new Date("2026-03-01T12:00:30Z"), utilisation: 0.25 },
        tokens: { limit: 2_000_000, remaining: 500_000, reset: new Date("2026-03-01T12:00:45Z"), utilisation: 0.75 },
        input_tokens: { limit: 1_000_000, remaining: 1_000_000, reset: new Date("2026-03-01T12:00:45Z"), utilisation: 0 },
        output_tokens: { limit: 400_000, remaining: 0, reset: new Date("2026-03-01T12:01:00Z"), utilisation: 1 },
      },
    });
  });

  it("returns null when no metric is present (connection error, stripped headers)", () => {
    expect(parseAccountHeaders({}, NOW)).toBeNull();
    expect(parseAccountHeaders({ "request-id": "x", "retry-after": "3" }, NOW)).toBeNull();
  });

  it("skips a metric missing its limit or remaining, keeps the others", () => {
    const snapshot = parseAccountHeaders(
      { ...headers("requests", "10", undefined), ...headers("tokens", undefined, "5"), ...headers("output-tokens", "100", "40") },
      NOW,
    );
    expect(Object.keys(snapshot?.metrics ?? {})).toEqual(["output_tokens"]);
    expect(snapshot?.metrics.output_tokens?.utilisation).toBeCloseTo(0.6, 12);
    expect(snapshot?.metrics.output_tokens?.reset).toBeNull();
  });

  it("skips a zero limit instead of dividing by it", () => {
    expect(parseAccountHeaders(headers("requests", "0", "0"), NOW)).toBeNull();
    const snapshot = parseAccountHeaders({ ...headers("requests", "0", "0"), ...headers("tokens", "10", "10") }, NOW);
    expect(snapshot?.metrics.requests).toBeUndefined();
    expect(snapshot?.metrics.tokens?.utilisation).toBe(0);
  });

  it("rejects values that are not non-negative integers", () => {
    for (const bad of ["", "-5", "1.5", "abc", "1e3", "Infinity"]) {
      expect(parseAccountHeaders(headers("requests", "10", bad), NOW), bad).toBeNull();
      expect(parseAccountHeaders(headers("requests", bad, "3"), NOW), bad).toBeNull();
    }
  });

  it("clamps utilisation to 0 when remaining exceeds the limit", () => {
    expect(parseAccountHeaders(headers("requests", "10", "12"), NOW)?.metrics.requests?.utilisation).toBe(0);
  });

  it("accepts header names in any case", () => {
    const snapshot = parseAccountHeaders({ "Anthropic-RateLimit-Requests-Limit": "10", "ANTHROPIC-RATELIMIT-REQUESTS-REMAINING": "3" }, NOW);
    expect(snapshot?.metrics.requests?.utilisation).toBeCloseTo(0.7, 12);
  });

  it("parses RFC 3339 resets with offsets and fractions, and nothing else", () => {
    const reset = (value: string) => parseAccountHeaders(headers("requests", "10", "5", value), NOW)?.metrics.requests?.reset ?? null;
    expect(reset("2026-03-01T12:00:30Z")).toEqual(new Date("2026-03-01T12:00:30Z"));
    expect(reset("2026-03-01T13:00:30+01:00")).toEqual(new Date("2026-03-01T12:00:30Z"));
    expect(reset("2026-03-01T12:00:30.250Z")).toEqual(new Date("2026-03-01T12:00:30.250Z"));
    expect(reset("2026-03-01t12:00:30z")).toEqual(new Date("2026-03-01T12:00:30Z"));
    // Date.parse would accept these; RFC 3339 does not.
    expect(reset("Sun, 01 Mar 2026 12:00:30 GMT")).toBeNull();
    expect(reset("2026-03-01")).toBeNull();
    expect(reset("2026-03-01T12:00:30")).toBeNull();
    expect(reset("30")).toBeNull();
    expect(reset("2026-13-45T12:00:30Z")).toBeNull();
  });
});

describe("headroom", () => {
  const snapshot = parseAccountHeaders(
    { ...headers("requests", "100", "70", "2026-03-01T12:00:50Z"), ...headers("tokens", "1000", "150", "2026-03-01T12:00:40Z") },
    NOW,
  )!;

  it("is 1 - the highest utilisation", () => {
    expect(headroomOf(snapshot, NOW)).toBeCloseTo(0.15, 12);
    expect(isHeadroomLow(snapshot, NOW)).toBe(true);
  });

  it("counts a metric past its reset as replenished", () => {
    const afterTokensReset = new Date("2026-03-01T12:00:41Z");
    expect(headroomOf(snapshot, afterTokensReset)).toBeCloseTo(0.7, 12);
    expect(isHeadroomLow(snapshot, afterTokensReset)).toBe(false);
    expect(headroomOf(snapshot, new Date("2026-03-01T12:00:35Z"))).toBeCloseTo(0.15, 12);
    expect(headroomOf(snapshot, new Date("2026-03-01T12:00:50Z"))).toBe(1);
  });

  it("is low strictly below 20 %, and unknown is not low", () => {
    const at = (remaining: string) => parseAccountHeaders(headers("requests", "10", remaining), NOW);
    expect(isHeadroomLow(at("2"), NOW)).toBe(false); // exactly 20 % left
    expect(isHeadroomLow(at("1"), NOW)).toBe(true);
    expect(isHeadroomLow(null, NOW)).toBe(false);
  });

  it("survives the Redis round trip (JSON) unchanged, and rejects foreign values", () => {
    const back = deserialiseSnapshot(JSON.parse(JSON.stringify(serialiseSnapshot(snapshot))));
    expect(back).toEqual(snapshot);
    expect(deserialiseSnapshot(JSON.stringify(serialiseSnapshot(snapshot)))).toEqual(snapshot);
    expect(deserialiseSnapshot(null)).toBeNull();
    expect(deserialiseSnapshot("not json")).toBeNull();
    expect(deserialiseSnapshot({ observedAt: 1, metrics: { requests: { limit: 0, remaining: 0, reset: null, utilisation: 0 } } })).toBeNull();
  });
});

describe("decideAlertChanges", () => {
  const decide = (held: AlertLevel[], utilisation: number, hysteresis?: number) => decideAlertChanges(held, utilisation, hysteresis);

  it("raises each level as it is reached, and nothing below 50 %", () => {
    expect(decide([], 0.49)).toEqual({ raise: [], clear: [] });
    expect(decide([], 0.5)).toEqual({ raise: [50], clear: [] });
    expect(decide([50], 0.69)).toEqual({ raise: [], clear: [] });
    expect(decide([50], 0.7)).toEqual({ raise: [70], clear: [] });
    expect(decide([50, 70], 0.9)).toEqual({ raise: [90], clear: [] });
    expect(decide([50, 70, 90], 1)).toEqual({ raise: [], clear: [] });
  });

  it("reaches a level computed as a ratio of integers (7 of 10 used is 70 %)", () => {
    expect(decide([50], (10 - 3) / 10).raise).toEqual([70]);
    expect(decide([50], 1 - 3 / 10).raise).toEqual([70]);
    expect(decide([50, 70], 1 - 1 / 10).raise).toEqual([90]);
  });

  it("raises every level crossed in one jump", () => {
    expect(decide([], 0.95)).toEqual({ raise: [50, 70, 90], clear: [] });
    expect(decide([50], 0.75)).toEqual({ raise: [70], clear: [] });
  });

  it("does not repeat a held level", () => {
    expect(decide([50, 70], 0.8)).toEqual({ raise: [], clear: [] });
  });

  it("clears a held level only below level - hysteresis", () => {
    expect(decide([50, 70, 90], 0.86)).toEqual({ raise: [], clear: [] }); // 90 holds down to 85 %
    expect(decide([50, 70, 90], 0.84)).toEqual({ raise: [], clear: [90] });
    expect(decide([50, 70], 0.45)).toEqual({ raise: [], clear: [70] }); // 50 holds at exactly 45 %
    expect(decide([50, 70], 0.44)).toEqual({ raise: [], clear: [50, 70] });
    expect(decide([50, 70, 90], 0.1)).toEqual({ raise: [], clear: [50, 70, 90] });
  });

  it("uses the hysteresis given (0 clears as soon as utilisation is below the level)", () => {
    expect(decide([50], 0.49, 0)).toEqual({ raise: [], clear: [50] });
    expect(decide([50], 0.49, 0.05)).toEqual({ raise: [], clear: [] });
  });

  it("fills a gap in the held levels (e.g. a claim lost in Redis)", () => {
    expect(decide([90], 0.95)).toEqual({ raise: [50, 70], clear: [] });
    expect(decide([90], 0.6)).toEqual({ raise: [50], clear: [90] });
  });
});
