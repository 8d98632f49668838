import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { enqueueContextJob } from "@/lib/context/background-jobs";
import { saveMessageSources } from "@/lib/context/message-sources";
import { getConversationWithMessages } from "@/lib/chat/conversations";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import { registerBuiltInJobs } from "@/lib/jobs/handlers";
import { startJobs, stopJobs } from "@/lib/jobs/boss";
import { createDocument, getDocument } from "@/lib/knowledge/documents";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { getPlan } from "@/lib/tenancy/plans";
import { chat, composeFor, endOf, startOf } from "@/tests/helpers/chat";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * The context layers with the real background machinery: this file runs its own pg-boss on
 * the run's database (schedules off) with the app's handlers, so documents are ingested and
 * summaries written by pg-boss workers, not the in-process fallback.
 */
let prisma: PrismaClient;
let sim: RunningSimulator;
let alpha: TenantContext;
let bravo: TenantContext;
const TERM = `zephyrine${Date.now().toString(36)}`;

async function waitUntil<T>(read: () => Promise<T | null | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function documentReady(ctx: TenantContext, title: string, text: string): Promise<string> {
  const doc = await createDocument(ctx, { title, fileName: `${title}.md`, bytes: new TextEncoder().encode(text) });
  await waitUntil(async () => (await getDocument(ctx, doc.id))?.status === "ready", `${title} to be ready`);
  return doc.id;
}

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  for (const name of ["Alpha", "Bravo"]) {
    const r = await signUp({ name, email: `${unique(name.toLowerCase())}@boss.test`, password: "long-enough-1", workspaceName: `${name} ${unique("w")}` });
    await ownerQuery("UPDATE tenants SET plan_id = 'enterprise' WHERE id = $1", [r.tenantId]);
    if (name === "Alpha") alpha = { tenantId: r.tenantId, userId: r.userId };
    else bravo = { tenantId: r.tenantId, userId: r.userId };
  }
  registerBuiltInJobs();
  await startJobs({ work: true, schedules: false, connectionString: inject("appUrl"), max: 3, pollingIntervalSeconds: 0.5 });
});

afterAll(async () => {
  await stopJobs();
  setClaudeClient(undefined);
  await sim.close();
  await prisma.$disconnect();
});

describe("knowledge in the composed context", () => {
  it("puts the tenant's own passages, with source ids, after the cached prefix; the same term in another tenant never crosses", async () => {
    const alphaDoc = await documentReady(alpha, "Alpha handbook", `# Returns\n\nAlpha customers return a ${TERM} within 14 days (alpha-only-clause).`);
    await documentReady(bravo, "Bravo handbook", `# Returns\n\nBravo customers return a ${TERM} within 90 days (bravo-only-clause).`);
    const plan = await getPlan("enterprise");

    const turn = await composeFor(alpha, { message: `How do I return a ${TERM}?` }, plan);
    const [, tenantBlock, knowledge] = turn.system;
    expect(tenantBlock?.cache_control).toEqual({ type: "ephemeral" });
    expect(tenantBlock?.text).not.toContain(TERM);
    expect(knowledge?.cache_control).toBeUndefined();
    expect(knowledge?.text.startsWith("<knowledge>")).toBe(true);
    expect(knowledge?.text).toContain("alpha-only-clause");
    expect(knowledge?.text).toContain('source="Alpha handbook › Returns"');
    const [chunk] = await ownerQuery<{ id: string }>("SELECT id FROM knowledge_chunks WHERE document_id = $1", [alphaDoc]);
    expect(knowledge?.text).toContain(`<passage id="${chunk!.id}"`);
    expect(turn.context.included.knowledgeIds).toEqual([chunk!.id]);
    // The reply's sources: the same passage, with its document and section.
    expect(turn.sources).toEqual([expect.objectContaining({ id: chunk!.id, title: "Alpha handbook", section: "Returns" })]);
    expect(turn.sources[0]!.excerpt).toContain("alpha-only-clause");
    expect(JSON.stringify(turn.system)).not.toContain("bravo-only-clause");
    expect(turn.inputTokenBound).toBeGreaterThanOrEqual(turn.estimatedInputTokens);

    // End to end: what the simulator received.
    const events = await chat({ ...bravo, planId: "enterprise" }, { message: `How do I return a ${TERM}?` });
    expect(endOf(events).type).toBe("done");
    const received = sim.received.find((e) => e.headers["x-bulkhead-request"] === startOf(events).requestId)!;
    expect(received.system).toContain("bravo-only-clause");
    expect(received.system).not.toContain("alpha-only-clause");
    expect(received.system.indexOf("bravo-only-clause")).toBeGreaterThan(received.system.indexOf("</tenant_configuration>"));
    // The chat's start event names the sources the reply was given: Bravo's own only.
    const sources = startOf(events).sources ?? [];
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((s) => s.excerpt.includes("bravo-only-clause") || !s.excerpt.includes("alpha-only-clause"))).toBe(true);
    expect(JSON.stringify(sources)).not.toContain("alpha-only-clause");

    // Kept with the answer: reopening the conversation shows the same sources, to its user only.
    const { conversationId, assistantMessageId } = { conversationId: startOf(events).conversationId, assistantMessageId: (endOf(events) as { assistantMessageId: string }).assistantMessageId };
    const reopened = await waitUntil(async () => {
      const c = await getConversationWithMessages(bravo, conversationId);
      return c.messages.find((m) => m.id === assistantMessageId && m.sources) ?? null;
    }, "the answer's sources to be saved");
    expect(reopened.sources).toEqual(sources);
    const colleague = await signUp({ name: "Colleague", email: `${unique("colleague")}@boss.test`, password: "long-enough-1", workspaceName: unique("Colleague w") });
    await withTenant(bravo, (tx) => tx.membership.create({ data: { tenantId: bravo.tenantId, userId: colleague.userId, role: "admin" } }));
    const seenByColleague = await withTenant({ tenantId: bravo.tenantId, userId: colleague.userId }, (tx) => tx.messageSource.findMany({ where: { messageId: assistantMessageId } }));
    expect(seenByColleague).toEqual([]);
    // Saving again changes nothing; a message that was never written gets none.
    expect(await saveMessageSources(bravo, assistantMessageId, [{ id: "x", documentId: "y", title: "t", section: null, excerpt: "e" }])).toBe(false);
    expect(await saveMessageSources(bravo, "00000000-0000-4000-8000-000000000001", [{ id: "x", documentId: "y", title: "t", section: null, excerpt: "e" }])).toBe(false);
    expect((await getConversationWithMessages(bravo, conversationId)).messages.find((m) => m.id === assistantMessageId)!.sources).toEqual(sources);
  });
});

describe("session summaries on pg-boss", () => {
  it("compose enqueues the summary job; a pg-boss worker writes it, metered as a background row", async () => {
    const marker = unique("boss");
    const conversationId = await withTenant(alpha, async (tx) => {
      const start = Date.now() - 30 * 10_000;
      const c = await tx.conversation.create({ data: { tenantId: alpha.tenantId, userId: alpha.userId, title: "long", createdAt: new Date(start) }, select: { id: true } });
      for (let i = 0; i < 20; i++) {
        await tx.message.create({ data: { tenantId: alpha.tenantId, conversationId: c.id, userId: alpha.userId, role: "user", content: `${marker}-q${i} ${"question ".repeat(300)}`, createdAt: new Date(start + i * 10_000) } });
        await tx.message.create({ data: { tenantId: alpha.tenantId, conversationId: c.id, userId: alpha.userId, role: "assistant", content: `${marker}-a${i} ${"answer ".repeat(400)}`, createdAt: new Date(start + i * 10_000 + 5_000) } });
      }
      return c.id;
    });
    const turn = await composeFor(alpha, { conversationId, message: "and now?" }, await getPlan("enterprise"));
    expect(turn.backgroundJobs.map((j) => j.name)).toContain("session-summarise");
    // As the pipeline does once the turn is reserved (chat-turn.ts).
    for (const job of turn.backgroundJobs) enqueueContextJob(job);

    const jobs = await waitUntil(
      async () => {
        const rows = await ownerQuery<{ state: string }>("SELECT state FROM pgboss.job WHERE name = 'session-summarise' AND data->>'conversationId' = $1", [conversationId]);
        return rows.length > 0 ? rows : null;
      },
      "the job in pgboss.job",
    );
    expect(jobs.length).toBeGreaterThan(0);
    const summary = await waitUntil(async () => {
      const [row] = await ownerQuery<{ summary: string; request_id: string }>("SELECT summary, request_id FROM conversation_summaries WHERE conversation_id = $1 AND summary <> ''", [conversationId]);
      return row;
    }, "the summary");
    const [event] = await ownerQuery<{ request_type: string; status: string }>("SELECT request_type, status FROM usage_events WHERE request_id = $1", [summary.request_id]);
    expect(event).toEqual({ request_type: "background", status: "completed" });
  });
});
