import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyCache } from "@/lib/api-keys/cache";
import { hashApiKey } from "@/lib/api-keys/key-format";
import { createApiKey, listApiKeys, revokeApiKey } from "@/lib/api-keys/keys";
import { createApiKeyForWorkspace } from "@/lib/api-keys/operator";
import { resolveApiKey } from "@/lib/api-keys/resolve";
import { isRevoked } from "@/lib/api-keys/revocation";
import { AppError, toAppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { Role } from "@/lib/db/generated/enums";
import { withTenant } from "@/lib/db/scope";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
type Account = { tenantId: string; userId: string };
const password = "correct-horse-9";
let owner: Account;
let admin: Account;
let member: Account;
let other: Account;

async function account(name: string): Promise<Account> {
  const { tenantId, userId } = await signUp({ name, email: `${unique(name.toLowerCase())}@example.test`, password, workspaceName: `${name} Co` });
  return { tenantId, userId };
}

async function join(tenantOwner: Account, who: Account, role: Role): Promise<Account> {
  await withTenant(tenantOwner, (tx) => tx.membership.create({ data: { tenantId: tenantOwner.tenantId, userId: who.userId, role } }));
  return { tenantId: tenantOwner.tenantId, userId: who.userId };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected a failure").not.toBeNull();
  return toAppError(error);
}

/** The raw database error (not mapped to an AppError) of an RLS or privilege refusal. */
async function dbRefusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected the database to refuse").toBeInstanceOf(Error);
  return String((error as Error).message);
}

const keyRow = async (id: string) =>
  (await ownerQuery<Record<string, unknown>>("SELECT * FROM api_keys WHERE id = $1", [id]))[0];

beforeAll(async () => {
  prisma = useAppDatabase();
  owner = await account("Olivia");
  admin = await join(owner, await account("Adam"), "admin");
  member = await join(owner, await account("Mia"), "member");
  other = await account("Oscar");
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("creating a key", () => {
  it("returns the full key once and stores only its SHA-256", async () => {
    const created = await createApiKey(admin, { name: "CI", scopes: ["usage:read", "messages"] });
    expect(created.key).toMatch(/^bh_live_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.scopes).toEqual(["messages", "usage:read"]);
    expect(created.status).toBe("active");
    expect(created.createdBy).toEqual({ id: admin.userId, name: "Adam" });

    const row = await keyRow(created.id);
    expect(row?.key_hash).toBe(hashApiKey(created.key));
    const secret = created.key.slice("bh_live_".length);
    const everything = await ownerQuery<{ dump: string }>(
      `SELECT (SELECT coalesce(string_agg(row_to_json(k)::text, ''), '') FROM api_keys k)
           || (SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM audit_logs a) AS dump`,
    );
    expect(everything[0]!.dump).toContain(created.prefix);
    expect(everything[0]!.dump).not.toContain(secret);
    expect(everything[0]!.dump).not.toContain(secret.slice(10, 30));
  });

  it("refuses unknown scopes, no scopes and a blank name", async () => {
    expect((await failure(createApiKey(owner, { name: "x", scopes: ["admin"] }))).status).toBe(422);
    expect((await failure(createApiKey(owner, { name: "x", scopes: [] }))).status).toBe(422);
    expect((await failure(createApiKey(owner, { name: "  ", scopes: ["messages"] }))).status).toBe(422);
  });

  it("the database refuses a scope outside the three even when the app is bypassed", async () => {
    const message = await dbRefusal(
      ownerQuery("INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes, created_by_id) VALUES ($1, 'x', 'bh_live_abcdef', $2, '{everything}', $3)", [
        owner.tenantId, "0".repeat(64), owner.userId,
      ]),
    );
    expect(message).toMatch(/check constraint/);
  });
});

describe("who may see and manage keys", () => {
  it("a member can neither list nor create keys through lib/", async () => {
    expect((await failure(listApiKeys(member))).code).toBe("forbidden");
    expect((await failure(createApiKey(member, { name: "mine", scopes: ["messages"] }))).code).toBe("forbidden");
  });

  it("row-level security hides keys from a member and refuses a member's insert (app login)", async () => {
    await createApiKey(owner, { name: "visible to admins", scopes: ["messages"] });
    const asAdmin = await withTenant(admin, (tx) => tx.apiKey.findMany({ where: { tenantId: owner.tenantId }, select: { id: true } }));
    expect(asAdmin.length).toBeGreaterThan(0);
    const asMember = await withTenant(member, (tx) => tx.apiKey.findMany({ where: { tenantId: owner.tenantId }, select: { id: true } }));
    expect(asMember).toEqual([]);
    const message = await dbRefusal(
      withTenant(member, (tx) =>
        tx.$executeRaw`INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes, created_by_id)
                       VALUES (${owner.tenantId}::uuid, 'sneaky', 'bh_live_abcdef', ${"1".repeat(64)}, '{messages}', ${member.userId}::uuid)`,
      ),
    );
    expect(message).toMatch(/row-level security/);
  });

  it("no app role can read the hash, not even an owner", async () => {
    const message = await dbRefusal(withTenant(owner, (tx) => tx.apiKey.findMany({ where: { tenantId: owner.tenantId }, select: { keyHash: true } })));
    expect(message).toMatch(/permission denied/);
  });

  it("another tenant sees none of them, by scope or by naming the tenant", async () => {
    const key = await createApiKey(owner, { name: "private", scopes: ["messages"] });
    const own = await withTenant(other, (tx) => tx.apiKey.findMany({ select: { id: true } }));
    expect(own.map((k) => k.id)).not.toContain(key.id);
    // Naming tenant A in the scope without a membership there: app_tenant_id() is NULL.
    const named = await withTenant({ tenantId: owner.tenantId, userId: other.userId }, (tx) => tx.apiKey.findMany({ select: { id: true } }));
    expect(named).toEqual([]);
    expect((await failure(listApiKeys({ tenantId: owner.tenantId, userId: other.userId }))).code).toBe("not_found");
    expect((await failure(revokeApiKey(other, key.id))).code).toBe("not_found");
    expect((await keyRow(key.id))?.revoked_at).toBeNull();
  });

  it("lists the tenant's keys with creator and status, newest first", async () => {
    const first = await createApiKey(owner, { name: "older", scopes: ["messages"] });
    const second = await createApiKey(admin, { name: "newer", scopes: ["usage:read"], expiresInDays: 30 });
    const list = await listApiKeys(owner);
    const ids = list.map((k) => k.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    const listed = list.find((k) => k.id === second.id)!;
    expect(listed).toMatchObject({ name: "newer", prefix: second.prefix, scopes: ["usage:read"], status: "active", createdBy: { name: "Adam" } });
    expect(listed.expiresAt!.getTime() - listed.createdAt.getTime()).toBe(30 * 86_400_000);
    expect(listed).not.toHaveProperty("key");
    expect(listed).not.toHaveProperty("keyHash");
  });
});

describe("resolving a presented key", () => {
  it("resolves to tenant, key, scopes and plan, and records the use", async () => {
    const created = await createApiKey(owner, { name: "gateway", scopes: ["messages"] });
    expect((await keyRow(created.id))?.last_used_at).toBeNull();
    const resolved = await resolveApiKey(created.key);
    const [tenant] = await ownerQuery<{ plan_id: string }>("SELECT plan_id FROM tenants WHERE id = $1", [owner.tenantId]);
    expect(resolved).toEqual({ tenantId: owner.tenantId, keyId: created.id, scopes: ["messages"], planId: tenant!.plan_id, expiresAt: null, createdById: owner.userId });
    expect((await keyRow(created.id))?.last_used_at).toBeInstanceOf(Date);
  });

  it("unknown and malformed keys resolve to nothing", async () => {
    const created = await createApiKey(owner, { name: "real", scopes: ["messages"] });
    const flipped = created.key.slice(0, -1) + (created.key.endsWith("A") ? "B" : "A");
    expect(await resolveApiKey(flipped)).toBeNull();
    expect(await resolveApiKey(created.key.slice(0, -1))).toBeNull();
    expect(await resolveApiKey(`  ${created.key}`)).toBeNull();
    expect(await resolveApiKey("")).toBeNull();
  });

  it("a revoked key does not resolve, on the database or through a warm cache", async () => {
    const created = await createApiKey(owner, { name: "to revoke", scopes: ["messages"] });
    const cache = new ApiKeyCache();
    expect((await cache.get(created.key))?.keyId).toBe(created.id);
    expect(await isRevoked(created.id)).toBe(false);

    const revoked = await revokeApiKey(admin, created.id);
    expect(revoked.status).toBe("revoked");
    expect(await isRevoked(created.id)).toBe(true);
    expect(await resolveApiKey(created.key)).toBeNull();
    expect(await cache.get(created.key)).toBeNull();
    expect((await listApiKeys(owner)).find((k) => k.id === created.id)?.status).toBe("revoked");
    // A second revoke changes nothing and writes no second audit entry.
    await revokeApiKey(owner, created.id);
    const entries = await ownerQuery("SELECT 1 FROM audit_logs WHERE tenant_id = $1 AND action = 'api_key.revoked' AND target = $2", [owner.tenantId, `api_key:${created.id}`]);
    expect(entries).toHaveLength(1);
  });

  it("a revocation is final: an owner cannot clear it", async () => {
    const created = await createApiKey(owner, { name: "final", scopes: ["messages"] });
    await revokeApiKey(owner, created.id);
    const message = await dbRefusal(
      withTenant(owner, (tx) => tx.apiKey.updateMany({ where: { tenantId: owner.tenantId, id: created.id }, data: { revokedAt: null, revokedById: null } })),
    );
    expect(message).toMatch(/final|row-level security/);
    expect(await resolveApiKey(created.key)).toBeNull();
  });

  it("a member cannot revoke a key", async () => {
    const created = await createApiKey(owner, { name: "kept", scopes: ["messages"] });
    expect((await failure(revokeApiKey(member, created.id))).code).toBe("forbidden");
    const { count } = await withTenant(member, (tx) =>
      tx.apiKey.updateMany({ where: { tenantId: owner.tenantId, id: created.id }, data: { revokedAt: new Date(), revokedById: member.userId } }),
    );
    expect(count).toBe(0);
    expect(await resolveApiKey(created.key)).not.toBeNull();
  });

  it("an expired key does not resolve", async () => {
    const created = await createApiKey(owner, { name: "short-lived", scopes: ["messages"], expiresInDays: 1 });
    expect(await resolveApiKey(created.key)).not.toBeNull();
    await ownerQuery("UPDATE api_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = $1", [created.id]);
    expect(await resolveApiKey(created.key)).toBeNull();
    expect((await listApiKeys(owner)).find((k) => k.id === created.id)?.status).toBe("expired");
  });
});

describe("the audit log", () => {
  it("records creation and revocation with actor, prefix and source, never the key", async () => {
    const created = await createApiKey(admin, { name: "audited", scopes: ["messages", "knowledge:write"], expiresInDays: 7 });
    await revokeApiKey(owner, created.id);
    const rows = await ownerQuery<{ action: string; actor_id: string; details: Record<string, unknown> }>(
      "SELECT action, actor_id, details FROM audit_logs WHERE tenant_id = $1 AND target = $2 ORDER BY id",
      [owner.tenantId, `api_key:${created.id}`],
    );
    expect(rows.map((r) => [r.action, r.actor_id])).toEqual([
      ["api_key.created", admin.userId],
      ["api_key.revoked", owner.userId],
    ]);
    expect(rows[0]!.details).toMatchObject({ name: "audited", prefix: created.prefix, scopes: ["messages", "knowledge:write"], source: "console" });
    expect(rows[0]!.details.expiresAt).toBe(created.expiresAt!.toISOString());
    expect(rows[1]!.details).toEqual({ name: "audited", prefix: created.prefix });
    expect(JSON.stringify(rows)).not.toContain(created.key);
  });
});

describe("npm run api-key (createApiKeyForWorkspace)", () => {
  it("creates a key in the workspace owner's name, audited as from the command line", async () => {
    const [tenant] = await ownerQuery<{ slug: string }>("SELECT slug FROM tenants WHERE id = $1", [owner.tenantId]);
    const created = await createApiKeyForWorkspace(tenant!.slug, { name: "ops", scopes: ["messages", "usage:read"] });
    expect(created.workspace.slug).toBe(tenant!.slug);
    expect(created.createdBy?.id).toBe(owner.userId);
    expect((await resolveApiKey(created.key))?.tenantId).toBe(owner.tenantId);
    const [entry] = await ownerQuery<{ actor_id: string; details: Record<string, unknown> }>(
      "SELECT actor_id, details FROM audit_logs WHERE tenant_id = $1 AND target = $2",
      [owner.tenantId, `api_key:${created.id}`],
    );
    expect(entry).toMatchObject({ actor_id: owner.userId, details: { source: "cli" } });
  });

  it("refuses an unknown workspace and an unknown scope", async () => {
    expect((await failure(createApiKeyForWorkspace("no-such-workspace-here", { name: "x", scopes: ["messages"] }))).code).toBe("not_found");
    const [tenant] = await ownerQuery<{ slug: string }>("SELECT slug FROM tenants WHERE id = $1", [owner.tenantId]);
    expect((await failure(createApiKeyForWorkspace(tenant!.slug, { name: "x", scopes: ["root"] }))).status).toBe(422);
  });
});
