import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAuditLog } from "@/lib/admin/audit";
import { getConfigVersion, getCurrentConfig, listConfigVersions, rollbackConfig, SAVED_FIRST_MESSAGE, saveConfig, type TenantConfigFields } from "@/lib/admin/config";
import { changeRole, MEMBER_MESSAGES, removeMember } from "@/lib/admin/members";
import { AppError, toAppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import { buildSystemPrompt } from "@/lib/context/system-prompt";
import { tenantCanary } from "@/lib/security/canary";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { Role } from "@/lib/db/generated/enums";
import { withTenant } from "@/lib/db/scope";
import { modelForTier } from "@/lib/llm/models";
import { createInvite, revokeInvite } from "@/lib/tenancy/invites";
import { getPlan } from "@/lib/tenancy/plans";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { composeFor } from "@/tests/helpers/chat";

let prisma: PrismaClient;
type Account = { tenantId: string; userId: string; slug: string; email: string };
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
  expect(error, "expected a failure").not.toBeNull();
  const appError = toAppError(error);
  expect(appError.status).not.toBe(500);
  return appError;
}

async function addMember(tenantOwner: Account, who: Account, role: Role): Promise<void> {
  await withTenant(as(tenantOwner), (tx) => tx.membership.create({ data: { tenantId: tenantOwner.tenantId, userId: who.userId, role } }));
}

async function versions(tenantId: string): Promise<number[]> {
  const rows = await ownerQuery<{ version: number }>("SELECT version FROM tenant_configs WHERE tenant_id = $1 ORDER BY version", [tenantId]);
  return rows.map((r) => r.version);
}

async function roles(tenantId: string): Promise<Record<string, string>> {
  const rows = await ownerQuery<{ user_id: string; role: string }>("SELECT user_id, role FROM memberships WHERE tenant_id = $1", [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.user_id, r.role]));
}

async function auditRows(tenantId: string, action: string) {
  return ownerQuery<{ actor_id: string; target: string; details: Record<string, unknown> }>(
    "SELECT actor_id, target, details FROM audit_logs WHERE tenant_id = $1 AND action = $2 ORDER BY id",
    [tenantId, action],
  );
}

async function fieldsOf(tenantId: string, version: number): Promise<TenantConfigFields> {
  const [row] = await ownerQuery<{
    company_name: string;
    persona: string;
    allowed_topics: string[];
    restricted_topics: string[];
    custom_instructions: string;
    model_tier: TenantConfigFields["modelTier"];
    max_tokens: number;
    screening_policy: TenantConfigFields["screeningPolicy"];
    routing_mode: TenantConfigFields["routingMode"];
  }>("SELECT * FROM tenant_configs WHERE tenant_id = $1 AND version = $2", [tenantId, version]);
  expect(row, `version ${version}`).toBeDefined();
  return {
    companyName: row!.company_name,
    persona: row!.persona,
    allowedTopics: row!.allowed_topics,
    restrictedTopics: row!.restricted_topics,
    customInstructions: row!.custom_instructions,
    modelTier: row!.model_tier,
    maxTokens: row!.max_tokens,
    screeningPolicy: row!.screening_policy,
    routingMode: row!.routing_mode,
  };
}

const configInput = (overrides: Partial<TenantConfigFields> = {}): TenantConfigFields => ({
  companyName: "Acme Robotics",
  persona: "Robo, a practical support engineer.",
  allowedTopics: ["warranty", "firmware updates"],
  restrictedTopics: ["legal advice"],
  customInstructions: "Ask for the serial number first.",
  modelTier: "standard",
  maxTokens: 512,
  screeningPolicy: "flag",
  routingMode: "fixed",
  ...overrides,
});

beforeAll(() => {
  prisma = useAppDatabase();
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("saving the assistant configuration", () => {
  it("writes version N+1 with the author and one audit entry naming the changed fields", async () => {
    const owner = await account("Sav");
    expect(await versions(owner.tenantId)).toEqual([1]);
    const result = await saveConfig(as(owner), { ...configInput(), baseVersion: 1 });
    expect(result.status).toBe("saved");
    expect(result.config.version).toBe(2);
    expect(result.config.author).toEqual({ id: owner.userId, name: "Sav" });
    expect(await versions(owner.tenantId)).toEqual([1, 2]);
    expect(await fieldsOf(owner.tenantId, 2)).toEqual(configInput());
    expect(await fieldsOf(owner.tenantId, 1)).not.toEqual(configInput()); // version 1 untouched

    const audit = await auditRows(owner.tenantId, "config.updated");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(owner.userId);
    expect(audit[0]!.target).toBe("version 2");
    expect(audit[0]!.details).toMatchObject({ version: 2, maxTokens: { from: 1024, to: 512 } });
    expect(audit[0]!.details.changed).toEqual(expect.arrayContaining(["companyName", "persona", "allowedTopics", "restrictedTopics", "customInstructions", "maxTokens"]));
    expect(audit[0]!.details.changed).not.toContain("modelTier");

    const current = await getCurrentConfig(as(owner));
    expect(current).toMatchObject({ version: 2, ...configInput() });
    const list = await listConfigVersions(as(owner));
    expect(list.map((v) => [v.version, v.author?.name])).toEqual([
      [2, "Sav"],
      [1, "Sav"],
    ]);
  });

  it("writes nothing when nothing changed (after trimming)", async () => {
    const owner = await account("Same");
    await saveConfig(as(owner), configInput());
    const again = await saveConfig(as(owner), { ...configInput({ persona: "  Robo, a practical support engineer.\n" }), baseVersion: 2 });
    expect(again.status).toBe("unchanged");
    expect(again.config.version).toBe(2);
    expect(await versions(owner.tenantId)).toEqual([1, 2]);
    expect(await auditRows(owner.tenantId, "config.updated")).toHaveLength(1);
  });

  it("refuses a tier the plan does not include (free: economy and standard only), until the plan allows it", async () => {
    const owner = await account("Tier");
    const [plan] = await ownerQuery<{ plan_id: string; allowed_tiers: string }>(
      "SELECT t.plan_id, p.allowed_tiers::text FROM tenants t JOIN plans p ON p.id = t.plan_id WHERE t.id = $1",
      [owner.tenantId],
    );
    expect(plan).toEqual({ plan_id: "free", allowed_tiers: "{economy,standard}" });

    const error = await failure(saveConfig(as(owner), configInput({ modelTier: "premium" })));
    expect(error.status).toBe(422);
    expect(error.fields?.modelTier).toEqual(["Premium isn’t included in your plan."]);
    expect(await versions(owner.tenantId)).toEqual([1]);
    expect((await saveConfig(as(owner), configInput({ modelTier: "economy" }))).status).toBe("saved");

    await ownerQuery("UPDATE tenants SET plan_id = 'professional' WHERE id = $1", [owner.tenantId]);
    const premium = await saveConfig(as(owner), configInput({ modelTier: "premium" }));
    expect(premium.config).toMatchObject({ version: 3, modelTier: "premium" });
  });

  it("refuses maxTokens above the plan's cap or below 64", async () => {
    const owner = await account("Cap");
    const above = await failure(saveConfig(as(owner), configInput({ maxTokens: 1025 })));
    expect(above.status).toBe(422);
    expect(above.fields?.maxTokens).toEqual(["At most 1,024 on your plan."]);
    expect((await failure(saveConfig(as(owner), configInput({ maxTokens: 63 })))).fields?.maxTokens).toBeDefined();
    expect(await versions(owner.tenantId)).toEqual([1]);
    expect((await saveConfig(as(owner), configInput({ maxTokens: 1024 }))).config.maxTokens).toBe(1024);
  });

  it("refuses a topic that is both allowed and restricted", async () => {
    const owner = await account("Both");
    const error = await failure(saveConfig(as(owner), configInput({ allowedTopics: ["Billing"], restrictedTopics: ["billing"] })));
    expect(error.status).toBe(422);
    expect(error.fields?.["restrictedTopics.0"]).toBeDefined();
    expect(await versions(owner.tenantId)).toEqual([1]);
  });

  it("refuses a save based on an old version with a 409, and of two racing saves exactly one wins", async () => {
    const owner = await account("Race");
    await saveConfig(as(owner), configInput());
    const stale = await failure(saveConfig(as(owner), { ...configInput({ persona: "Stale edit." }), baseVersion: 1 }));
    expect(stale.status).toBe(409);
    expect(stale.message).toBe(SAVED_FIRST_MESSAGE);

    const results = await Promise.allSettled([
      saveConfig(as(owner), { ...configInput({ persona: "Edit one." }), baseVersion: 2 }),
      saveConfig(as(owner), { ...configInput({ persona: "Edit two." }), baseVersion: 2 }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(toAppError(loser.reason).status).toBe(409);
    expect(await versions(owner.tenantId)).toEqual([1, 2, 3]);
  });

  it("never fails with a 500 when saves without a base version race: each either lands as its own version or gets a 409", async () => {
    const owner = await account("Herd");
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => saveConfig(as(owner), configInput({ persona: `Racer ${i}.` }))));
    const saved = results.filter((r) => r.status === "fulfilled").length;
    for (const r of results) if (r.status === "rejected") expect(toAppError(r.reason).status).toBe(409);
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(await versions(owner.tenantId)).toEqual(Array.from({ length: saved + 1 }, (_, i) => i + 1));
  });

  it("refuses members (403) and outsiders (404), writing nothing", async () => {
    const owner = await account("Gate");
    const member = await account("Mem");
    await addMember(owner, member, "member");
    const asMember = await failure(saveConfig(as(member, owner.tenantId), configInput()));
    expect(asMember.status).toBe(403);
    const outsider = await account("Out");
    expect((await failure(saveConfig(as(outsider, owner.tenantId), configInput()))).status).toBe(404);
    expect((await failure(rollbackConfig(as(member, owner.tenantId), 1))).status).toBe(403);
    expect((await failure(getCurrentConfig(as(member, owner.tenantId)))).status).toBe(403);
    expect(await versions(owner.tenantId)).toEqual([1]);
  });

  it("lets an admin save", async () => {
    const owner = await account("Boss");
    const admin = await account("Adm");
    await addMember(owner, admin, "admin");
    const result = await saveConfig(as(admin, owner.tenantId), configInput());
    expect(result.config.author).toEqual({ id: admin.userId, name: "Adm" });
  });
});

describe("rolling back", () => {
  it("creates a new version equal to the old one and keeps history", async () => {
    const owner = await account("Roll");
    await saveConfig(as(owner), configInput({ persona: "Version two." }));
    await saveConfig(as(owner), configInput({ persona: "Version three.", allowedTopics: ["other"] }));
    const v2 = await fieldsOf(owner.tenantId, 2);
    const v3 = await fieldsOf(owner.tenantId, 3);

    const result = await rollbackConfig(as(owner), 2);
    expect(result.status).toBe("saved");
    expect(result.config.version).toBe(4);
    expect(await versions(owner.tenantId)).toEqual([1, 2, 3, 4]);
    expect(await fieldsOf(owner.tenantId, 4)).toEqual(v2);
    expect(await fieldsOf(owner.tenantId, 3)).toEqual(v3);
    expect(await getConfigVersion(as(owner), 4)).toMatchObject(v2);

    const audit = await auditRows(owner.tenantId, "config.rolled_back");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.target).toBe("version 4");
    expect(audit[0]!.details).toMatchObject({ version: 4, restoredVersion: 2 });
    expect(audit[0]!.details.changed).toEqual(["persona", "allowedTopics"]);

    // Rolling back to what is already current writes nothing.
    expect((await rollbackConfig(as(owner), 2)).status).toBe("unchanged");
    expect(await versions(owner.tenantId)).toEqual([1, 2, 3, 4]);
  });

  it("refuses an unknown version and a version the current plan no longer allows", async () => {
    const owner = await account("Down");
    expect((await failure(rollbackConfig(as(owner), 99))).status).toBe(404);
    await ownerQuery("UPDATE tenants SET plan_id = 'professional' WHERE id = $1", [owner.tenantId]);
    await saveConfig(as(owner), configInput({ modelTier: "premium", maxTokens: 4096 }));
    await saveConfig(as(owner), configInput({ modelTier: "standard" }));
    await ownerQuery("UPDATE tenants SET plan_id = 'free' WHERE id = $1", [owner.tenantId]);
    const error = await failure(rollbackConfig(as(owner), 2));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/^Version 2 can’t be restored on the Free plan/);
    expect(await versions(owner.tenantId)).toEqual([1, 2, 3]);
  });
});

describe("the next chat request uses the saved config", () => {
  it("builds the system prompt, model and max tokens from the newest version", async () => {
    const owner = await account("Next");
    await ownerQuery("UPDATE tenants SET plan_id = 'professional' WHERE id = $1", [owner.tenantId]);
    const saved = await saveConfig(as(owner), configInput({ persona: "Captain Nemo, terse and nautical.", modelTier: "premium", maxTokens: 777 }));
    const plan = await getPlan("professional");
    const turn = await composeFor(as(owner), { message: "Hello there" }, plan);
    // The chat path adds the tenant's canary (lib/security/canary.ts); the console's preview does not.
    expect(turn.system).toEqual(buildSystemPrompt(await getCurrentConfig(as(owner)), { canary: tenantCanary(owner.tenantId) }));
    expect(turn.system[1]!.text).toContain("Captain Nemo, terse and nautical.");
    expect(turn.model).toBe(modelForTier("premium"));
    expect(turn.maxTokens).toBe(777);

    await rollbackConfig(as(owner), 1);
    const after = await composeFor(as(owner), { message: "Hello again" }, plan);
    expect(after.system[1]!.text).not.toContain("Captain Nemo");
    expect(after.maxTokens).toBe(1024);
    expect(saved.config.version).toBe(2);
  });
});

describe("tenant isolation of versions and audit", () => {
  it("keeps tenant A's versions and audit entries out of tenant B's reach", async () => {
    const ownerA = await account("Iso");
    const ownerB = await account("Bso");
    await saveConfig(as(ownerA), configInput({ persona: "A's secret persona." }));

    expect((await failure(listConfigVersions(as(ownerB, ownerA.tenantId)))).status).toBe(404);
    expect((await failure(getConfigVersion(as(ownerB, ownerA.tenantId), 2))).status).toBe(404);
    expect((await failure(listAuditLog(as(ownerB, ownerA.tenantId)))).status).toBe(404);
    expect((await failure(rollbackConfig(as(ownerB, ownerA.tenantId), 1))).status).toBe(404);
    // In B's own scope, even a query aimed at A's rows sees nothing.
    const leaked = await withTenant(as(ownerB), (tx) => tx.tenantConfig.findMany({ where: { tenantId: ownerA.tenantId } }));
    expect(leaked).toEqual([]);
    expect((await listConfigVersions(as(ownerB))).map((v) => v.version)).toEqual([1]);
    expect((await getCurrentConfig(as(ownerB))).persona).not.toContain("secret");
    expect((await listAuditLog(as(ownerB))).entries.every((e) => e.action !== "config.updated")).toBe(true);
  });
});

describe("members and roles", () => {
  it("refuses to demote or remove the last owner, and lets them leave once there is another", async () => {
    const owner = await account("Solo");
    const other = await account("Two");
    await addMember(owner, other, "admin");

    const demote = await failure(changeRole(as(owner), owner.userId, "admin"));
    expect(demote.status).toBe(409);
    expect(demote.message).toBe(MEMBER_MESSAGES.lastOwner);
    const leave = await failure(removeMember(as(owner), owner.userId));
    expect(leave.status).toBe(409);
    expect(leave.message).toBe(MEMBER_MESSAGES.lastOwnerLeave);
    expect((await roles(owner.tenantId))[owner.userId]).toBe("owner");

    await changeRole(as(owner), other.userId, "owner");
    expect(await removeMember(as(owner), owner.userId)).toEqual({ userId: owner.userId, role: "owner", left: true });
    expect(await roles(owner.tenantId)).toEqual({ [other.userId]: "owner" });
    const left = await auditRows(owner.tenantId, "member.left");
    expect(left).toEqual([{ actor_id: owner.userId, target: `user:${owner.userId}`, details: { role: "owner", name: "Solo", email: owner.email } }]);
  });

  it("lets exactly one of two owners demoting each other at the same moment succeed", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await account("Ann");
      const b = await account("Ben");
      await addMember(a, b, "owner");
      const results = await Promise.allSettled([changeRole(as(a), b.userId, "member"), changeRole(as(b, a.tenantId), a.userId, "member")]);
      expect(results.filter((r) => r.status === "fulfilled"), `round ${round}`).toHaveLength(1);
      // The loser's own role was re-read after the winner committed: it is no longer an owner, nor an admin.
      const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(toAppError(rejected.reason).message).toBe(MEMBER_MESSAGES.onlyAdmins);
      expect(Object.values(await roles(a.tenantId)).filter((r) => r === "owner"), `round ${round}`).toHaveLength(1);
    }
  });

  it("lets exactly one of two owners stepping down at the same moment succeed", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await account("Cat");
      const b = await account("Dan");
      await addMember(a, b, "owner");
      const results = await Promise.allSettled([changeRole(as(a), a.userId, "admin"), removeMember(as(b, a.tenantId), b.userId)]);
      expect(results.filter((r) => r.status === "fulfilled"), `round ${round}`).toHaveLength(1);
      const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(toAppError(rejected.reason).status).toBe(409);
      expect(Object.values(await roles(a.tenantId)).filter((r) => r === "owner"), `round ${round}`).toHaveLength(1);
    }
  });

  it("keeps the owner role for owners: an admin can neither grant it, take it, nor remove an owner", async () => {
    const owner = await account("Own");
    const admin = await account("Ad");
    const member = await account("Me");
    await addMember(owner, admin, "admin");
    await addMember(owner, member, "member");
    const asAdmin = as(admin, owner.tenantId);

    // One at a time: a started attempt that rejects before failure() holds it is an unhandled rejection.
    const attempts = [() => changeRole(asAdmin, member.userId, "owner"), () => changeRole(asAdmin, admin.userId, "owner"), () => changeRole(asAdmin, owner.userId, "admin")];
    for (const attempt of attempts) {
      const error = await failure(attempt());
      expect(error.status).toBe(403);
      expect(error.message).toBe(MEMBER_MESSAGES.onlyOwners);
    }
    expect((await failure(removeMember(asAdmin, owner.userId))).message).toBe(MEMBER_MESSAGES.onlyOwnersRemoveOwner);
    expect(await roles(owner.tenantId)).toEqual({ [owner.userId]: "owner", [admin.userId]: "admin", [member.userId]: "member" });

    // What an admin may do: promote a member to admin, and back.
    expect(await changeRole(asAdmin, member.userId, "admin")).toEqual({ userId: member.userId, from: "member", to: "admin", changed: true });
    expect((await changeRole(asAdmin, member.userId, "admin")).changed).toBe(false);
    await changeRole(asAdmin, member.userId, "member");
    const audit = await auditRows(owner.tenantId, "member.role_changed");
    expect(audit.map((a) => [a.actor_id, a.details.from, a.details.to])).toEqual([
      [admin.userId, "member", "admin"],
      [admin.userId, "admin", "member"],
    ]);
    expect(audit[0]!.details.name).toBe("Me");
  });

  it("lets an owner grant owner; refuses members; 404s for outsiders and unknown users", async () => {
    const owner = await account("Og");
    const member = await account("Mg");
    const outsider = await account("Xg");
    await addMember(owner, member, "member");
    expect((await failure(changeRole(as(member, owner.tenantId), member.userId, "admin"))).status).toBe(403);
    expect((await failure(removeMember(as(member, owner.tenantId), owner.userId))).status).toBe(403);
    expect((await failure(changeRole(as(outsider, owner.tenantId), member.userId, "admin"))).status).toBe(404);
    expect((await failure(changeRole(as(owner), outsider.userId, "admin"))).status).toBe(404);
    expect((await failure(changeRole(as(owner), "not-a-uuid", "admin"))).status).toBe(422);
    expect((await failure(changeRole(as(owner), member.userId, "superuser" as Role))).status).toBe(422);
    expect(await roles(owner.tenantId)).toEqual({ [owner.userId]: "owner", [member.userId]: "member" });
    await changeRole(as(owner), member.userId, "owner");
    expect((await roles(owner.tenantId))[member.userId]).toBe("owner");
  });

  it("removes a member together with their conversations, and lets a member leave", async () => {
    const owner = await account("Rm");
    const member = await account("Gone");
    const leaver = await account("Bye");
    await addMember(owner, member, "member");
    await addMember(owner, leaver, "member");
    await withTenant(as(member, owner.tenantId), (tx) => tx.conversation.create({ data: { tenantId: owner.tenantId, userId: member.userId, title: "Mine" } }));

    expect(await removeMember(as(owner), member.userId)).toEqual({ userId: member.userId, role: "member", left: false });
    expect(await removeMember(as(leaver, owner.tenantId), leaver.userId)).toMatchObject({ left: true });
    expect(await roles(owner.tenantId)).toEqual({ [owner.userId]: "owner" });
    const conversations = await ownerQuery("SELECT 1 FROM conversations WHERE tenant_id = $1 AND user_id = $2", [owner.tenantId, member.userId]);
    expect(conversations).toHaveLength(0);
    expect((await auditRows(owner.tenantId, "member.removed")).map((a) => a.details.name)).toEqual(["Gone"]);
    expect((await failure(removeMember(as(owner), member.userId))).status).toBe(404);
  });
});

describe("the audit log", () => {
  it("pages newest first with actor names, covering config, member and invite actions", async () => {
    const owner = await account("Aud");
    const member = await account("Amy");
    await addMember(owner, member, "member");
    await saveConfig(as(owner), configInput());
    await rollbackConfig(as(owner), 1);
    await changeRole(as(owner), member.userId, "admin");
    const invite = await createInvite(as(owner), { role: "member" });
    await revokeInvite(as(owner), invite.id);
    await removeMember(as(owner), member.userId);

    const first = await listAuditLog(as(owner), { limit: 4 });
    expect(first.entries.map((e) => e.action)).toEqual(["member.removed", "invite.revoked", "invite.created", "member.role_changed"]);
    expect(first.entries.every((e) => e.actor?.name === "Aud")).toBe(true);
    expect(first.nextCursor).not.toBeNull();
    const second = await listAuditLog(as(owner), { limit: 4, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.action)).toEqual(["config.rolled_back", "config.updated"]);
    expect(second.nextCursor).toBeNull();
    expect(first.entries[0]!.details).toMatchObject({ name: "Amy", role: "admin" });
    expect(Number(first.entries[0]!.id)).toBeGreaterThan(Number(second.entries[0]!.id));

    expect((await failure(listAuditLog(as(owner), { cursor: "1; DROP TABLE" }))).status).toBe(422);
    expect((await failure(listAuditLog(as(owner), { limit: 1000 }))).status).toBe(422);
  });

  it("is for admins only", async () => {
    const owner = await account("Aon");
    const member = await account("Amo");
    await addMember(owner, member, "member");
    expect((await failure(listAuditLog(as(member, owner.tenantId)))).status).toBe(403);
  });
});
