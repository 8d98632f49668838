import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/api/errors";
import { getAuthSecret } from "@/lib/auth/secret";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withStaff, withTenant } from "@/lib/db/scope";
import { getStaffOrThrow, requireStaff } from "@/lib/staff/guard";
import { getMarginOverview, marginFlag, type MarginOverview } from "@/lib/staff/margins";
import { assignPlan } from "@/lib/staff/plans";
import { addPrice, listPrices } from "@/lib/staff/price-book";
import { getPriceBook } from "@/lib/usage/price-book";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { rollupDrift } from "@/tests/helpers/rollup-drift";
import { foldAsOwner, insertEventsAsOwner } from "@/tests/helpers/usage-events";

// The guard reads the session cookie through next/headers; outside a request there is none,
// so the cookie store is this file's, holding a real next-auth JWT signed with the app's secret.
const cookieJar = vi.hoisted(() => ({ token: null as string | null }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "next-auth.session-token" && cookieJar.token ? { value: cookieJar.token } : undefined) }),
  headers: async () => new Headers(),
}));

async function sessionAs(userId: string | null): Promise<void> {
  cookieJar.token = userId === null ? null : await encode({ token: { userId }, secret: getAuthSecret() });
}

/*
 * Margins are global (every tenant), and other test files write usage at the current time.
 * This file's tenants are backdated to 2017 (an owner-only fixture step: nothing in the app
 * may rewrite created_at; the first plan assignment moves with it) and its events fall in
 * Dec 2017 – Feb 2018, so in February 2018 they are the only tenants there are and every
 * total below is exact. Months and days are UTC (the provider's invoice month), whatever a
 * tenant's time zone; revenue is prorated by day from plan assignments.
 */
const MONTH = "2018-02";

const PRICE = { free: 0, starter: 49_000_000, professional: 299_000_000 } as const;

let prisma: PrismaClient;
let staff: SignUpResult;
let member: SignUpResult;
let alpha: SignUpResult; // professional, healthy
let bravo: SignUpResult; // starter, thin (8.2 %)
let charlie: SignUpResult; // free plan with cost: a loss, no percentage
let delta: SignUpResult; // starter, Asia/Tokyo (its days are UTC here all the same), costs more than it pays
let echo: SignUpResult; // professional, joined 2018-01-15, no usage
let foxtrot: SignUpResult; // starter, exactly 20 % margin: not thin
let juliet: SignUpResult; // starter, created 2018-02-20 (9 of February's 28 days) with usage imported from 2018-02-10
let overview: MarginOverview;

interface Event {
  at: string;
  model: string;
  input: number;
  output: number;
  cacheRead?: number;
  /** Hand-computed from the list prices: haiku $1/$5, sonnet $3/$15 (read $0.30), opus $5/$25 per MTok. */
  cost: number;
}

async function record(tenant: SignUpResult, events: Event[]): Promise<void> {
  await withTenant(tenant, (tx) =>
    tx.usageEvent.createMany({
      data: events.map((e) => ({
        tenantId: tenant.tenantId,
        requestId: unique("staff-req"),
        userId: tenant.userId,
        requestType: "chat" as const,
        model: e.model,
        inputTokens: e.input,
        outputTokens: e.output,
        cacheReadTokens: e.cacheRead ?? 0,
        latencyMs: 100,
        costMicros: BigInt(e.cost),
        status: "completed" as const,
        createdAt: new Date(e.at),
      })),
    }),
  );
}

const newTenant = (label: string, planId: string, options: { isStaff?: boolean } = {}) =>
  signUp(
    { name: `${label} Owner`, email: `${unique(label.toLowerCase())}@staff-console.test`, password: "correct-horse-9", workspaceName: `${label} ${unique("co")}` },
    { planId, ...options },
  );

const row = (o: MarginOverview, t: SignUpResult) => {
  const found = o.tenants.find((r) => r.tenantId === t.tenantId);
  if (!found) throw new Error(`tenant ${t.slug} missing from the overview`);
  return found;
};
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const point = (o: MarginOverview, day: string) => {
  const found = o.series.points.find((p) => p.day === day);
  if (!found) throw new Error(`day ${day} missing from the series`);
  return found;
};

beforeAll(async () => {
  prisma = useAppDatabase();
  [staff, member, alpha, bravo, charlie, delta, echo, foxtrot, juliet] = await Promise.all([
    newTenant("Staff", "free", { isStaff: true }),
    newTenant("Member", "free"),
    newTenant("Alpha", "professional"),
    newTenant("Bravo", "starter"),
    newTenant("Charlie", "free"),
    newTenant("Delta", "starter"),
    newTenant("Echo", "professional"),
    newTenant("Foxtrot", "starter"),
    newTenant("Juliet", "starter"),
  ]);
  // Through the app's own path: the tenant's dashboard days move to Tokyo, the staff ones stay UTC.
  await withTenant(delta, (tx) => tx.tenant.update({ where: { id: delta.tenantId }, data: { timeZone: "Asia/Tokyo" } }));
  await ownerQuery("UPDATE tenants SET created_at = '2017-06-01T00:00:00Z' WHERE id = ANY($1::uuid[])", [
    [alpha, bravo, charlie, delta, foxtrot].map((t) => t.tenantId),
  ]);
  await ownerQuery("UPDATE tenants SET created_at = '2018-01-15T10:00:00Z' WHERE id = $1::uuid", [echo.tenantId]);
  await ownerQuery("UPDATE tenants SET created_at = '2018-02-20T10:00:00Z' WHERE id = $1::uuid", [juliet.tenantId]);

  await Promise.all([
    record(alpha, [
      // 1M in × $3 + 0.2M out × $15 + 1M cache read × $0.30 = $6.30
      { at: "2018-02-10T12:00:00Z", model: "claude-sonnet-4-6", input: 1_000_000, output: 200_000, cacheRead: 1_000_000, cost: 6_300_000 },
      // 1M × $1 + 0.6M × $5 = $4
      { at: "2018-02-11T12:00:00Z", model: "claude-haiku-4-5", input: 1_000_000, output: 600_000, cost: 4_000_000 },
      // January: in the chart, not in February's margin.
      { at: "2018-01-20T12:00:00Z", model: "claude-sonnet-4-6", input: 1_000_000, output: 200_000, cost: 6_000_000 },
    ]),
    // 4M × $5 + 1M × $25 = $45 against $49
    record(bravo, [{ at: "2018-02-05T09:00:00Z", model: "claude-opus-4-8", input: 4_000_000, output: 1_000_000, cost: 45_000_000 }]),
    // 0.5M × $1 + 0.2M × $5 = $1.50 on a free plan
    record(charlie, [{ at: "2018-02-14T09:00:00Z", model: "claude-haiku-4-5", input: 500_000, output: 200_000, cost: 1_500_000 }]),
    record(delta, [
      // 20:00 UTC on 31 Jan is 05:00 on 1 Feb in Tokyo, but January in UTC. 10M × $1 = $10
      { at: "2018-01-31T20:00:00Z", model: "claude-haiku-4-5", input: 10_000_000, output: 0, cost: 10_000_000 },
      // 2M × $5 + 1.6M × $25 = $50
      { at: "2018-02-15T12:00:00Z", model: "claude-opus-4-8", input: 2_000_000, output: 1_600_000, cost: 50_000_000 },
      // 20:00 UTC on 28 Feb is 1 March in Tokyo, but February in UTC. $7
      { at: "2018-02-28T20:00:00Z", model: "claude-haiku-4-5", input: 7_000_000, output: 0, cost: 7_000_000 },
    ]),
    // 4.2M × $1 + 7M × $5 = $39.20 against $49: a margin of exactly 20 %
    record(foxtrot, [{ at: "2018-02-20T09:00:00Z", model: "claude-haiku-4-5", input: 4_200_000, output: 7_000_000, cost: 39_200_000 }]),
    // History from before the tenant row: costed in full, revenue from the 20th only.
    record(juliet, [{ at: "2018-02-10T09:00:00Z", model: "claude-haiku-4-5", input: 4_000_000, output: 1_000_000, cost: 9_000_000 }]),
  ]);
  overview = await getMarginOverview(staff.userId, { month: MONTH });
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("getMarginOverview", () => {
  it("lists exactly the tenants that existed by the end of the month", () => {
    expect(overview.month).toBe(MONTH);
    expect(overview.monthStart).toBe("2018-02-01");
    expect(overview.monthEnd).toBe("2018-03-01");
    expect(overview.isCurrentMonth).toBe(false);
    expect(overview.tenants.map((t) => t.tenantId).sort()).toEqual([alpha, bravo, charlie, delta, echo, foxtrot, juliet].map((t) => t.tenantId).sort());
  });

  it("computes revenue, cost, margin and margin % per tenant by hand", () => {
    expect(row(overview, alpha)).toMatchObject({
      planId: "professional",
      planName: "Professional",
      revenueMicros: 299_000_000,
      costMicros: 10_300_000,
      marginMicros: 288_700_000,
      tokens: 1_000_000 + 200_000 + 1_000_000 + 1_000_000 + 600_000,
      requests: 2,
      flag: null,
    });
    expect(row(overview, alpha).marginPct).toBeCloseTo((288.7 / 299) * 100, 10);
    expect(row(overview, bravo)).toMatchObject({ revenueMicros: 49_000_000, costMicros: 45_000_000, marginMicros: 4_000_000, flag: "thin" });
    expect(row(overview, bravo).marginPct).toBeCloseTo((4 / 49) * 100, 10);
    expect(row(overview, echo)).toMatchObject({ revenueMicros: 299_000_000, costMicros: 0, marginMicros: 299_000_000, marginPct: 100, tokens: 0, flag: null });
  });

  it("prices a free plan's cost as a loss with no percentage", () => {
    expect(row(overview, charlie)).toMatchObject({ planId: "free", revenueMicros: 0, costMicros: 1_500_000, marginMicros: -1_500_000, marginPct: null, flag: "negative" });
  });

  it("counts UTC days whatever the tenant's time zone (the provider's invoice month)", () => {
    // 50 + 7 in February UTC; the 10 of 31 Jan 20:00 UTC is January, although it is 1 Feb in Tokyo.
    expect(row(overview, delta)).toMatchObject({ costMicros: 57_000_000, marginMicros: -8_000_000, flag: "negative" });
    expect(row(overview, delta).marginPct).toBeCloseTo((-8 / 49) * 100, 10);
  });

  it("prorates a tenant created on the 20th: 9 of February's 28 days, its earlier usage costed in full", () => {
    const revenue = Math.round((49_000_000 * 9) / 28);
    expect(row(overview, juliet)).toMatchObject({ revenueMicros: revenue, costMicros: 9_000_000, marginMicros: revenue - 9_000_000, flag: null });
  });

  it("does not call exactly 20 % thin", () => {
    expect(row(overview, foxtrot)).toMatchObject({ costMicros: 39_200_000, marginMicros: 9_800_000, flag: null });
    expect(row(overview, foxtrot).marginPct).toBeCloseTo(20, 10);
  });

  it("totals the month", () => {
    const revenue = 2 * PRICE.professional + 3 * PRICE.starter + Math.round((PRICE.starter * 9) / 28) + PRICE.free;
    const cost = 10_300_000 + 45_000_000 + 1_500_000 + 57_000_000 + 39_200_000 + 9_000_000;
    expect(overview.totals).toMatchObject({ tenants: 7, revenueMicros: revenue, costMicros: cost, marginMicros: revenue - cost, negative: 2, thin: 1 });
    expect(overview.totals.marginPct).toBeCloseTo(((revenue - cost) / revenue) * 100, 10);
  });

  it("splits the month's cost by model, largest first", () => {
    expect(overview.costByModel.map(({ model, costMicros }) => ({ model, costMicros }))).toEqual([
      { model: "claude-opus-4-8", costMicros: 95_000_000 },
      { model: "claude-haiku-4-5", costMicros: 4_000_000 + 1_500_000 + 7_000_000 + 39_200_000 + 9_000_000 },
      { model: "claude-sonnet-4-6", costMicros: 6_300_000 },
    ]);
    expect(overview.costByModel.reduce((s, m) => s + m.share, 0)).toBeCloseTo(1, 10);
    expect(overview.costByModel[0]!.share).toBeCloseTo(95 / 162, 10);
  });

  it("draws 90 UTC days of cost against each day's plan revenue", () => {
    const { series } = overview;
    expect(series.tenantId).toBeNull();
    expect(series.from).toBe("2017-12-01");
    expect(series.to).toBe("2018-02-28");
    expect(series.points).toHaveLength(90);
    // Before Echo joined: 446 $/month over December's 31 days.
    expect(point(overview, "2017-12-10").revenueMicros).toBe(Math.round(446_000_000 / 31));
    expect(point(overview, "2018-01-14").revenueMicros).toBe(Math.round(446_000_000 / 31));
    expect(point(overview, "2018-01-15").revenueMicros).toBe(Math.round(745_000_000 / 31));
    expect(point(overview, "2018-02-09").revenueMicros).toBe(Math.round(745_000_000 / 28));
    // Juliet's usage (imported history) starts on the 10th; its plan bills from the 20th.
    expect(point(overview, "2018-02-10")).toEqual({
      day: "2018-02-10",
      revenueMicros: Math.round(745_000_000 / 28),
      costMicros: 6_300_000 + 9_000_000,
      marginMicros: Math.round(745_000_000 / 28) - 15_300_000,
    });
    expect(point(overview, "2018-02-20").revenueMicros).toBe(Math.round(794_000_000 / 28));
    expect(point(overview, "2018-01-20").costMicros).toBe(6_000_000);
    // Delta's call of 31 Jan 20:00 UTC is on 31 January here, not on Tokyo's 1 February.
    expect(point(overview, "2018-01-31").costMicros).toBe(10_000_000);
    expect(point(overview, "2018-02-01").costMicros).toBe(0);
    expect(series.points.reduce((s, p) => s + p.costMicros, 0)).toBe(162_000_000 + 6_000_000 + 10_000_000);
  });

  it("draws one tenant's series on request", async () => {
    const one = await getMarginOverview(staff.userId, { month: MONTH, tenantId: delta.tenantId });
    expect(one.series.tenantId).toBe(delta.tenantId);
    expect(point(one, "2017-12-01").revenueMicros).toBe(Math.round(49_000_000 / 31));
    expect(point(one, "2018-02-15")).toEqual({ day: "2018-02-15", revenueMicros: 1_750_000, costMicros: 50_000_000, marginMicros: -48_250_000 });
    expect(one.series.points.reduce((s, p) => s + p.costMicros, 0)).toBe(67_000_000);
    // The table is the same whichever series is drawn.
    expect(one.totals).toEqual(overview.totals);

    const late = await getMarginOverview(staff.userId, { month: MONTH, tenantId: echo.tenantId });
    expect(point(late, "2018-01-14").revenueMicros).toBe(0);
    expect(point(late, "2018-01-15").revenueMicros).toBe(Math.round(299_000_000 / 31));
  });

  it("is current on every call (it folds queued usage first): today's events and late ones for a past month alike", async () => {
    const india = await newTenant("India", "starter");
    const now = new Date();
    const first = await getMarginOverview(staff.userId, { now });
    expect(row(first, india).costMicros).toBe(0);
    await record(india, [{ at: now.toISOString(), model: "claude-haiku-4-5", input: 1_000, output: 0, cost: 1_000 }]);
    const second = await getMarginOverview(staff.userId, { now });
    expect(row(second, india).costMicros).toBe(1_000);
    expect(point(second, isoDate(now)).costMicros - point(first, isoDate(now)).costMicros).toBe(1_000);

    // A late event for February 2018 (an outbox replay) shows at once.
    await record(alpha, [{ at: "2018-02-12T12:00:00Z", model: "claude-haiku-4-5", input: 1_000, output: 0, cost: 1_000 }]);
    const late = await getMarginOverview(staff.userId, { month: MONTH });
    expect(row(late, alpha).costMicros).toBe(10_301_000);
    expect(point(late, "2018-02-12").costMicros).toBe(point(overview, "2018-02-12").costMicros + 1_000);
  });

  it("draws everyone's series when the tenant asked for is unknown", async () => {
    const [everyone, unknown] = await Promise.all([
      getMarginOverview(staff.userId, { month: MONTH }),
      getMarginOverview(staff.userId, { month: MONTH, tenantId: "00000000-0000-4000-8000-000000000000" }),
    ]);
    expect(unknown.series.tenantId).toBeNull();
    expect(unknown.series.points).toEqual(everyone.series.points);
    expect(unknown.series.points.some((p) => p.costMicros > 0)).toBe(true);
  });

  it("refuses a malformed month and a caller who is not staff", async () => {
    await expect(getMarginOverview(staff.userId, { month: "2018-13" })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(getMarginOverview(member.userId, { month: MONTH })).rejects.toMatchObject({ code: "not_found" });
  });

  it("flags by the rule: negative below 0, thin below 20 %", () => {
    expect(marginFlag(100, -1)).toBe("negative");
    expect(marginFlag(0, -1)).toBe("negative");
    expect(marginFlag(0, 0)).toBeNull();
    expect(marginFlag(100, 0)).toBe("thin");
    expect(marginFlag(100, 19)).toBe("thin");
    expect(marginFlag(100, 20)).toBeNull();
  });
});

describe("assignPlan", () => {
  it("moves a tenant to another plan and audits it in the same transaction", async () => {
    const golf = await newTenant("Golf", "free");
    const result = await assignPlan(staff.userId, golf.tenantId, "enterprise");
    expect(result).toMatchObject({ tenantId: golf.tenantId, previousPlanId: "free", planId: "enterprise", planName: "Enterprise", changed: true });
    const [stored] = await ownerQuery<{ plan_id: string }>("SELECT plan_id FROM tenants WHERE id = $1", [golf.tenantId]);
    expect(stored?.plan_id).toBe("enterprise");
    const audit = await ownerQuery<{ actor_id: string; action: string; details: { from: string; to: string } }>(
      "SELECT actor_id, action, details FROM staff_audit_logs WHERE tenant_id = $1",
      [golf.tenantId],
    );
    expect(audit).toEqual([{ actor_id: staff.userId, action: "tenant.plan_changed", details: { from: "free", to: "enterprise" } }]);

    // The same plan again writes nothing.
    expect((await assignPlan(staff.userId, golf.tenantId, "enterprise")).changed).toBe(false);
    expect(await ownerQuery("SELECT 1 FROM staff_audit_logs WHERE tenant_id = $1", [golf.tenantId])).toHaveLength(1);
  });

  it("rejects unknown plans and tenants, and callers who are not staff", async () => {
    const hotel = await newTenant("Hotel", "starter");
    await expect(assignPlan(staff.userId, hotel.tenantId, "platinum")).rejects.toMatchObject({ code: "validation_failed" });
    await expect(assignPlan(staff.userId, "00000000-0000-4000-8000-000000000001", "free")).rejects.toMatchObject({ code: "not_found" });
    await expect(assignPlan(staff.userId, "not-a-uuid", "free")).rejects.toMatchObject({ code: "validation_failed" });
    await expect(assignPlan(member.userId, hotel.tenantId, "enterprise")).rejects.toMatchObject({ code: "not_found" });
    const [stored] = await ownerQuery<{ plan_id: string }>("SELECT plan_id FROM tenants WHERE id = $1", [hotel.tenantId]);
    expect(stored?.plan_id).toBe("starter");
  });
});

describe("addPrice", () => {
  const rates = {
    inputMicrosPerMTok: "2000000",
    outputMicrosPerMTok: "10000000",
    cacheWrite5mMicrosPerMTok: "2500000",
    cacheWrite1hMicrosPerMTok: "4000000",
    cacheReadMicrosPerMTok: "200000",
  };
  const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  let model: string;

  beforeEach(() => {
    model = unique("claude-test-");
  });

  it("accepts a future price, audits it, and the price cache sees it at once", async () => {
    const before = await getPriceBook(); // warm the 60 s cache
    expect(before.some((r) => r.model === model)).toBe(false);
    const effectiveFrom = inHours(48);
    const added = await addPrice(staff.userId, { model, effectiveFrom, ...rates });
    expect(added).toMatchObject({ model, inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 10_000_000, cacheReadMicrosPerMTok: 200_000 });
    expect(added.effectiveFrom.toISOString()).toBe(effectiveFrom);

    expect((await getPriceBook()).find((r) => r.id === added.id)?.outputMicrosPerMTok).toBe(10_000_000n);
    const listed = (await listPrices(staff.userId)).find((m) => m.model === model);
    expect(listed).toMatchObject({ current: null, superseded: 0 });
    expect(listed?.upcoming.map((r) => r.id)).toEqual([added.id]);
    const audit = await ownerQuery<{ actor_id: string; action: string }>("SELECT actor_id, action FROM staff_audit_logs WHERE target = $1", [added.id]);
    expect(audit).toEqual([{ actor_id: staff.userId, action: "price_book.added" }]);
  });

  it("rejects a duplicate (same model, same instant)", async () => {
    const effectiveFrom = inHours(72);
    await addPrice(staff.userId, { model, effectiveFrom, ...rates });
    const error = await addPrice(staff.userId, { model, effectiveFrom, ...rates, inputMicrosPerMTok: "1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "conflict", fields: { effectiveFrom: [expect.stringMatching(/already a price/)] } });
    expect(await ownerQuery("SELECT 1 FROM price_book WHERE model = $1", [model])).toHaveLength(1);
  });

  it("never writes the past: past instants, and ones inside the cache lead, are refused", async () => {
    for (const effectiveFrom of [inHours(-1), "2018-02-01T00:00:00Z", new Date(Date.now() + 20_000).toISOString()]) {
      await expect(addPrice(staff.userId, { model, effectiveFrom, ...rates })).rejects.toMatchObject({
        code: "validation_failed",
        fields: { effectiveFrom: [expect.stringMatching(/future/)] },
      });
    }
    // A server whose clock runs two hours slow passes its own check; the database's refuses.
    const slowClock = new Date(Date.now() - 2 * 3_600_000);
    await expect(addPrice(staff.userId, { model, effectiveFrom: inHours(-1), ...rates }, slowClock)).rejects.toMatchObject({ code: "validation_failed" });
    expect(await ownerQuery("SELECT 1 FROM price_book WHERE model = $1", [model])).toHaveLength(0);
  });

  it("validates the model id and the five integer rates", async () => {
    const error = await addPrice(staff.userId, { model: "Bad Model!", effectiveFrom: inHours(48), ...rates, inputMicrosPerMTok: "3.5", cacheReadMicrosPerMTok: "-1" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "validation_failed" });
    expect(Object.keys((error as AppError).fields ?? {}).sort()).toEqual(["cacheReadMicrosPerMTok", "inputMicrosPerMTok", "model"]);
    await expect(addPrice(member.userId, { model, effectiveFrom: inHours(48), ...rates })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("the staff guard", () => {
  it("lets staff in and gives everyone else the ordinary 404", async () => {
    await sessionAs(staff.userId);
    expect(await getStaffOrThrow()).toMatchObject({ id: staff.userId, isStaff: true });
    expect(await requireStaff()).toMatchObject({ id: staff.userId });

    await sessionAs(member.userId);
    const error = await getStaffOrThrow().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(404);
    // Pages: Next's notFound() (rendered as the site's 404 page).
    await expect(requireStaff()).rejects.toMatchObject({ digest: expect.stringMatching(/404/) });

    await sessionAs(null);
    expect(await getStaffOrThrow().catch((e: unknown) => (e as AppError).status)).toBe(401);
  });
});

describe("the data layer refuses message content to staff", () => {
  it("has no privilege on messages or conversations", async () => {
    await expect(withStaff(staff.userId, (tx) => tx.message.findMany())).rejects.toThrow(/permission denied/i);
    await expect(withStaff(staff.userId, (tx) => tx.$queryRaw`SELECT content FROM messages LIMIT 1`)).rejects.toThrow(/permission denied/i);
    await expect(withStaff(staff.userId, (tx) => tx.conversation.findMany())).rejects.toThrow(/permission denied/i);
    // …while the same scope does read what the console needs.
    expect(await withStaff(staff.userId, (tx) => tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM usage_daily`)).toHaveLength(1);
  });
});

describe("the staff rollups follow the events, in UTC", () => {
  const staffRows = async (tenantId: string) => {
    await foldAsOwner();
    return ownerQuery<{ day: string; model: string; requests: string; tokens: string; cost: string }>(
      `SELECT day::text, model, requests::text, tokens::text, cost_micros::text AS cost
         FROM usage_daily_tenant WHERE tenant_id = $1::uuid ORDER BY day, model`,
      [tenantId],
    );
  };

  it("sums new days and adds to existing ones, in UTC days that a time-zone change does not move", async () => {
    const kilo = await newTenant("Kilo", "starter");
    const member2 = await signUp({ name: "Kilo Two", email: `${unique("kilo2")}@staff-console.test`, password: "correct-horse-9", workspaceName: unique("k2") });
    await withTenant(kilo, (tx) => tx.membership.create({ data: { tenantId: kilo.tenantId, userId: member2.userId, role: "member" } }));
    // Two users on one day (two usage_daily rows, one staff row), and a second model.
    await record(kilo, [
      { at: "2019-03-01T23:30:00Z", model: "claude-haiku-4-5", input: 100, output: 10, cost: 150 },
      { at: "2019-03-01T23:40:00Z", model: "claude-opus-4-8", input: 200, output: 20, cost: 1_500 },
    ]);
    await record({ ...kilo, userId: member2.userId }, [{ at: "2019-03-01T12:00:00Z", model: "claude-haiku-4-5", input: 50, output: 5, cacheRead: 7, cost: 80 }]);
    expect(await staffRows(kilo.tenantId)).toEqual([
      { day: "2019-03-01", model: "claude-haiku-4-5", requests: "2", tokens: "172", cost: "230" },
      { day: "2019-03-01", model: "claude-opus-4-8", requests: "1", tokens: "220", cost: "1500" },
    ]);
    // An upsert into an existing row (same day, model).
    await record(kilo, [{ at: "2019-03-01T08:00:00Z", model: "claude-haiku-4-5", input: 1, output: 1, cost: 6 }]);
    const before = await staffRows(kilo.tenantId);
    expect(before[0]).toEqual({ day: "2019-03-01", model: "claude-haiku-4-5", requests: "3", tokens: "174", cost: "236" });
    expect(await rollupDrift(kilo.tenantId)).toEqual([]);

    // Tokyo is UTC+9: the tenant's own days move (23:30 and 23:40 UTC are 2 March there), the staff days do not.
    await withTenant(kilo, (tx) => tx.tenant.update({ where: { id: kilo.tenantId }, data: { timeZone: "Asia/Tokyo" } }));
    expect(await staffRows(kilo.tenantId)).toEqual(before);
    const local = await ownerQuery<{ day: string }>("SELECT DISTINCT day::text FROM usage_daily WHERE tenant_id = $1 ORDER BY 1", [kilo.tenantId]);
    expect(local.map((r) => r.day)).toEqual(["2019-03-01", "2019-03-02"]);
    expect(await rollupDrift(kilo.tenantId)).toEqual([]);
  });

  it("counts estimated and unpriced calls per tenant and in the month's totals", async () => {
    const lima = await newTenant("Lima", "starter");
    await ownerQuery("UPDATE tenants SET created_at = '2019-05-01T00:00:00Z' WHERE id = $1", [lima.tenantId]);
    await insertEventsAsOwner([
      { tenantId: lima.tenantId, userId: lima.userId, at: "2019-05-10T10:00:00Z", estimated: true, status: "aborted" },
      { tenantId: lima.tenantId, userId: lima.userId, at: "2019-05-11T10:00:00Z", estimated: true, priceMissing: true },
      { tenantId: lima.tenantId, userId: lima.userId, at: "2019-05-12T10:00:00Z" },
      { tenantId: lima.tenantId, userId: lima.userId, at: "2019-05-13T10:00:00Z", status: "started", estimated: true },
    ]);
    const may = await getMarginOverview(staff.userId, { month: "2019-05" });
    expect(row(may, lima)).toMatchObject({ requests: 3, estimated: 2, priceMissing: 1 });
    expect(may.totals).toMatchObject({ estimated: 2, priceMissing: 1 });
  });

  it("keeps the month's totals per tenant and model", async () => {
    const months = await ownerQuery<{ month: string; model: string; cost: string }>(
      `SELECT month::text, model, cost_micros::text AS cost FROM usage_monthly_tenant WHERE tenant_id = $1::uuid ORDER BY month, model`,
      [alpha.tenantId],
    );
    // Hand-computed from alpha's events above: January sonnet $6; February haiku $4 (+ the
    // late $0.001 recorded by an earlier test) and sonnet $6.30.
    expect(months).toEqual([
      { month: "2018-01-01", model: "claude-sonnet-4-6", cost: "6000000" },
      { month: "2018-02-01", model: "claude-haiku-4-5", cost: "4001000" },
      { month: "2018-02-01", model: "claude-sonnet-4-6", cost: "6300000" },
    ]);
  });

  it("agrees with the settled events for every tenant of this file", async () => {
    await foldAsOwner();
    for (const t of [alpha, bravo, charlie, delta, echo, foxtrot, juliet]) expect(await rollupDrift(t.tenantId)).toEqual([]);
  });

  it("is readable by staff only", async () => {
    for (const table of ["usage_daily_tenant", "usage_monthly_tenant"]) {
      expect(await withStaff(staff.userId, (tx) => tx.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${table}`))).toHaveLength(1);
      await expect(withTenant(alpha, (tx) => tx.$queryRawUnsafe(`SELECT count(*) FROM ${table}`))).rejects.toThrow(/permission denied/i);
    }
  });
});
