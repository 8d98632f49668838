import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withAuth, withScope, withTenant, withUser } from "@/lib/db/scope";
import { hashInviteToken, inviteExpiresAt, newInviteToken } from "@/lib/tenancy/invite-token";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { verifyAddress } from "@/tests/helpers/mailbox";

/**
 * Migration 0010: the database itself enforces roles, as the app's own login (bh_app) in
 * each scoped role, so a query the application gets wrong still cannot cross a tenant or
 * raise a role. Each test makes the application-level check irrelevant by issuing the
 * write directly.
 */
let prisma: PrismaClient;
let a: SignUpResult; // owner of tenant A
let b: SignUpResult; // owner of tenant B
let adminId: string; // admin of A
let memberId: string; // member of A
let memberEmail: string;

const password = "correct-horse-9";
const person = async (label: string) => {
  const email = `${unique(label)}@roles.test`;
  return { email, ...(await signUp({ name: label, email, password, workspaceName: `${label} own` })) };
};

const roleIn = async (tenantId: string, userId: string) =>
  (await ownerQuery<{ role: string }>("SELECT role::text FROM memberships WHERE tenant_id = $1 AND user_id = $2", [tenantId, userId]))[0]?.role ?? null;

beforeAll(async () => {
  prisma = useAppDatabase();
  a = await person("alpha");
  b = await person("bravo");
  const admin = await person("adele");
  const member = await person("mo");
  adminId = admin.userId;
  memberId = member.userId;
  memberEmail = member.email;
  await withTenant(a, async (tx) => {
    await tx.membership.create({ data: { tenantId: a.tenantId, userId: adminId, role: "admin" } });
    await tx.membership.create({ data: { tenantId: a.tenantId, userId: memberId, role: "member" } });
  });
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("password hashes", () => {
  it("are not readable by bh_tenant, not even the user's own", async () => {
    await expect(withTenant(a, (tx) => tx.$queryRaw`SELECT password_hash FROM users WHERE id = ${a.userId}::uuid`)).rejects.toThrow(/permission denied/i);
    await expect(withTenant({ tenantId: a.tenantId, userId: memberId }, (tx) => tx.user.findMany({ select: { passwordHash: true } }))).rejects.toThrow(/permission denied/i);
  });

  it("leave co-members' names and emails readable in the tenant", async () => {
    const rows = await withTenant({ tenantId: a.tenantId, userId: memberId }, (tx) => tx.user.findMany({ where: { id: a.userId }, select: { email: true } }));
    expect(rows).toHaveLength(1);
  });

  it("are not readable by bh_auth with SELECT; auth_credentials returns exactly the one user asked for", async () => {
    await expect(withAuth((tx) => tx.$queryRaw`SELECT password_hash FROM users LIMIT 1`)).rejects.toThrow(/permission denied/i);
    const rows = await withAuth((tx) => tx.$queryRaw<{ id: string; password_hash: string }[]>`SELECT id, password_hash FROM auth_credentials(${memberEmail})`);
    expect(rows.map((r) => r.id)).toEqual([memberId]);
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$/);
  });

  it("cannot be fetched by bh_tenant through the sign-in function", async () => {
    await expect(withTenant(a, (tx) => tx.$queryRaw`SELECT * FROM auth_credentials(${memberEmail})`)).rejects.toThrow(/permission denied/i);
  });
});

describe("a scope naming a tenant the user does not belong to", () => {
  const intruder = () => ({ tenantId: a.tenantId, userId: b.userId });

  it("sees none of that tenant's configuration, roster, invites or tenant row", async () => {
    const seen = await withTenant(intruder(), async (tx) => ({
      configs: await tx.tenantConfig.count({ where: { tenantId: a.tenantId } }),
      members: await tx.membership.count({ where: { tenantId: a.tenantId } }),
      tenant: await tx.tenant.count({ where: { id: a.tenantId } }),
      invites: await tx.invite.count({ where: { tenantId: a.tenantId } }),
      users: await tx.user.count({ where: { id: memberId } }),
    }));
    expect(seen).toEqual({ configs: 0, members: 0, tenant: 0, invites: 0, users: 0 });
  });

  it("sees the same tenant's rows when the user is a member (the control for the test above)", async () => {
    const configs = await withTenant(a, (tx) => tx.tenantConfig.count({ where: { tenantId: a.tenantId } }));
    expect(configs).toBeGreaterThan(0);
  });

  it("cannot write into it", async () => {
    await expect(
      withTenant(intruder(), (tx) => tx.auditLog.create({ data: { tenantId: a.tenantId, actorId: b.userId, action: "x" } })),
    ).rejects.toThrow(/row-level security/i);
  });
});

describe("admin-only writes", () => {
  const config = (tenantId: string, version: number, userId: string) => ({
    tenantId, version, createdById: userId, companyName: "X", persona: "p", customInstructions: "", modelTier: "economy" as const, maxTokens: 256,
  });

  it("refuse a member's tenant_configs version, and take an admin's", async () => {
    const latest = (await ownerQuery<{ v: number }>("SELECT max(version) AS v FROM tenant_configs WHERE tenant_id = $1", [a.tenantId]))[0]!.v;
    await expect(
      withTenant({ tenantId: a.tenantId, userId: memberId }, (tx) => tx.tenantConfig.create({ data: config(a.tenantId, latest + 1, memberId), select: { version: true } })),
    ).rejects.toThrow(/row-level security/i);
    const saved = await withTenant({ tenantId: a.tenantId, userId: adminId }, (tx) => tx.tenantConfig.create({ data: config(a.tenantId, latest + 1, adminId), select: { version: true } }));
    expect(saved.version).toBe(latest + 1);
  });

  it("refuse a member raising their own role", async () => {
    await expect(
      withTenant({ tenantId: a.tenantId, userId: memberId }, (tx) => tx.$executeRaw`UPDATE memberships SET role = 'owner' WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${memberId}::uuid`),
    ).rejects.toThrow(/row-level security/i);
    await expect(
      withTenant({ tenantId: a.tenantId, userId: memberId }, (tx) => tx.$executeRaw`UPDATE memberships SET role = 'admin' WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${memberId}::uuid`),
    ).rejects.toThrow(/row-level security/i);
    expect(await roleIn(a.tenantId, memberId)).toBe("member");
  });

  it("refuse an admin making themselves owner or demoting an owner", async () => {
    const asAdmin = { tenantId: a.tenantId, userId: adminId };
    await expect(withTenant(asAdmin, (tx) => tx.$executeRaw`UPDATE memberships SET role = 'owner' WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${adminId}::uuid`)).rejects.toThrow(/row-level security/i);
    await expect(withTenant(asAdmin, (tx) => tx.$executeRaw`UPDATE memberships SET role = 'member' WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${a.userId}::uuid`)).rejects.toThrow(/only an owner/i);
    expect(await roleIn(a.tenantId, adminId)).toBe("admin");
    expect(await roleIn(a.tenantId, a.userId)).toBe("owner");
  });

  it("let an owner grant owner", async () => {
    const extra = await person("olga");
    await withTenant(a, (tx) => tx.membership.create({ data: { tenantId: a.tenantId, userId: extra.userId, role: "member" } }));
    const n = await withTenant(a, (tx) => tx.$executeRaw`UPDATE memberships SET role = 'owner' WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${extra.userId}::uuid`);
    expect(n).toBe(1);
    expect(await roleIn(a.tenantId, extra.userId)).toBe("owner");
  });

  it("refuse a member removing someone else and an admin removing an owner, but let anyone leave", async () => {
    const leaver = await person("lee");
    await withTenant(a, (tx) => tx.membership.create({ data: { tenantId: a.tenantId, userId: leaver.userId, role: "member" } }));
    const byMember = await withTenant({ tenantId: a.tenantId, userId: memberId }, (tx) => tx.$executeRaw`DELETE FROM memberships WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${leaver.userId}::uuid`);
    const byAdmin = await withTenant({ tenantId: a.tenantId, userId: adminId }, (tx) => tx.$executeRaw`DELETE FROM memberships WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${a.userId}::uuid`);
    expect([byMember, byAdmin]).toEqual([0, 0]);
    expect(await roleIn(a.tenantId, a.userId)).toBe("owner");
    const left = await withTenant({ tenantId: a.tenantId, userId: leaver.userId }, (tx) => tx.$executeRaw`DELETE FROM memberships WHERE tenant_id = ${a.tenantId}::uuid AND user_id = ${leaver.userId}::uuid`);
    expect(left).toBe(1);
  });

  it("refuse a member creating, reading or revoking invites", async () => {
    const asMember = { tenantId: a.tenantId, userId: memberId };
    const data = { tenantId: a.tenantId, role: "admin" as const, tokenHash: hashInviteToken(newInviteToken().token), createdById: memberId, expiresAt: inviteExpiresAt() };
    await expect(withTenant(asMember, (tx) => tx.invite.create({ data, select: { id: true } }))).rejects.toThrow(/row-level security/i);
    const byAdmin = await withTenant({ tenantId: a.tenantId, userId: adminId }, (tx) => tx.invite.create({ data: { ...data, createdById: adminId }, select: { id: true } }));
    expect(await withTenant(asMember, (tx) => tx.invite.count({ where: { tenantId: a.tenantId } }))).toBe(0);
    expect(await withTenant(asMember, (tx) => tx.invite.deleteMany({ where: { tenantId: a.tenantId, id: byAdmin.id } }))).toEqual({ count: 0 });
  });
});

describe("bh_auth", () => {
  it("cannot insert an owner (or any) membership into a tenant that has members", async () => {
    await expect(withAuth((tx) => tx.membership.create({ data: { tenantId: b.tenantId, userId: memberId, role: "owner" } }))).rejects.toThrow(/row-level security/i);
    await expect(withAuth((tx) => tx.membership.create({ data: { tenantId: b.tenantId, userId: memberId, role: "member" } }))).rejects.toThrow(/row-level security/i);
    expect(await roleIn(b.tenantId, memberId)).toBeNull();
  });

  it("cannot add a configuration version to an existing tenant", async () => {
    await expect(
      withAuth((tx) => tx.tenantConfig.create({ data: { tenantId: b.tenantId, version: 1000, companyName: "X", persona: "hijacked", customInstructions: "", modelTier: "economy", maxTokens: 256 }, select: { version: true } })),
    ).rejects.toThrow(/row-level security/i);
  });

  it("cannot mark invites accepted or call accept_invite itself", async () => {
    await expect(withAuth((tx) => tx.$executeRaw`UPDATE invites SET accepted_at = now()`)).rejects.toThrow(/permission denied/i);
    await expect(withAuth((tx) => tx.$queryRaw`SELECT * FROM accept_invite('x')`)).rejects.toThrow(/permission denied/i);
  });
});

describe("accept_invite", () => {
  async function invite(email: string | null, role: "admin" | "member" = "admin"): Promise<string> {
    const { token, tokenHash } = newInviteToken();
    await withTenant(b, (tx) => tx.invite.create({ data: { tenantId: b.tenantId, email, role, tokenHash, createdById: b.userId, expiresAt: inviteExpiresAt() }, select: { id: true } }));
    return token;
  }
  const accept = (userId: string, token: string) =>
    withUser(userId, (tx) => tx.$queryRaw<{ status: string; role: string | null }[]>`SELECT status, role::text AS role FROM accept_invite(${hashInviteToken(token)})`).then((r) => r[0]!);

  it("refuses an email-bound invite to a user with another email, and adds nobody", async () => {
    const stranger = await person("stranger");
    const token = await invite("new-hire@roles.test");
    expect((await accept(stranger.userId, token)).status).toBe("wrong_email");
    expect(await roleIn(b.tenantId, stranger.userId)).toBeNull();
  });

  it("refuses it to the user with that email until the address is verified", async () => {
    const hire = await person("unproven");
    const token = await invite(hire.email);
    expect((await accept(hire.userId, token)).status).toBe("unverified");
    expect(await roleIn(b.tenantId, hire.userId)).toBeNull();
  });

  it("accepts it for the verified user with that email, with the invite's role, once", async () => {
    const hire = await person("hire");
    await verifyAddress(hire.email);
    const token = await invite(hire.email);
    expect(await accept(hire.userId, token)).toEqual({ status: "accepted", role: "admin" });
    expect(await roleIn(b.tenantId, hire.userId)).toBe("admin");
    const other = await person("late");
    expect((await accept(other.userId, token)).status).toBe("used");
  });

  it("answers unknown for a token that matches nothing", async () => {
    expect((await accept(memberId, newInviteToken().token)).status).toBe("unknown");
  });
});

describe("a tenant scope without a user (the platform acting for the tenant)", () => {
  it("keeps the tenant's shared rows but has no role and no private content", async () => {
    const system = { kind: "tenant" as const, tenantId: a.tenantId, userId: "" };
    const seen = await withScope(system, async (tx) => ({ configs: await tx.tenantConfig.count(), conversations: await tx.conversation.count() }));
    expect(seen.configs).toBeGreaterThan(0);
    expect(seen.conversations).toBe(0);
    await expect(
      withScope(system, (tx) => tx.invite.create({ data: { tenantId: a.tenantId, role: "member", tokenHash: "x", createdById: a.userId, expiresAt: inviteExpiresAt() }, select: { id: true } })),
    ).rejects.toThrow(/row-level security/i);
  });
});
