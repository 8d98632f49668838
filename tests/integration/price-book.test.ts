import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/db/generated/client";
import { TIER_MODELS } from "@/lib/llm/models";
import { invalidatePriceBook, loadPriceBook } from "@/lib/usage/price-book";
import { useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;

beforeAll(() => {
  prisma = useAppDatabase();
  invalidatePriceBook();
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("price book (migration 0002)", () => {
  it("holds the seeded list prices, readable by the application login", async () => {
    const rows = await loadPriceBook();
    const byModel = new Map(rows.map((r) => [r.model, r]));
    const dollars = { "claude-opus-4-5": 5n, "claude-opus-4-6": 5n, "claude-opus-4-7": 5n, "claude-opus-4-8": 5n, "claude-sonnet-4-5": 3n, "claude-sonnet-4-6": 3n, "claude-haiku-4-5": 1n } as const;
    for (const [model, inputDollars] of Object.entries(dollars)) {
      const row = byModel.get(model);
      const input = inputDollars * 1_000_000n;
      expect(row, model).toMatchObject({
        inputMicrosPerMTok: input,
        outputMicrosPerMTok: input * 5n,
        cacheWrite5mMicrosPerMTok: (input * 125n) / 100n,
        cacheWrite1hMicrosPerMTok: input * 2n,
        cacheReadMicrosPerMTok: input / 10n,
      });
      expect(row?.effectiveFrom.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    }
    // Every tier routes to a priced model.
    for (const { id } of Object.values(TIER_MODELS)) expect(byModel.has(id), id).toBe(true);
  });
});
