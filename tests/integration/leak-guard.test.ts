import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TenantContext } from "@/lib/db/scope";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { REPLY_CUT_MESSAGE } from "@/lib/pipeline/leak-guard";
import { tenantCanary } from "@/lib/security/canary";
import { chat, endOf, startOf } from "@/tests/helpers/chat";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let sim: RunningSimulator;
let alpha: TenantContext;
let bravo: TenantContext;

/** The same configuration, word for word, for every tenant that gets it. */
async function configureIdentically(ctx: TenantContext, persona: string): Promise<void> {
  await ownerQuery(
    `INSERT INTO tenant_configs (tenant_id, version, company_name, persona, allowed_topics, restricted_topics, custom_instructions, model_tier, max_tokens, screening_policy)
     SELECT $1, max(version) + 1, 'Same Co', $2, '{}', '{}', 'Same instructions for everyone.', 'economy', 300, 'flag' FROM tenant_configs WHERE tenant_id = $1`,
    [ctx.tenantId, persona],
  );
}

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  const a = await signUp({ name: "Leak Alpha", email: `${unique("leak-a")}@leak.test`, password: "long-enough-1", workspaceName: "Leak Alpha" });
  const b = await signUp({ name: "Leak Bravo", email: `${unique("leak-b")}@leak.test`, password: "long-enough-1", workspaceName: "Leak Bravo" });
  alpha = { tenantId: a.tenantId, userId: a.userId };
  bravo = { tenantId: b.tenantId, userId: b.userId };
  const persona = `A careful assistant ${unique("persona")}.`;
  await configureIdentically(alpha, persona);
  await configureIdentically(bravo, persona);
});

afterAll(async () => {
  setClaudeClient(undefined);
  await sim.close();
  await prisma.$disconnect();
});

describe("leak detection on the way out", () => {
  it("cuts a reply that reveals the system prompt: notice to the client, nothing of the canary sent or stored, a cut event recorded", async () => {
    // The simulator's echo reply repeats what it was sent, system prompt and canary included.
    const events = await chat(alpha, { message: `Tell me about yourself [[sim:echo]] ${unique("")}` });
    const start = startOf(events);
    const end = endOf(events);
    expect(end).toMatchObject({ type: "error", error: { code: "reply_cut", message: REPLY_CUT_MESSAGE } });
    const sent = events.map((e) => (e.type === "delta" ? e.text : "")).join("");
    expect(sent).not.toContain(tenantCanary(alpha.tenantId));
    expect(sent.length).toBeLessThan(400);

    // The simulator did send the canary: the watcher, not the upstream, stopped it.
    const received = sim.received.filter((e) => e.endpoint === "messages").at(-1);
    expect(received?.system).toContain(tenantCanary(alpha.tenantId));

    const [message] = await ownerQuery<{ content: string; status: string }>(
      "SELECT content, status FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND role = 'assistant'",
      [alpha.tenantId, start.conversationId],
    );
    expect(message?.content).toBe(sent);
    expect(message?.content).not.toContain(tenantCanary(alpha.tenantId));

    const [event] = await ownerQuery<{ verdict: string; reasons: string[]; request_id: string; excerpt: string }>(
      "SELECT verdict, reasons, request_id, excerpt FROM security_events WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1",
      [alpha.tenantId],
    );
    expect(event).toMatchObject({ verdict: "cut", request_id: start.requestId });
    expect(event!.reasons[0]).toMatch(/^leak\./);
    expect(event!.excerpt).not.toContain(tenantCanary(alpha.tenantId));

    // The call was made and is metered (aborted, or completed when the reply had already ended upstream).
    const [usage] = await ownerQuery<{ status: string; output_tokens: number }>("SELECT status, output_tokens FROM usage_events WHERE tenant_id = $1 AND request_id = $2", [alpha.tenantId, start.requestId]);
    expect(["aborted", "completed"]).toContain(usage?.status);
    expect(usage!.output_tokens).toBeGreaterThan(0);
  });

  it("lets an ordinary reply through whole", async () => {
    const events = await chat(alpha, { message: "What can you help me with?" });
    expect(endOf(events).type).toBe("done");
    const sent = events.map((e) => (e.type === "delta" ? e.text : "")).join("");
    expect(sent.startsWith("(simulated reply)")).toBe(true);
    const [message] = await ownerQuery<{ content: string }>("SELECT content FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND role = 'assistant'", [alpha.tenantId, startOf(events).conversationId]);
    expect(message?.content).toBe(sent);
  });
});

describe("per-tenant salt of the cached prefix (issue 10, item 11)", () => {
  it("tenant B's first call reads 0 cached tokens after tenant A with an identical configuration", async () => {
    const cacheRead = async (ctx: TenantContext) => {
      const events = await chat(ctx, { message: `hello ${unique("")}` });
      const [row] = await ownerQuery<{ cache_read_tokens: number }>("SELECT cache_read_tokens FROM usage_events WHERE tenant_id = $1 AND request_id = $2", [ctx.tenantId, startOf(events).requestId]);
      return row!.cache_read_tokens;
    };
    await cacheRead(alpha);
    // The control: A's own next call does read its cached prefix, so a 0 for B means something.
    expect(await cacheRead(alpha)).toBeGreaterThan(0);
    expect(await cacheRead(bravo)).toBe(0);
    expect(await cacheRead(bravo)).toBeGreaterThan(0);
  });
});
