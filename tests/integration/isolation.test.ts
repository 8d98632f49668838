import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withStaff, withTenant, withUser } from "@/lib/db/scope";
import { getPool } from "@/lib/db/client";
import { withScopeSql } from "@/lib/db/sql";
import { findWorkspaceForUser } from "@/lib/tenancy/workspace";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let a: { tenantId: string; userId: string; slug: string };
let b: { tenantId: string; userId: string; slug: string };
let aMemberId: string;
let convA: string; // owned by a.userId
let convAMember: string; // owned by aMemberId
let convB: string;

const password = "correct-horse-9";

async function newConversation(tenantId: string, userId: string, text: string): Promise<string> {
  return withTenant({ tenantId, userId }, async (tx) => {
    const c = await tx.conversation.create({ data: { tenantId, userId, title: text }, select: { id: true } });
    await tx.message.create({ data: { tenantId, conversationId: c.id, userId, role: "user", content: text } });
    return c.id;
  });
}

beforeAll(async () => {
  prisma = useAppDatabase();
  a = await signUp({ name: "Alice", email: `${unique("alice")}@a.test`, password, workspaceName: "Acme Alpha" });
  b = await signUp({ name: "Bob", email: `${unique("bob")}@b.test`, password, workspaceName: "Beta Bank" });
  const member = await signUp({ name: "Mia", email: `${unique("mia")}@a.test`, password, workspaceName: "Mia's own" });
  aMemberId = member.userId;
  await withTenant(a, (tx) => tx.membership.create({ data: { tenantId: a.tenantId, userId: aMemberId, role: "member" } }));
  convA = await newConversation(a.tenantId, a.userId, "alpha secret");
  convAMember = await newConversation(a.tenantId, aMemberId, "mia private note");
  convB = await newConversation(b.tenantId, b.userId, "beta secret");
  await withTenant(b, (tx) =>
    tx.usageEvent.create({
      data: { tenantId: b.tenantId, requestId: unique("req"), requestType: "chat", model: "claude-sonnet-4-5", inputTokens: 10, outputTokens: 20, latencyMs: 5, costMicros: 330n, status: "completed" },
    }),
  );
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("the application login fails closed", () => {
  it("cannot read any table without going through the scope helper", async () => {
    await expect(prisma.tenant.findMany()).rejects.toThrow(/permission denied/i);
    await expect(prisma.message.findMany()).rejects.toThrow(/permission denied/i);
    // Unqualified names are not even resolvable: the login has no USAGE on the schema.
    await expect(prisma.$queryRawUnsafe("SELECT count(*) FROM conversations")).rejects.toThrow(/does not exist/i);
    await expect(prisma.$queryRawUnsafe("SELECT count(*) FROM public.conversations")).rejects.toThrow(/permission denied/i);
  });

  it("still fails closed on a pooled connection that was scoped before", async () => {
    // Run scoped transactions first so the pool's connections have seen set_config(..., true).
    await Promise.all(Array.from({ length: 8 }, () => withTenant(a, (tx) => tx.conversation.count())));
    await expect(prisma.conversation.count()).rejects.toThrow(/permission denied/i);
  });

  it("cannot switch itself to a superuser or table owner", async () => {
    await expect(prisma.$executeRawUnsafe("SET ROLE root")).rejects.toThrow(/permission denied/i);
  });

  it("every table with a tenant_id column has row-level security enabled and forced", async () => {
    const tables = await ownerQuery<{ table: string; enabled: boolean; forced: boolean; policies: string }>(
      `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::text AS policies
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        WHERE c.relkind = 'r'
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        ORDER BY 1`,
    );
    // The tables this test is known to cover, so that a rename cannot make it vacuous.
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(["conversations", "messages", "usage_events", "usage_daily", "usage_daily_tenant", "tenant_configs", "memberships"]));
    for (const t of tables) expect({ table: t.table, enabled: t.enabled, forced: t.forced }).toEqual({ table: t.table, enabled: true, forced: true });
    for (const t of tables) expect(Number(t.policies), t.table).toBeGreaterThan(0);
  });
});

describe("the chat path's plain-SQL access (lib/db/sql.ts) is scoped the same way", () => {
  it("fails closed without a scope", async () => {
    await expect(getPool().query("SELECT count(*) FROM public.messages")).rejects.toThrow(/permission denied/i);
  });

  it("sees only the scoped tenant and user", async () => {
    const rows = await withScopeSql({ kind: "tenant", ...a }, (db) => db.query<{ id: string }>("SELECT id FROM conversations"));
    expect(rows.map((r) => r.id)).toEqual([convA]);
    const stolen = await withScopeSql({ kind: "tenant", ...a }, (db) => db.query<{ id: string }>("UPDATE conversations SET title = 'x' WHERE id = $1 RETURNING id", [convB]));
    expect(stolen).toHaveLength(0);
  });

  it("refuses scope ids that are not uuids (they are interpolated into the BEGIN batch)", async () => {
    await expect(withScopeSql({ kind: "tenant", tenantId: "x', true); DROP TABLE messages; --", userId: a.userId }, async () => 1)).rejects.toThrow(/uuid/);
  });
});

describe("tenant A against tenant B", () => {
  it("sees only its own rows with a query that omits the tenant filter", async () => {
    const rows = await withTenant(a, (tx) => tx.conversation.findMany({ select: { tenantId: true, id: true } }));
    expect(rows.map((r) => r.id)).toEqual([convA]);
    const events = await withTenant(a, (tx) => tx.usageEvent.count());
    expect(events).toBe(0);
    const raw = await withTenant(a, (tx) => tx.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM messages"));
    expect(Number(raw[0]?.n)).toBe(1);
  });

  it("cannot read B's conversation by id", async () => {
    const found = await withTenant(a, (tx) => tx.conversation.findFirst({ where: { id: convB } }));
    expect(found).toBeNull();
  });

  it("cannot update or delete B's rows", async () => {
    const updated = await withTenant(a, (tx) => tx.conversation.updateMany({ where: { id: convB }, data: { title: "pwned" } }));
    expect(updated.count).toBe(0);
    const deleted = await withTenant(a, (tx) => tx.message.deleteMany({ where: { tenantId: b.tenantId } }));
    expect(deleted.count).toBe(0);
    const tenantUpdate = await withTenant(a, (tx) => tx.tenant.updateMany({ where: { id: b.tenantId }, data: { name: "pwned" } }));
    expect(tenantUpdate.count).toBe(0);
    const [row] = await ownerQuery<{ title: string }>("SELECT title FROM conversations WHERE id = $1", [convB]);
    expect(row?.title).toBe("beta secret");
  });

  it("cannot insert rows into B", async () => {
    await expect(
      withTenant(a, (tx) => tx.conversation.create({ data: { tenantId: b.tenantId, userId: a.userId, title: "planted" } })),
    ).rejects.toThrow(/row-level security|violates/i);
    await expect(
      withTenant(a, (tx) => tx.auditLog.create({ data: { tenantId: b.tenantId, action: "planted" } })),
    ).rejects.toThrow(/row-level security/i);
  });

  it("gets no workspace for B's slug (not a member)", async () => {
    expect(await findWorkspaceForUser(a.userId, b.slug)).toBeNull();
    expect((await findWorkspaceForUser(a.userId, a.slug))?.role).toBe("owner");
  });

  it("lists only tenants the user belongs to", async () => {
    const tenants = await withUser(aMemberId, (tx) => tx.tenant.findMany({ select: { id: true } }));
    expect(tenants.map((t) => t.id).sort()).toEqual([a.tenantId, (await findOwnTenant(aMemberId))].sort());
    expect(tenants.map((t) => t.id)).not.toContain(b.tenantId);
  });
});

async function findOwnTenant(userId: string): Promise<string> {
  const rows = await ownerQuery<{ tenant_id: string }>("SELECT tenant_id FROM memberships WHERE user_id = $1 AND role = 'owner'", [userId]);
  return rows[0]!.tenant_id;
}

describe("conversations are private to their user inside the tenant", () => {
  it("user X cannot read user Y's conversation or messages", async () => {
    const asOwner = await withTenant(a, (tx) => tx.conversation.findMany({ select: { id: true } }));
    expect(asOwner.map((c) => c.id)).not.toContain(convAMember);
    const messages = await withTenant(a, (tx) => tx.message.findMany({ where: { conversationId: convAMember } }));
    expect(messages).toHaveLength(0);
    const asMember = await withTenant({ tenantId: a.tenantId, userId: aMemberId }, (tx) => tx.conversation.findMany({ select: { id: true } }));
    expect(asMember.map((c) => c.id)).toEqual([convAMember]);
  });

  it("user X cannot write into user Y's conversation", async () => {
    await expect(
      withTenant(a, (tx) => tx.message.create({ data: { tenantId: a.tenantId, conversationId: convAMember, userId: aMemberId, role: "user", content: "x" } })),
    ).rejects.toThrow(/row-level security/i);
  });
});

describe("staff", () => {
  it("reads tenants, plans and usage across tenants", async () => {
    const tenants = await withStaff(a.userId, (tx) => tx.tenant.findMany({ select: { id: true } }));
    expect(tenants.map((t) => t.id)).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
    expect(await withStaff(a.userId, (tx) => tx.usageEvent.count({ where: { tenantId: b.tenantId } }))).toBe(1);
    expect(await withStaff(a.userId, (tx) => tx.plan.count())).toBeGreaterThanOrEqual(4);
  });

  it("cannot select message content or conversations", async () => {
    await expect(withStaff(a.userId, (tx) => tx.message.findMany({ select: { content: true } }))).rejects.toThrow(/permission denied/i);
    await expect(withStaff(a.userId, (tx) => tx.$queryRawUnsafe("SELECT content FROM messages"))).rejects.toThrow(/permission denied/i);
    await expect(withStaff(a.userId, (tx) => tx.conversation.findMany())).rejects.toThrow(/permission denied/i);
  });

  it("cannot read password hashes", async () => {
    await expect(withStaff(a.userId, (tx) => tx.$queryRawUnsafe("SELECT password_hash FROM users"))).rejects.toThrow(/permission denied/i);
  });
});
