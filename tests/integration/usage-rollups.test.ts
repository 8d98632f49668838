import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withStaff, withTenant } from "@/lib/db/scope";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";
import { foldUsageRollups, startRollupFolder } from "@/lib/usage/fold";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { rollupDrift } from "@/tests/helpers/rollup-drift";
import { foldAsOwner, insertEventsAsOwner, type OwnerEvent } from "@/tests/helpers/usage-events";

/*
 * Rollups follow INSERT, UPDATE and DELETE of usage_events through the queue and the fold
 * (0009_ledger). Events are written as the owner, folded, then every rollup row is compared
 * with an aggregate of the settled events (tests/helpers/rollup-drift.ts). The tenant is in
 * New York, so its local days (usage_daily) and the UTC days of the staff rollups differ.
 * Times are pinned in 2016, away from every other test file's days.
 */
let prisma: PrismaClient;
let ny: SignUpResult;
let other: SignUpResult;

const newTenant = (label: string) =>
  signUp({ name: `${label} Owner`, email: `${unique(label.toLowerCase())}@rollups.test`, password: "correct-horse-9", workspaceName: `${label} ${unique("co")}` });

const queued = async (tenantId: string) => Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_rollup_queue WHERE tenant_id = $1", [tenantId]))[0]!.n);

beforeAll(async () => {
  prisma = useAppDatabase();
  [ny, other] = await Promise.all([newTenant("Rollup"), newTenant("Bystander")]);
  await withTenant(ny, (tx) => tx.tenant.update({ where: { id: ny.tenantId }, data: { timeZone: "America/New_York" } }));
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("rollups equal the settled events", () => {
  it("after INSERT, UPDATE and DELETE of usage_events, every rollup equals an aggregate of the settled events", async () => {
    const base = (o: Partial<OwnerEvent>): OwnerEvent => ({ tenantId: ny.tenantId, userId: ny.userId, at: "2016-03-10T12:00:00Z", ...o });
    const ids = await insertEventsAsOwner([
      base({ at: "2016-03-10T03:00:00Z", input: 1_000, output: 200, cost: 4_000, latencyMs: 900 }), // 9 March in New York
      base({ at: "2016-03-10T15:00:00Z", model: "claude-sonnet-4-6", cacheWrite: 3_000, cacheWrite1h: 1_000, cacheRead: 500, cost: 12_000 }),
      base({ at: "2016-03-10T16:00:00Z", status: "error", output: 0, ttftMs: null, estimated: true }),
      base({ at: "2016-03-11T01:00:00Z", status: "aborted", estimated: true, priceMissing: true }),
      base({ at: "2016-03-31T23:30:00Z", requestType: "api", userId: null, cost: 99 }), // the only API call, with no user
      base({ at: "2016-03-12T12:00:00Z", status: "started" }),
    ]);
    expect(await queued(ny.tenantId)).toBe(5); // the started row queues nothing
    await foldAsOwner();
    expect(await queued(ny.tenantId)).toBe(0);
    expect(await rollupDrift(ny.tenantId)).toEqual([]);

    // UPDATE: settle the started row, re-price one, move one across a local midnight and a UTC month.
    await ownerQuery(
      `UPDATE usage_events SET status = 'completed', settled_at = created_at, input_tokens = 777, cost_micros = 777 WHERE tenant_id = $1 AND request_id = $2`,
      [ny.tenantId, ids[5]],
    );
    await ownerQuery(`UPDATE usage_events SET cost_micros = 1, price_missing = true, model = 'claude-opus-4-8' WHERE tenant_id = $1 AND request_id = $2`, [ny.tenantId, ids[1]]);
    await ownerQuery(`UPDATE usage_events SET created_at = '2016-04-01T03:30:00Z' WHERE tenant_id = $1 AND request_id = $2`, [ny.tenantId, ids[0]]);
    await foldAsOwner();
    expect(await rollupDrift(ny.tenantId)).toEqual([]);

    // DELETE: one event of a shared row, and the only event of another (its rows must go).
    await ownerQuery(`DELETE FROM usage_events WHERE tenant_id = $1 AND request_id = ANY ($2::text[])`, [ny.tenantId, [ids[2], ids[4]]]);
    await foldAsOwner();
    expect(await rollupDrift(ny.tenantId)).toEqual([]);
    const empty = await ownerQuery(
      `SELECT 'daily' FROM usage_daily WHERE tenant_id = $1 AND requests = 0
       UNION ALL SELECT 'utc' FROM usage_daily_tenant WHERE tenant_id = $1 AND requests = 0
       UNION ALL SELECT 'month' FROM usage_monthly_tenant WHERE tenant_id = $1 AND requests = 0`,
      [ny.tenantId],
    );
    expect(empty).toEqual([]);
    // 03:30 UTC on 1 April is still 31 March in New York (EDT, UTC-4): April in the staff months only.
    expect(await ownerQuery("SELECT 1 FROM usage_daily WHERE tenant_id = $1 AND day >= '2016-04-01'", [ny.tenantId])).toEqual([]);
    const months = await ownerQuery<{ month: string; requests: string }>(
      "SELECT month::text, sum(requests)::text AS requests FROM usage_monthly_tenant WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1",
      [ny.tenantId],
    );
    expect(months).toEqual([
      { month: "2016-03-01", requests: "3" },
      { month: "2016-04-01", requests: "1" },
    ]);
  });

  it("'started' rows never appear in a rollup", async () => {
    const fresh = await newTenant("InFlight");
    await insertEventsAsOwner([
      { tenantId: fresh.tenantId, userId: fresh.userId, at: "2016-05-01T10:00:00Z", status: "started" },
      { tenantId: fresh.tenantId, userId: fresh.userId, at: "2016-05-02T10:00:00Z", status: "started", input: 5_000 },
    ]);
    await foldAsOwner();
    const rows = await ownerQuery(
      `SELECT 'daily' FROM usage_daily WHERE tenant_id = $1 UNION ALL SELECT 'utc' FROM usage_daily_tenant WHERE tenant_id = $1
       UNION ALL SELECT 'month' FROM usage_monthly_tenant WHERE tenant_id = $1 UNION ALL SELECT 'queue' FROM usage_rollup_queue WHERE tenant_id = $1`,
      [fresh.tenantId],
    );
    expect(rows).toEqual([]);
    // A started row withdrawn (never left the queue) takes nothing back either.
    await ownerQuery("DELETE FROM usage_events WHERE tenant_id = $1", [fresh.tenantId]);
    expect(await queued(fresh.tenantId)).toBe(0);
  });

  it("rolls up 1-hour cache writes as their own column, inside the cache-write total", async () => {
    const fresh = await newTenant("Cache");
    await insertEventsAsOwner([
      { tenantId: fresh.tenantId, userId: fresh.userId, at: "2016-06-01T10:00:00Z", cacheWrite: 4_000, cacheWrite1h: 1_500 },
      { tenantId: fresh.tenantId, userId: fresh.userId, at: "2016-06-01T11:00:00Z", cacheWrite: 1_000, cacheWrite1h: 1_000 },
      { tenantId: fresh.tenantId, userId: fresh.userId, at: "2016-06-01T12:00:00Z", cacheWrite: 600 },
    ]);
    await foldAsOwner();
    const [row] = await ownerQuery<{ cw: string; cw1h: string }>(
      "SELECT sum(cache_write_tokens)::text AS cw, sum(cache_write_1h_tokens)::text AS cw1h FROM usage_daily WHERE tenant_id = $1",
      [fresh.tenantId],
    );
    expect(row).toEqual({ cw: "5600", cw1h: "2500" });
  });
});

describe("who may fold", () => {
  it("a tenant scope folds its own tenant, and is refused another tenant's and everyone's", async () => {
    await insertEventsAsOwner([{ tenantId: other.tenantId, userId: other.userId, at: "2016-07-01T10:00:00Z" }]);
    await expect(withTenant(ny, (tx) => foldUsageRollups(tx, other.tenantId))).rejects.toThrow(/folds only its own tenant/);
    await expect(withTenant(ny, (tx) => foldUsageRollups(tx, null))).rejects.toThrow(/folds only its own tenant/);
    expect(await queued(other.tenantId)).toBe(1);
    // Its own: allowed, and it leaves the other tenant's queue alone.
    await insertEventsAsOwner([{ tenantId: ny.tenantId, userId: ny.userId, at: "2016-07-01T10:00:00Z" }]);
    expect(await withTenant(ny, (tx) => foldUsageRollups(tx, ny.tenantId))).toBe(1);
    expect(await queued(other.tenantId)).toBe(1);
    // Staff fold every tenant.
    expect(await withStaff(SYSTEM_ACTOR_ID, (tx) => foldUsageRollups(tx, null))).toBeGreaterThanOrEqual(1);
    expect(await queued(other.tenantId)).toBe(0);
    expect(await rollupDrift(other.tenantId)).toEqual([]);
  });

  it("the background folder folds queued changes without a reader", async () => {
    await insertEventsAsOwner([{ tenantId: other.tenantId, userId: other.userId, at: "2016-07-02T10:00:00Z" }]);
    expect(await queued(other.tenantId)).toBe(1);
    const folder = startRollupFolder({ intervalMs: 50 });
    try {
      for (let i = 0; i < 100 && (await queued(other.tenantId)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      await folder.idle();
    } finally {
      folder.stop();
    }
    expect(await queued(other.tenantId)).toBe(0);
    expect(await rollupDrift(other.tenantId)).toEqual([]);
    // Once per process: a second start returns the running folder.
    const a = startRollupFolder({ intervalMs: 60_000 });
    expect(startRollupFolder()).toBe(a);
    a.stop();
  });
});
