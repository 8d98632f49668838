import { describe, expect, it } from "vitest";
import { knownToHaveNoKnowledge, noteKnowledgePresence, PRESENCE_TTL_MS } from "@/lib/context/knowledge-source";

describe("knowledge presence (lets a turn skip the search for a tenant without documents)", () => {
  it("is unknown until a turn has seen the tenant, then holds for the TTL", () => {
    const tenant = "t-presence-1";
    expect(knownToHaveNoKnowledge(tenant, 1_000)).toBe(false);
    noteKnowledgePresence(tenant, false, 1_000);
    expect(knownToHaveNoKnowledge(tenant, 1_000 + PRESENCE_TTL_MS - 1)).toBe(true);
    expect(knownToHaveNoKnowledge(tenant, 1_000 + PRESENCE_TTL_MS)).toBe(false);
  });

  it("never skips for a tenant that has knowledge", () => {
    const tenant = "t-presence-2";
    noteKnowledgePresence(tenant, true, 5_000);
    expect(knownToHaveNoKnowledge(tenant, 5_001)).toBe(false);
    noteKnowledgePresence(tenant, false, 6_000);
    expect(knownToHaveNoKnowledge(tenant, 6_001)).toBe(true);
  });
});
