import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { detectAnomalies, listAnomalies, type AnomalyFlag } from "@/lib/usage/anomalies";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/*
 * Detection is global (every tenant), and other test files write usage at the real current
 * time: this file evaluates an hour years in the past, where only its own tenants have events.
 */
const NOW = new Date("2021-03-10T12:20:00Z");
const HOUR_START = new Date("2021-03-10T11:00:00Z");
const HOUR_END = new Date("2021-03-10T12:00:00Z");
const HOUR = 3_600_000;
const WINDOW_START = new Date(HOUR_START.getTime() - 7 * 24 * HOUR);

let prisma: PrismaClient;
let spiky: SignUpResult;
let steady: SignUpResult;
let borderline: SignUpResult;
let newSmall: SignUpResult;
let newBig: SignUpResult;
let firstRun: AnomalyFlag[];

type Tokens = { input: number; output: number; cacheWrite?: number; cacheRead?: number };

async function seed(tenant: SignUpResult, events: Array<{ at: Date; tokens: Tokens }>): Promise<void> {
  await withTenant(tenant, (tx) =>
    tx.usageEvent.createMany({
      data: events.map(({ at, tokens }) => ({
        tenantId: tenant.tenantId,
        requestId: unique("req"),
        userId: tenant.userId,
        requestType: "chat" as const,
        model: "claude-haiku-4-5",
        inputTokens: tokens.input,
        outputTokens: tokens.output,
        cacheWriteTokens: tokens.cacheWrite ?? 0,
        cacheReadTokens: tokens.cacheRead ?? 0,
        latencyMs: 100,
        costMicros: 1n,
        status: "completed" as const,
        createdAt: at,
      })),
    }),
  );
}

/** 1,000 tokens in each of the 168 baseline hours, the first exactly at the window's start. */
function baseline(): Array<{ at: Date; tokens: Tokens }> {
  return Array.from({ length: 7 * 24 }, (_, h) => ({ at: new Date(WINDOW_START.getTime() + h * HOUR), tokens: { input: 400, output: 600 } }));
}

const newTenant = (label: string) =>
  signUp({ name: label, email: `${unique(label.toLowerCase())}@anomaly.test`, password: "correct-horse-9", workspaceName: `${label} Co` });

beforeAll(async () => {
  prisma = useAppDatabase();
  [spiky, steady, borderline, newSmall, newBig] = await Promise.all(["Spiky", "Steady", "Border", "Small", "Big"].map(newTenant)) as [
    SignUpResult, SignUpResult, SignUpResult, SignUpResult, SignUpResult,
  ];
  await Promise.all([
    seed(spiky, [
      ...baseline(),
      // Just before the window: would lift the baseline to ~7,000/h if the window leaked.
      { at: new Date(WINDOW_START.getTime() - 1), tokens: { input: 1_000_000, output: 0 } },
      // 20x in the last hour, cache tokens included.
      { at: new Date(HOUR_START.getTime() + 15 * 60_000), tokens: { input: 5_000, output: 5_000, cacheWrite: 4_000, cacheRead: 6_000 } },
    ]),
    seed(steady, [
      ...baseline(),
      { at: HOUR_START, tokens: { input: 400, output: 600 } },
      // The current (incomplete) hour is not evaluated.
      { at: HOUR_END, tokens: { input: 100_000, output: 0 } },
    ]),
    // Exactly k x baseline: not more than it.
    seed(borderline, [...baseline(), { at: new Date(HOUR_END.getTime() - 1), tokens: { input: 2_500, output: 2_500 } }]),
    seed(newSmall, [{ at: new Date(HOUR_START.getTime() + 60_000), tokens: { input: 2_000, output: 1_000 } }]),
    seed(newBig, [{ at: new Date(HOUR_START.getTime() + 60_000), tokens: { input: 4_000, output: 2_000 } }]),
  ]);
  firstRun = await detectAnomalies({ now: NOW });
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("detectAnomalies", () => {
  it("flags the spiking tenant and the new tenant above minTokens, nobody else", () => {
    expect(firstRun).toEqual([
      { tenantId: spiky.tenantId, hourStart: HOUR_START, tokens: 20_000, baselineTokensPerHour: 1_000, ratio: 20, isNew: true },
      { tenantId: newBig.tenantId, hourStart: HOUR_START, tokens: 6_000, baselineTokensPerHour: 0, ratio: null, isNew: true },
    ]);
  });

  it("stores the flags", async () => {
    const rows = await ownerQuery<{ tenant_id: string; tokens: string; baseline_tokens_per_hour: number; ratio: number | null }>(
      "SELECT tenant_id, tokens, baseline_tokens_per_hour, ratio FROM anomalies WHERE hour_start = $1 ORDER BY tokens DESC",
      [HOUR_START],
    );
    expect(rows.map((r) => [r.tenant_id, Number(r.tokens), r.baseline_tokens_per_hour, r.ratio])).toEqual([
      [spiky.tenantId, 20_000, 1_000, 20],
      [newBig.tenantId, 6_000, 0, null],
    ]);
  });

  it("inserts nothing new when run again for the same hour", async () => {
    const second = await detectAnomalies({ now: new Date(NOW.getTime() + 30 * 60_000) });
    expect(second.map((f) => [f.tenantId, f.isNew])).toEqual([
      [spiky.tenantId, false],
      [newBig.tenantId, false],
    ]);
    const [count] = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM anomalies WHERE hour_start = $1", [HOUR_START]);
    expect(Number(count?.n)).toBe(2);
  });

  it("honours k and minTokens", async () => {
    // Two hours later nobody has events, so nothing can be flagged there...
    expect(await detectAnomalies({ now: new Date(NOW.getTime() + 2 * HOUR) })).toEqual([]);
    // ...and for the seeded hour, a laxer minTokens and stricter k change the verdicts
    // (already stored, so not new).
    const lax = await detectAnomalies({ now: NOW, minTokens: 1_000, k: 4 });
    expect(lax.map((f) => [f.tenantId, f.isNew])).toEqual([
      [spiky.tenantId, false],
      [newBig.tenantId, false],
      [borderline.tenantId, true],
      [newSmall.tenantId, true],
    ]);
  });

  it("rejects nonsensical options", async () => {
    await expect(detectAnomalies({ now: NOW, k: 0 })).rejects.toThrow(RangeError);
    await expect(detectAnomalies({ now: NOW, baselineDays: 0.5 })).rejects.toThrow(RangeError);
  });
});

describe("listAnomalies", () => {
  it("shows a tenant only its own flags", async () => {
    const own = await listAnomalies({ kind: "tenant", ...spiky }, { since: HOUR_START });
    expect(own.map((a) => [a.tenantId, a.tokens, a.ratio])).toEqual([[spiky.tenantId, 20_000, 20]]);
    expect(own[0]?.hourStart).toEqual(HOUR_START);
    expect(await listAnomalies({ kind: "tenant", ...steady })).toEqual([]);
  });

  it("lets row-level security hide other tenants' flags even from an unfiltered query", async () => {
    const seen = await withTenant(steady, (tx) => tx.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM anomalies"));
    expect(Number(seen[0]?.n)).toBe(0);
    const spikySees = await withTenant(spiky, (tx) => tx.$queryRawUnsafe<{ tenant_id: string }[]>("SELECT tenant_id::text FROM anomalies"));
    expect(spikySees.map((r) => r.tenant_id)).toEqual([spiky.tenantId]);
  });

  it("does not let a tenant write flags", async () => {
    await expect(
      withTenant(steady, (tx) => tx.anomaly.create({ data: { tenantId: steady.tenantId, hourStart: HOUR_START, tokens: 1n, baselineTokensPerHour: 0 } })),
    ).rejects.toThrow(/permission denied/i);
  });

  it("shows staff every tenant's flags", async () => {
    const all = await listAnomalies({ kind: "staff", userId: spiky.userId }, { since: HOUR_START });
    const mine = new Set([spiky, steady, borderline, newSmall, newBig].map((t) => t.tenantId));
    expect(all.filter((a) => mine.has(a.tenantId)).map((a) => a.tenantId).sort()).toEqual(
      [spiky.tenantId, newBig.tenantId, borderline.tenantId, newSmall.tenantId].sort(),
    );
  });
});
