import { encode } from "next-auth/jwt";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { changeRoleAction, listAuditLogAction } from "@/app/w/[slug]/admin/actions";
import { createInviteAction, revokeInviteAction } from "@/app/w/[slug]/members/actions";
import { workspaceAction } from "@/lib/api/workspace-action";
import { getAuthSecret } from "@/lib/auth/secret";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import { withTenant } from "@/lib/db/scope";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

// Actions read the session cookie through next/headers and revalidate through next/cache;
// outside a request there is neither, so both are this file's.
const cookieJar = vi.hoisted(() => ({ token: null as string | null }));
const revalidated = vi.hoisted(() => [] as string[]);
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "next-auth.session-token" && cookieJar.token ? { value: cookieJar.token } : undefined) }),
  headers: async () => new Headers(),
}));
vi.mock("next/cache", () => ({ revalidatePath: (path: string) => void revalidated.push(path) }));

async function sessionAs(userId: string | null): Promise<void> {
  cookieJar.token = userId === null ? null : await encode({ token: { userId }, secret: getAuthSecret() });
}

const newAccount = (label: string) =>
  signUp({ name: label, email: `${unique(label.toLowerCase())}@workspace-action.test`, password: "correct-horse-9", workspaceName: `${label} ${unique("co")}` });

let owner: SignUpResult;
let member: SignUpResult;
let outsider: SignUpResult;

/** A probe action: records what the handler was given. */
const seen: unknown[] = [];
const probe = workspaceAction({ minRole: "admin", input: z.object({ n: z.number().int() }) }, async (ctx) => {
  seen.push(ctx);
  return ctx.input.n * 2;
});

beforeAll(async () => {
  useAppDatabase();
  [owner, member, outsider] = await Promise.all([newAccount("Owner"), newAccount("Member"), newAccount("Outsider")]);
  await withTenant(owner, (tx) => tx.membership.create({ data: { tenantId: owner.tenantId, userId: member.userId, role: "member" } }));
});

beforeEach(() => {
  seen.length = 0;
  revalidated.length = 0;
});

describe("workspaceAction", () => {
  it("hands an admin the workspace, an actor and the parsed input", async () => {
    await sessionAs(owner.userId);
    expect(await probe(owner.slug, { n: 21 })).toEqual({ ok: true, data: 42 });
    expect(seen).toEqual([
      expect.objectContaining({
        actor: { tenantId: owner.tenantId, userId: owner.userId },
        user: expect.objectContaining({ id: owner.userId }),
        workspace: expect.objectContaining({ tenantId: owner.tenantId, slug: owner.slug, role: "owner" }),
        input: { n: 21 },
      }),
    ]);
  });

  it("refuses a signed-out caller with 401 before the handler runs", async () => {
    await sessionAs(null);
    expect(await probe(owner.slug, { n: 1 })).toEqual({ ok: false, error: { code: "unauthorized", message: "Sign in to continue." } });
    expect(seen).toEqual([]);
  });

  it("answers a member below minRole, a non-member and an unknown slug with the same 404", async () => {
    const notFound = { ok: false, error: { code: "not_found", message: "Workspace not found." } };
    await sessionAs(member.userId);
    expect(await probe(owner.slug, { n: 1 })).toEqual(notFound);
    await sessionAs(outsider.userId);
    expect(await probe(owner.slug, { n: 1 })).toEqual(notFound);
    expect(await probe(unique("no-such-slug"), { n: 1 })).toEqual(notFound);
    expect(seen).toEqual([]);
  });

  it("rejects input that fails the schema with 422 and the field's message", async () => {
    await sessionAs(owner.userId);
    const result = await probe(owner.slug, { n: 1.5 } as unknown as { n: number });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("validation_failed");
    expect(Object.keys(result.error.fields ?? {})).toEqual(["n"]);
    expect(seen).toEqual([]);
  });

  it("rejects a slug that is not a string with 422", async () => {
    await sessionAs(owner.userId);
    const result = await probe(42 as unknown as string, { n: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: "validation_failed" } });
    expect(seen).toEqual([]);
  });
});

describe("workspace server actions", () => {
  it("create and revoke an invite for an admin, revalidating the members page", async () => {
    await sessionAs(owner.userId);
    const created = await createInviteAction(owner.slug, { role: "member", email: "" });
    expect(created).toMatchObject({ ok: true, data: { role: "member", email: null } });
    expect(revalidated).toEqual([`/w/${owner.slug}/members`]);
    const [invite] = await ownerQuery<{ id: string }>("SELECT id FROM invites WHERE tenant_id = $1", [owner.tenantId]);
    expect(invite).toBeDefined();
    expect(await revokeInviteAction(owner.slug, invite!.id)).toEqual({ ok: true, data: null });
    expect(await ownerQuery("SELECT 1 FROM invites WHERE id = $1", [invite!.id])).toEqual([]);
  });

  it("do not let a plain member change roles, and change nothing", async () => {
    await sessionAs(member.userId);
    const result = await changeRoleAction(owner.slug, { userId: member.userId, role: "admin" });
    expect(result).toEqual({ ok: false, error: { code: "not_found", message: "Workspace not found." } });
    const [row] = await ownerQuery<{ role: string }>("SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2", [owner.tenantId, member.userId]);
    expect(row?.role).toBe("member");
    expect(revalidated).toEqual([]);
  });

  it("refuse a malformed audit cursor with 422", async () => {
    await sessionAs(owner.userId);
    expect(await listAuditLogAction(owner.slug, "1; DROP TABLE")).toMatchObject({ ok: false, error: { code: "validation_failed" } });
  });
});
