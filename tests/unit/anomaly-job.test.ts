import { afterEach, describe, expect, it, vi } from "vitest";
import { lastFullHour, startAnomalyJob, type AnomalyJob, type DetectOptions } from "@/lib/usage/anomalies";

const MINUTE = 60_000;
let job: AnomalyJob | undefined;

afterEach(() => {
  job?.stop();
  job = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("lastFullHour", () => {
  it("is the UTC hour before the current one", () => {
    expect(lastFullHour(new Date("2026-03-01T12:34:56.789Z"))).toEqual({
      hourStart: new Date("2026-03-01T11:00:00Z"),
      hourEnd: new Date("2026-03-01T12:00:00Z"),
    });
    expect(lastFullHour(new Date("2026-03-01T12:00:00.000Z")).hourStart).toEqual(new Date("2026-03-01T11:00:00Z"));
  });
});

describe("startAnomalyJob", () => {
  it("runs once per process", () => {
    vi.useFakeTimers({ now: new Date("2026-03-01T12:10:00Z") });
    const detect = vi.fn(async () => []);
    job = startAnomalyJob({ detect });
    expect(startAnomalyJob({ detect: vi.fn(async () => []) })).toBe(job);
    job.stop();
    const again = startAnomalyJob({ detect });
    expect(again).not.toBe(job);
    job = again;
  });

  it("evaluates each hour once however often it ticks, and passes its options", async () => {
    vi.useFakeTimers({ now: new Date("2026-03-01T12:10:00Z") });
    const calls: DetectOptions[] = [];
    const detect = vi.fn(async (options: DetectOptions) => {
      calls.push(options);
      return [];
    });
    job = startAnomalyJob({ detect, intervalMs: 5 * MINUTE, k: 3, minTokens: 100 });
    await job.idle();
    expect(detect).toHaveBeenCalledTimes(1);
    expect(calls[0]).toMatchObject({ k: 3, minTokens: 100, now: new Date("2026-03-01T12:10:00Z") });

    await vi.advanceTimersByTimeAsync(45 * MINUTE); // 12:55: still the 11:00 hour
    expect(detect).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5 * MINUTE); // 13:00: the 12:00 hour is complete
    await job.idle();
    expect(detect).toHaveBeenCalledTimes(2);
    expect(lastFullHour(calls[1]!.now!).hourStart).toEqual(new Date("2026-03-01T12:00:00Z"));
  });

  it("retries a failed hour on the next tick without throwing", async () => {
    vi.useFakeTimers({ now: new Date("2026-03-01T12:10:00Z") });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const detect = vi.fn().mockRejectedValueOnce(new Error("database down")).mockResolvedValue([]);
    job = startAnomalyJob({ detect, intervalMs: 5 * MINUTE });
    await job.idle();
    expect(detect).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    await job.idle();
    expect(detect).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(detect).toHaveBeenCalledTimes(2); // that hour is done now
    expect(console.error).toHaveBeenCalledTimes(1);
  });
});
