import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/db/generated/client";
import { getPlan, invalidatePlans, listPlans } from "@/lib/tenancy/plans";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;

beforeAll(() => {
  prisma = useAppDatabase();
  invalidatePlans();
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("the plan cache", () => {
  it("finds a plan added after the cache was filled, without waiting for it to expire", async () => {
    await listPlans();
    const id = unique("plan-");
    await ownerQuery(
      `INSERT INTO plans (id, name, requests_per_minute, tokens_per_minute, monthly_token_quota, monthly_price_micros, user_share_pct, max_tokens_cap, allowed_tiers)
       VALUES ($1, 'Added later', 7, 700, 7000, 1, 100, 256, '{economy}')`,
      [id],
    );
    await expect(getPlan(id)).resolves.toMatchObject({ id, requestsPerMinute: 7 });
  });

  it("still refuses a plan that does not exist", async () => {
    await expect(getPlan("no-such-plan")).rejects.toThrow("Unknown plan no-such-plan");
  });
});
