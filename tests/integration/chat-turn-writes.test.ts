import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import { getConversationWithMessages, listConversations } from "@/lib/chat/conversations";
import type { PrismaClient } from "@/lib/db/generated/client";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { chatStreamEventSchema, type ChatStreamEvent } from "@/lib/pipeline/chat-events";
import { startChatTurn } from "@/lib/pipeline/chat-turn";
import { chat, startOf } from "@/tests/helpers/chat";
import { unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * A chat answer ends its response before its write commits (lib/chat/turn-writes.ts); the
 * user's reads and next turn wait for the write instead. Here the write is held back by a
 * lock on the conversation's row (settle_turns updates it), so each of the three can be
 * seen on its own side of the commit.
 */
let prisma: PrismaClient;
let sim: RunningSimulator;
let owner: pg.Client;
let ctx: { tenantId: string; userId: string };

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  owner = new pg.Client({ connectionString: inject("ownerUrl") });
  await owner.connect();
  const r = await signUp({ name: "Writer", email: `${unique("writes")}@writes.test`, password: "long-enough-1", workspaceName: "Writes Corp" });
  ctx = { tenantId: r.tenantId, userId: r.userId };
});

afterAll(async () => {
  setClaudeClient(undefined);
  await sim.close();
  await owner.end();
  await prisma.$disconnect();
});

/** The turn's events, read to the end of its body, without waiting for its write. */
async function readTurn(stream: ReadableStream<Uint8Array>): Promise<ChatStreamEvent[]> {
  const text = await new Response(stream).text();
  return text.trim().split("\n").map((line) => chatStreamEventSchema.parse(JSON.parse(line)));
}

const within = <T,>(promise: Promise<T>, ms: number) =>
  Promise.race([promise.then((value) => ({ value })), new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms))]);

describe("a chat turn's write after its answer", () => {
  it("ends the answer while its write waits; the user's reads and next turn wait for the write and then see it", async () => {
    const first = await chat({ ...ctx }, { message: `first turn ${unique("")}` });
    const conversationId = startOf(first).conversationId;

    await owner.query("BEGIN");
    try {
      await owner.query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", [conversationId]);
      const second = await within(startChatTurn({ ...ctx, planId: "enterprise" }, { conversationId, message: "second turn" }, new AbortController().signal).then(readTurn), 10_000);
      if (second === "timeout") throw new Error("the answer waited for its write");
      expect(second.value.at(-1)?.type).toBe("done");
      const answer = second.value.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
      expect(answer).not.toBe("");

      // While the write is held: the reads and the next turn wait.
      const reading = getConversationWithMessages(ctx, conversationId);
      const listing = listConversations(ctx);
      const sent = sim.received.filter((e) => e.endpoint === "messages").length;
      const third = startChatTurn({ ...ctx, planId: "enterprise" }, { conversationId, message: "third turn" }, new AbortController().signal).then(readTurn);
      expect(await within(reading, 300)).toBe("timeout");
      expect(await within(listing, 50)).toBe("timeout");
      expect(sim.received.filter((e) => e.endpoint === "messages")).toHaveLength(sent);

      await owner.query("COMMIT");
      const read = await reading;
      // (The third turn may already be written too: it waited for the same commit.)
      expect(read.messages.slice(0, 4).map((m) => [m.role, m.content])).toEqual([
        ["user", expect.stringContaining("first turn")],
        ["assistant", expect.any(String)],
        ["user", "second turn"],
        ["assistant", answer],
      ]);
      expect((await listing).map((c) => c.id)).toContain(conversationId);
      expect((await third).at(-1)?.type).toBe("done");
      const history = sim.received.last()!.messages;
      expect(history.map((m) => m.text)).toEqual(expect.arrayContaining([answer, expect.stringContaining("second turn"), expect.stringContaining("third turn")]));
    } finally {
      await owner.query("ROLLBACK").catch(() => {});
    }
  });
});
