import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import {
  deleteConversation,
  getConversationOrThrow,
  getConversationWithMessages,
  listConversations,
  listMessages,
  renameConversation,
  type ChatContext,
} from "@/lib/chat/conversations";
import { CONVERSATION_LIST_LIMIT } from "@/lib/chat/limits";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let alice: ChatContext; // owner of tenant A
let mia: ChatContext; // member of tenant A
let bob: ChatContext; // owner of tenant B

const password = "correct-horse-9";

/** Creates a conversation with an explicit updatedAt so ordering does not depend on timing. */
async function seedConversation(ctx: ChatContext, title: string, updatedAt: Date, turns: [string, string][] = []): Promise<string> {
  return withTenant(ctx, async (tx) => {
    const c = await tx.conversation.create({ data: { tenantId: ctx.tenantId, userId: ctx.userId, title, createdAt: updatedAt, updatedAt }, select: { id: true } });
    let at = updatedAt.getTime();
    for (const [question, answer] of turns) {
      await tx.message.create({ data: { tenantId: ctx.tenantId, conversationId: c.id, userId: ctx.userId, role: "user", content: question, createdAt: new Date((at += 1000)) } });
      await tx.message.create({ data: { tenantId: ctx.tenantId, conversationId: c.id, userId: ctx.userId, role: "assistant", content: answer, status: "aborted", createdAt: new Date((at += 1000)) } });
    }
    return c.id;
  });
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("not_found");
  expect((error as AppError).status).toBe(404);
}

beforeAll(async () => {
  prisma = useAppDatabase();
  const a = await signUp({ name: "Alice", email: `${unique("alice")}@a.test`, password, workspaceName: "Conv Alpha" });
  const b = await signUp({ name: "Bob", email: `${unique("bob")}@b.test`, password, workspaceName: "Conv Beta" });
  const m = await signUp({ name: "Mia", email: `${unique("mia")}@a.test`, password, workspaceName: "Mia Solo" });
  alice = { tenantId: a.tenantId, userId: a.userId };
  bob = { tenantId: b.tenantId, userId: b.userId };
  mia = { tenantId: a.tenantId, userId: m.userId };
  await withTenant(alice, (tx) => tx.membership.create({ data: { tenantId: a.tenantId, userId: m.userId, role: "member" } }));
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("listConversations", () => {
  it("lists only the caller's conversations, newest activity first", async () => {
    const old = await seedConversation(alice, "old", new Date("2025-01-01T10:00:00Z"));
    const newest = await seedConversation(alice, "newest", new Date("2025-03-01T10:00:00Z"));
    const middle = await seedConversation(alice, "middle", new Date("2025-02-01T10:00:00Z"));
    await seedConversation(mia, "mia's", new Date("2025-04-01T10:00:00Z"));
    await seedConversation(bob, "bob's", new Date("2025-04-01T10:00:00Z"));

    const list = await listConversations(alice);
    expect(list.map((c) => c.id)).toEqual([newest, middle, old]);
    expect(list[0]).toEqual({ id: newest, title: "newest", updatedAt: "2025-03-01T10:00:00.000Z" });
  });

  it(`returns at most ${CONVERSATION_LIST_LIMIT}`, async () => {
    const many: ChatContext = { ...bob };
    await withTenant(many, (tx) =>
      tx.conversation.createMany({
        data: Array.from({ length: CONVERSATION_LIST_LIMIT + 5 }, (_, i) => ({
          tenantId: many.tenantId, userId: many.userId, title: `bulk ${i}`, updatedAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
        })),
      }),
    );
    const list = await listConversations(many);
    expect(list).toHaveLength(CONVERSATION_LIST_LIMIT);
    // The newest of the bulk rows made the cut, the five oldest did not.
    expect(list.map((c) => c.title)).toContain(`bulk ${CONVERSATION_LIST_LIMIT + 4}`);
    expect(list.map((c) => c.title)).not.toContain("bulk 0");
  });
});

describe("reading one conversation", () => {
  it("returns the conversation and its messages oldest first", async () => {
    const id = await seedConversation(alice, "with turns", new Date("2025-05-01T10:00:00Z"), [["q1", "a1"], ["q2", "a2"]]);
    expect((await getConversationOrThrow(alice, id)).title).toBe("with turns");
    const messages = await listMessages(alice, id);
    expect(messages.map((m) => `${m.role}:${m.content}`)).toEqual(["user:q1", "assistant:a1", "user:q2", "assistant:a2"]);
    expect(messages[1]?.status).toBe("aborted");
    const both = await getConversationWithMessages(alice, id);
    expect(both.conversation.id).toBe(id);
    expect(both.messages).toHaveLength(4);
  });
});

describe("renameConversation", () => {
  it("trims and saves the title without moving the conversation in the list", async () => {
    const id = await seedConversation(alice, "before", new Date("2024-06-01T10:00:00Z"));
    const renamed = await renameConversation(alice, id, "  after rename  ");
    expect(renamed.title).toBe("after rename");
    expect(renamed.updatedAt).toBe("2024-06-01T10:00:00.000Z");
    const [row] = await ownerQuery<{ title: string }>("SELECT title FROM conversations WHERE id = $1", [id]);
    expect(row?.title).toBe("after rename");
  });

  it("rejects an empty or over-long title", async () => {
    const id = await seedConversation(alice, "keep", new Date("2024-06-02T10:00:00Z"));
    await expect(renameConversation(alice, id, "   ")).rejects.toMatchObject({ code: "validation_failed" });
    await expect(renameConversation(alice, id, "x".repeat(121))).rejects.toMatchObject({ code: "validation_failed" });
    const [row] = await ownerQuery<{ title: string }>("SELECT title FROM conversations WHERE id = $1", [id]);
    expect(row?.title).toBe("keep");
  });
});

describe("deleteConversation", () => {
  it("deletes the conversation and its messages", async () => {
    const id = await seedConversation(alice, "doomed", new Date("2024-07-01T10:00:00Z"), [["q", "a"]]);
    await deleteConversation(alice, id);
    expect(await ownerQuery("SELECT 1 FROM conversations WHERE id = $1", [id])).toHaveLength(0);
    expect(await ownerQuery("SELECT 1 FROM messages WHERE conversation_id = $1", [id])).toHaveLength(0);
    await expectNotFound(getConversationOrThrow(alice, id));
    await expectNotFound(deleteConversation(alice, id));
  });
});

describe("another user's conversation is not found", () => {
  let miasId: string;
  let bobsId: string;

  beforeAll(async () => {
    miasId = await seedConversation(mia, "mia private", new Date("2024-08-01T10:00:00Z"), [["secret q", "secret a"]]);
    bobsId = await seedConversation(bob, "bob private", new Date("2024-08-01T10:00:00Z"), [["secret q", "secret a"]]);
  });

  for (const [label, who] of [["same tenant, other user", () => miasId], ["other tenant", () => bobsId]] as const) {
    it(`${label}: get, messages, rename and delete all throw not_found and change nothing`, async () => {
      const id = who();
      await expectNotFound(getConversationOrThrow(alice, id));
      await expectNotFound(listMessages(alice, id));
      await expectNotFound(renameConversation(alice, id, "pwned"));
      await expectNotFound(deleteConversation(alice, id));
      const [row] = await ownerQuery<{ title: string }>("SELECT title FROM conversations WHERE id = $1", [id]);
      expect(row?.title).toMatch(/private$/);
      expect(await ownerQuery("SELECT 1 FROM messages WHERE conversation_id = $1", [id])).toHaveLength(2);
    });
  }

  it("the owner still reads their own", async () => {
    expect((await getConversationOrThrow(mia, miasId)).title).toBe("mia private");
  });
});

describe("malformed ids", () => {
  for (const id of ["not-a-uuid", "", "1", "123e4567-e89b-12d3-a456-42661417400", "'; drop table conversations; --", 42, null]) {
    it(`${JSON.stringify(id)} is not_found, not a database error`, async () => {
      await expectNotFound(getConversationOrThrow(alice, id));
      await expectNotFound(listMessages(alice, id));
      await expectNotFound(renameConversation(alice, id, "x"));
      await expectNotFound(deleteConversation(alice, id));
    });
  }

  it("a well-formed id that does not exist is not_found", async () => {
    await expectNotFound(getConversationOrThrow(alice, "00000000-0000-4000-8000-000000000000"));
  });
});
