import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, toAppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { hashInviteToken } from "@/lib/tenancy/invite-token";
import { acceptInvite, createInvite, INVITE_MESSAGES, listPendingInvites, lookupInvite, revokeInvite } from "@/lib/tenancy/invites";
import { findWorkspaceForUser } from "@/lib/tenancy/workspace";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { verifyAddress } from "@/tests/helpers/mailbox";

let prisma: PrismaClient;
type Account = { tenantId: string; userId: string; slug: string; email: string };
let ownerA: Account; // owner of tenant A
let ownerB: Account; // owner of tenant B
let memberA: Account; // plain member of A (has their own workspace too)
const password = "correct-horse-9";

async function account(name: string): Promise<Account> {
  const email = `${unique(name.toLowerCase())}@example.test`;
  const result = await signUp({ name, email, password, workspaceName: `${name} Co` });
  return { ...result, email };
}

const as = (who: Account, tenantId = who.tenantId) => ({ tenantId, userId: who.userId });

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).not.toBeNull();
  // Validation failures are thrown as ZodError; the one mapper turns them into the envelope.
  const appError = toAppError(error);
  expect(appError).toBeInstanceOf(AppError);
  expect(appError.status).not.toBe(500);
  return appError;
}

async function inviteRows(tenantId: string) {
  return ownerQuery<{ id: string; token_hash: string; role: string; email: string | null; accepted_at: Date | null; accepted_by_id: string | null; expires_at: Date }>(
    "SELECT id, token_hash, role, email, accepted_at, accepted_by_id, expires_at FROM invites WHERE tenant_id = $1 ORDER BY created_at",
    [tenantId],
  );
}

async function membershipRole(tenantId: string, userId: string): Promise<string | null> {
  const [row] = await ownerQuery<{ role: string }>("SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2", [tenantId, userId]);
  return row?.role ?? null;
}

beforeAll(async () => {
  prisma = useAppDatabase();
  [ownerA, ownerB, memberA] = await Promise.all([account("Ada"), account("Bea"), account("Max")]);
  await withTenant(as(ownerA), (tx) => tx.membership.create({ data: { tenantId: ownerA.tenantId, userId: memberA.userId, role: "member" } }));
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("creating invites", () => {
  it("lets an owner create one; only the hash is stored, with a 7-day expiry and an audit entry", async () => {
    const before = Date.now();
    const invite = await createInvite(as(ownerA), { role: "admin", email: "" });
    const rows = await inviteRows(ownerA.tenantId);
    const row = rows.find((r) => r.id === invite.id);
    expect(row).toBeDefined();
    expect(row!.token_hash).toBe(hashInviteToken(invite.token));
    expect(rows.some((r) => r.token_hash.includes(invite.token))).toBe(false);
    expect(row!.role).toBe("admin");
    expect(row!.email).toBeNull();
    const ttl = new Date(row!.expires_at).getTime() - before;
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);

    const audit = await ownerQuery<{ action: string; actor_id: string; target: string }>(
      "SELECT action, actor_id, target FROM audit_logs WHERE tenant_id = $1 AND target = $2",
      [ownerA.tenantId, `invite:${invite.id}`],
    );
    expect(audit).toEqual([{ action: "invite.created", actor_id: ownerA.userId, target: `invite:${invite.id}` }]);
  });

  it("refuses a plain member and writes nothing", async () => {
    const before = (await inviteRows(ownerA.tenantId)).length;
    const error = await failure(createInvite(as(memberA, ownerA.tenantId), { role: "member" }));
    expect(error.status).toBe(403);
    expect((await inviteRows(ownerA.tenantId)).length).toBe(before);
  });

  it("refuses someone who is not a member of the tenant at all, as not found", async () => {
    const before = (await inviteRows(ownerA.tenantId)).length;
    const error = await failure(createInvite(as(ownerB, ownerA.tenantId), { role: "admin" }));
    expect(error.status).toBe(404);
    expect((await inviteRows(ownerA.tenantId)).length).toBe(before);
  });

  it("refuses the owner role and malformed emails", async () => {
    const before = (await inviteRows(ownerA.tenantId)).length;
    const owner = await failure(createInvite(as(ownerA), { role: "owner" }));
    expect(owner.status).toBe(422);
    expect(owner.fields?.role).toBeDefined();
    expect((await failure(createInvite(as(ownerA), { role: "member", email: "nope" }))).fields?.email).toBeDefined();
    expect((await inviteRows(ownerA.tenantId)).length).toBe(before);
  });
});

describe("accepting invites", () => {
  it("gives another user a membership with the invite's role and marks the invite used", async () => {
    const guest = await account("Gus");
    const invite = await createInvite(as(ownerA), { role: "admin" });
    expect(await findWorkspaceForUser(guest.userId, ownerA.slug)).toBeNull();

    const accepted = await acceptInvite(invite.token, guest.userId);
    expect(accepted).toEqual({ tenantId: ownerA.tenantId, slug: ownerA.slug, role: "admin", alreadyMember: false });
    expect(await membershipRole(ownerA.tenantId, guest.userId)).toBe("admin");
    expect((await findWorkspaceForUser(guest.userId, ownerA.slug))?.role).toBe("admin");
    const row = (await inviteRows(ownerA.tenantId)).find((r) => r.id === invite.id)!;
    expect(row.accepted_at).not.toBeNull();
    expect(row.accepted_by_id).toBe(guest.userId);
    const audit = await ownerQuery<{ actor_id: string }>("SELECT actor_id FROM audit_logs WHERE tenant_id = $1 AND action = 'invite.accepted' AND target = $2", [
      ownerA.tenantId,
      `invite:${invite.id}`,
    ]);
    expect(audit.map((a) => a.actor_id)).toEqual([guest.userId]);
  });

  it("gives the member role when the invite says member", async () => {
    const guest = await account("Mo");
    const invite = await createInvite(as(ownerA), { role: "member" });
    await acceptInvite(invite.token, guest.userId);
    expect(await membershipRole(ownerA.tenantId, guest.userId)).toBe("member");
  });

  it("refuses a token that was already used, and the second user gets nothing", async () => {
    const [first, second] = await Promise.all([account("Uno"), account("Dos")]);
    const invite = await createInvite(as(ownerA), { role: "member" });
    await acceptInvite(invite.token, first.userId);
    const error = await failure(acceptInvite(invite.token, second.userId));
    expect(error.status).toBe(409);
    expect(error.message).toBe(INVITE_MESSAGES.used);
    expect(await membershipRole(ownerA.tenantId, second.userId)).toBeNull();
    expect((await lookupInvite(invite.token))?.status).toBe("accepted");
  });

  it("lets exactly one of two simultaneous acceptances win", async () => {
    const [one, two] = await Promise.all([account("Ray"), account("Sal")]);
    const invite = await createInvite(as(ownerA), { role: "member" });
    const results = await Promise.allSettled([acceptInvite(invite.token, one.userId), acceptInvite(invite.token, two.userId)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const roles = await Promise.all([membershipRole(ownerA.tenantId, one.userId), membershipRole(ownerA.tenantId, two.userId)]);
    expect(roles.filter((r) => r !== null)).toEqual(["member"]);
  });

  it("refuses an expired token", async () => {
    const guest = await account("Old");
    const invite = await createInvite(as(ownerA), { role: "member" });
    await ownerQuery("UPDATE invites SET expires_at = now() - interval '1 minute' WHERE id = $1", [invite.id]);
    expect((await lookupInvite(invite.token))?.status).toBe("expired");
    const error = await failure(acceptInvite(invite.token, guest.userId));
    expect(error.message).toBe(INVITE_MESSAGES.expired);
    expect(await membershipRole(ownerA.tenantId, guest.userId)).toBeNull();
    expect((await inviteRows(ownerA.tenantId)).find((r) => r.id === invite.id)?.accepted_at).toBeNull();
  });

  it("refuses unknown and malformed tokens as not found", async () => {
    const guest = await account("Nil");
    const { token } = await createInvite(as(ownerA), { role: "member" });
    const altered = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect((await failure(acceptInvite(altered, guest.userId))).status).toBe(404);
    expect((await failure(acceptInvite("short", guest.userId))).status).toBe(404);
    expect(await lookupInvite(altered)).toBeNull();
    expect(await membershipRole(ownerA.tenantId, guest.userId)).toBeNull();
  });

  it("holds an email-bound invite for that address only", async () => {
    const [intended, other] = await Promise.all([account("Ivy"), account("Oz")]);
    const invite = await createInvite(as(ownerA), { role: "member", email: intended.email.toUpperCase() });
    const error = await failure(acceptInvite(invite.token, other.userId));
    expect(error.status).toBe(403);
    expect(await membershipRole(ownerA.tenantId, other.userId)).toBeNull();
    // An email-bound invite needs the address proven (tests/integration/email.test.ts covers the refusal).
    await verifyAddress(intended.email);
    await acceptInvite(invite.token, intended.userId);
    expect(await membershipRole(ownerA.tenantId, intended.userId)).toBe("member");
  });

  it("does not spend the invite or change the role of someone already a member", async () => {
    const invite = await createInvite(as(ownerA), { role: "admin" });
    const result = await acceptInvite(invite.token, memberA.userId);
    expect(result.alreadyMember).toBe(true);
    expect(await membershipRole(ownerA.tenantId, memberA.userId)).toBe("member");
    expect((await lookupInvite(invite.token))?.status).toBe("pending");
  });
});

describe("tenant isolation of invites", () => {
  it("keeps tenant A's invites invisible and untouchable from tenant B", async () => {
    const invite = await createInvite(as(ownerA), { role: "member", email: `${unique("x")}@example.test` });
    const ownList = await listPendingInvites(as(ownerA));
    expect(ownList.map((i) => i.id)).toContain(invite.id);

    const bList = await listPendingInvites(as(ownerB));
    expect(bList.map((i) => i.id)).not.toContain(invite.id);
    const direct = await withTenant(as(ownerB), (tx) => tx.invite.findMany({ where: { id: invite.id } }));
    expect(direct).toHaveLength(0);
    const rawCount = await withTenant(as(ownerB), (tx) => tx.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM invites WHERE tenant_id <> $1::uuid", ownerB.tenantId));
    expect(Number(rawCount[0]?.n)).toBe(0);

    expect((await failure(revokeInvite(as(ownerB), invite.id))).status).toBe(404);
    const updated = await withTenant(as(ownerB), (tx) => tx.invite.updateMany({ where: { id: invite.id }, data: { role: "admin" } }));
    expect(updated.count).toBe(0);
    expect((await inviteRows(ownerA.tenantId)).find((r) => r.id === invite.id)?.role).toBe("member");
  });

  it("refuses to plant an invite into another tenant", async () => {
    await expect(
      withTenant(as(ownerB), (tx) =>
        tx.invite.create({ data: { tenantId: ownerA.tenantId, role: "admin", tokenHash: hashInviteToken(unique("t")), createdById: ownerB.userId, expiresAt: new Date(Date.now() + 60_000) } }),
      ),
    ).rejects.toThrow(/row-level security/i);
  });

  it("lets an admin revoke their own tenant's invite, after which it no longer works", async () => {
    const guest = await account("Rev");
    const invite = await createInvite(as(ownerA), { role: "member" });
    await revokeInvite(as(ownerA), invite.id);
    expect((await listPendingInvites(as(ownerA))).map((i) => i.id)).not.toContain(invite.id);
    expect((await failure(acceptInvite(invite.token, guest.userId))).status).toBe(404);
  });
});
