import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { chat, endOf, startOf } from "@/tests/helpers/chat";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let sim: RunningSimulator;
const tenants: { ctx: TenantContext; persona: string; company: string }[] = [];

async function configure(ctx: TenantContext, persona: string, company: string): Promise<void> {
  await withTenant(ctx, (tx) =>
    tx.tenantConfig.create({
      data: {
        tenantId: ctx.tenantId, version: 2, companyName: company, persona, allowedTopics: [`topic-${company}`], restrictedTopics: [],
        customInstructions: `instructions-${company}`, modelTier: "economy", maxTokens: 300,
      },
    }),
  );
}

interface UsageRow {
  request_id: string;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_read_tokens: number;
  status: string;
  error_type: string | null;
  cost_micros: string;
  estimated: boolean;
}

async function usageFor(requestId: string): Promise<UsageRow> {
  const [row] = await ownerQuery<UsageRow>("SELECT * FROM usage_events WHERE request_id = $1", [requestId]);
  if (!row) throw new Error(`no usage event for ${requestId}`);
  return row;
}

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  for (const name of ["Alpha", "Bravo"]) {
    const r = await signUp({ name, email: `${unique(name.toLowerCase())}@chat.test`, password: "long-enough-1", workspaceName: `${name} Corp` });
    const ctx = { tenantId: r.tenantId, userId: r.userId };
    const persona = `persona-${unique(name)}`;
    await configure(ctx, persona, `${name}Co`);
    tenants.push({ ctx, persona, company: `${name}Co` });
  }
});

afterAll(async () => {
  setClaudeClient(undefined);
  await sim.close();
  await prisma.$disconnect();
});

describe("tenant isolation in what Claude receives", () => {
  it("sends only the tenant's own system prompt and the user's own history, under concurrency", async () => {
    sim.received.clear();
    // Each conversation has a secret; three turns each, all conversations of both tenants at once.
    const runs = tenants.flatMap((t) =>
      Array.from({ length: 4 }, async (_, i) => {
        const secret = `secret-${t.company}-${i}-${unique("")}`;
        const first = await chat(t.ctx, { message: `remember ${secret}` });
        const conversationId = startOf(first).conversationId;
        await chat(t.ctx, { conversationId, message: `second turn for ${secret}` });
        await chat(t.ctx, { conversationId, message: "third turn" });
        return { tenant: t, secret, conversationId };
      }),
    );
    const conversations = await Promise.all(runs);

    const entries = sim.received.filter((e) => e.endpoint === "messages");
    expect(entries).toHaveLength(conversations.length * 3);
    for (const entry of entries) {
      const own = tenants.find((t) => t.ctx.tenantId === entry.headers["x-bulkhead-tenant"]);
      expect(own, "every request is attributed to a tenant").toBeDefined();
      const other = tenants.find((t) => t !== own)!;
      expect(entry.system).toContain(own!.persona);
      expect(entry.system).toContain(`instructions-${own!.company}`);
      expect(entry.system).not.toContain(other.persona);
      expect(entry.system).not.toContain(other.company);
      const text = entry.messages.map((m) => m.text).join("\n");
      // The user's text never reaches the system prompt.
      expect(entry.system).not.toMatch(/secret-/);
      // History: only secrets of this tenant, and of exactly one conversation.
      const secrets = conversations.filter((c) => text.includes(c.secret));
      expect(secrets.length).toBeLessThanOrEqual(1);
      for (const s of secrets) expect(s.tenant).toBe(own);
      expect(text).not.toContain(other.company);
    }
    // Third turns carry the two earlier turns of their own conversation.
    const third = entries.filter((e) => e.messages.at(-1)?.text.includes("third turn"));
    expect(third).toHaveLength(conversations.length);
    for (const e of third) expect(e.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
  });
});

describe("usage recorded at call time equals what the simulator reported", () => {
  it("completed: one event with the simulator's tokens, message and usage written together", async () => {
    const t = tenants[0]!;
    const events = await chat(t.ctx, { message: "hello there" });
    const start = startOf(events);
    const end = endOf(events);
    expect(end.type).toBe("done");
    const entry = sim.received.last()!;
    const row = await usageFor(start.requestId);
    expect(row).toMatchObject({
      status: "completed",
      input_tokens: entry.usage!.input_tokens,
      output_tokens: entry.usage!.output_tokens,
      cache_write_tokens: entry.usage!.cache_creation_input_tokens,
      cache_read_tokens: entry.usage!.cache_read_input_tokens,
    });
    expect(BigInt(row.cost_micros)).toBeGreaterThan(0n);
    const text = events.filter((e) => e.type === "delta").map((e) => (e.type === "delta" ? e.text : "")).join("");
    const [message] = await ownerQuery<{ content: string; status: string }>(
      "SELECT content, status FROM messages WHERE conversation_id = $1 AND role = 'assistant'",
      [start.conversationId],
    );
    expect(message).toEqual({ content: text, status: "complete" });
  });

  it.each([
    ["429", "rate_limit_error"],
    ["529", "overloaded_error"],
  ])("upstream %s: an error event with zero output tokens, the turn saved as failed", async (fault, errorType) => {
    const t = tenants[1]!;
    const events = await chat(t.ctx, { message: `please fail [[sim:${fault}]] ${unique("")}` });
    const end = endOf(events);
    expect(end.type).toBe("error");
    const row = await usageFor(startOf(events).requestId);
    expect(row).toMatchObject({ status: "error", error_type: errorType, output_tokens: 0, input_tokens: 0 });
    const retry = await chat(t.ctx, { conversationId: startOf(events).conversationId, retry: true });
    // The retry re-sends the same user text (fault marker included) and fails the same way;
    // it must not store a second copy of the user message.
    expect(endOf(retry).type).toBe("error");
    const [count] = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM messages WHERE conversation_id = $1 AND role = 'user'", [startOf(events).conversationId]);
    expect(Number(count!.n)).toBe(1);
  });

  it("a 429 retried by the scheduler: one usage event per attempt, quota settled with their sum", async () => {
    const t = tenants[1]!;
    const marker = unique("retry");
    const events = await chat(t.ctx, { message: `busy first [[sim:429x2:0.05]] ${marker}` });
    expect(endOf(events).type).toBe("done");
    const requestId = startOf(events).requestId;
    const rows = await ownerQuery<UsageRow>("SELECT * FROM usage_events WHERE request_id LIKE $1 ORDER BY request_id", [`${requestId}%`]);
    const logged = sim.received.filter((e) => e.messages.at(-1)?.text.includes(marker) ?? false);
    expect(logged).toHaveLength(3);
    expect(rows).toHaveLength(logged.length);
    // Attempt ids: req_x, req_x-r1, req_x-r2; the first two hit the 429.
    expect(rows.map((r) => r.status)).toEqual(["error", "error", "completed"]);
    expect(rows.slice(0, 2).every((r) => r.output_tokens === 0 && r.error_type === "rate_limit_error")).toBe(true);
    const completed = logged.find((e) => e.outcome === "completed")!;
    expect(rows[2]).toMatchObject({ input_tokens: completed.usage!.input_tokens, output_tokens: completed.usage!.output_tokens });
    // As every reader does: fold the settlements queued for the quota row first.
    await ownerQuery("SELECT fold_quota($1, NULL)", [t.ctx.tenantId]);
    const [quota] = await ownerQuery<{ used_tokens: string; reserved_tokens: string }>(
      "SELECT used_tokens, reserved_tokens FROM quota_usage WHERE tenant_id = $1",
      [t.ctx.tenantId],
    );
    const [sum] = await ownerQuery<{ n: string }>(
      "SELECT sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens) AS n FROM usage_events WHERE tenant_id = $1",
      [t.ctx.tenantId],
    );
    expect(Number(quota!.reserved_tokens)).toBe(0);
    expect(Number(quota!.used_tokens)).toBe(Number(sum!.n));
  });

  it("mid-stream error after text: input from message_start, the text's output estimated and flagged", async () => {
    const t = tenants[0]!;
    const events = await chat(t.ctx, { message: `break midway [[sim:midstream]] ${unique("")}` });
    expect(endOf(events).type).toBe("error");
    const entry = sim.received.last()!;
    expect(entry.outcome).toBe("error");
    const row = await usageFor(startOf(events).requestId);
    expect(row.status).toBe("error");
    expect(row.output_tokens).toBe(entry.usage!.output_tokens);
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(row.estimated).toBe(true);
    expect(row.input_tokens).toBe(entry.usage!.input_tokens);
    expect(row.input_tokens).toBeGreaterThan(0);
  });

  it("client abort: the upstream call is cancelled and what was used is recorded", async () => {
    const t = tenants[0]!;
    const abort = new AbortController();
    let deltas = 0;
    const events = await chat(t.ctx, { message: `long one [[sim:slow:20]] ${unique("")}` }, {
      signal: abort.signal,
      onDelta: () => {
        deltas += 1;
        if (deltas === 5) abort.abort();
      },
    });
    const end = endOf(events);
    expect(end.type === "done" && end.status).toBe("aborted");
    const row = await usageFor(startOf(events).requestId);
    const entry = sim.received.find((e) => e.messages.at(-1)?.text.includes("long one") ?? false)!;
    await expect.poll(() => sim.received.find((e) => e.requestId === entry.requestId)?.outcome).toBe("aborted");
    expect(row.status).toBe("aborted");
    expect(row.input_tokens).toBe(entry.usage!.input_tokens);
    expect(row.output_tokens).toBeGreaterThan(0);
    // Far short of a full reply: the stream was really cut.
    expect(row.output_tokens).toBeLessThan(300);
    const [message] = await ownerQuery<{ status: string; content: string }>(
      "SELECT status, content FROM messages WHERE conversation_id = $1 AND role = 'assistant'",
      [startOf(events).conversationId],
    );
    expect(message?.status).toBe("aborted");
    expect(message?.content.length).toBeGreaterThan(0);
  });
});

describe("bad input", () => {
  it("another user's or tenant's conversation is a 404 and nothing is sent upstream", async () => {
    const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
    const events = await chat(a.ctx, { message: "mine" });
    const before = sim.received.size;
    const error = await chat(b.ctx, { conversationId: startOf(events).conversationId, message: "let me in" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(404);
    expect(sim.received.size).toBe(before);
  });

  it("retry in a conversation with no user message is refused", async () => {
    const ctx = tenants[0]!.ctx;
    const conversationId = crypto.randomUUID();
    await ownerQuery("INSERT INTO conversations (tenant_id, id, user_id, title) VALUES ($1, $2, $3, 'empty')", [ctx.tenantId, conversationId, ctx.userId]);
    const before = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1", [ctx.tenantId]);
    const error = await chat(ctx, { conversationId, retry: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(422);
    expect((error as AppError).message).toMatch(/no message to retry/);
    // Refused before anything was reserved or written.
    const after = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1", [ctx.tenantId]);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("a free workspace whose owner has not verified their email is refused before anything is reserved, and served once they have", async () => {
    const r = await signUp({ name: "Una", email: `${unique("unverified")}@chat.test`, password: "long-enough-1", workspaceName: "Unverified Co" });
    const ctx = { tenantId: r.tenantId, userId: r.userId, planId: "free" };
    await ownerQuery("UPDATE users SET email_verified_at = NULL WHERE id = $1", [r.userId]);
    const error = await chat(ctx, { message: "hello before verifying" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(403);
    expect((error as AppError).code).toBe("email_unverified");
    const rows = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM usage_events WHERE tenant_id = $1", [r.tenantId]);
    expect(rows[0]!.n).toBe("0");

    await ownerQuery("UPDATE users SET email_verified_at = now() WHERE id = $1", [r.userId]);
    const events = await chat(ctx, { message: "hello after verifying" });
    expect(endOf(events).type).toBe("done");
  });

  it("retry in a conversation that does not exist (or is another user's) is a 404", async () => {
    const error = await chat(tenants[0]!.ctx, { conversationId: crypto.randomUUID(), retry: true }).catch((e: unknown) => e);
    expect((error as AppError).status).toBe(404);
  });
});
