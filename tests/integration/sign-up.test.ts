import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
beforeAll(() => {
  prisma = useAppDatabase();
});
afterAll(async () => {
  await prisma.$disconnect();
});

async function counts(): Promise<{ users: number; tenants: number; memberships: number; configs: number }> {
  const [row] = await ownerQuery<{ users: string; tenants: string; memberships: string; configs: string }>(
    "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM memberships) AS memberships, (SELECT count(*) FROM tenant_configs) AS configs",
  );
  return { users: Number(row!.users), tenants: Number(row!.tenants), memberships: Number(row!.memberships), configs: Number(row!.configs) };
}

describe("sign-up", () => {
  it("creates user, workspace, first config and owner membership together", async () => {
    const before = await counts();
    const email = `${unique("new")}@example.test`;
    const result = await signUp({ name: "New Person", email: email.toUpperCase(), password: "long-enough-1", workspaceName: "Névé Works" });
    expect(result.slug).toMatch(/^neve-works/);
    const after = await counts();
    expect(after).toEqual({ users: before.users + 1, tenants: before.tenants + 1, memberships: before.memberships + 1, configs: before.configs + 1 });
    const [user] = await ownerQuery<{ email: string; password_hash: string }>("SELECT email, password_hash FROM users WHERE id = $1", [result.userId]);
    expect(user?.email).toBe(email.toLowerCase());
    expect(user?.password_hash).toMatch(/^scrypt\$/);
  });

  it("refuses a taken email and leaves nothing half-created", async () => {
    const email = `${unique("dup")}@example.test`;
    await signUp({ name: "First", email, password: "long-enough-1", workspaceName: "First Co" });
    const before = await counts();
    const error = await signUp({ name: "Second", email, password: "long-enough-1", workspaceName: "Second Co" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(409);
    expect((error as AppError).fields?.email?.[0]).toMatch(/already exists/);
    expect(await counts()).toEqual(before);
  });

  it("refuses another tenant's slug", async () => {
    const first = await signUp({ name: "Slug Owner", email: `${unique("s")}@example.test`, password: "long-enough-1", workspaceName: "Slug Co" });
    const before = await counts();
    const error = await signUp({ name: "Squatter", email: `${unique("s")}@example.test`, password: "long-enough-1", workspaceName: "Other", slug: first.slug }).catch((e: unknown) => e);
    expect((error as AppError).status).toBe(409);
    expect((error as AppError).fields?.slug).toBeDefined();
    expect(await counts()).toEqual(before);
  });

  it("gives a free variant when the derived slug is taken", async () => {
    const name = `Same Name ${unique("")}`;
    const one = await signUp({ name: "One", email: `${unique("o")}@example.test`, password: "long-enough-1", workspaceName: name });
    const two = await signUp({ name: "Two", email: `${unique("t")}@example.test`, password: "long-enough-1", workspaceName: name });
    expect(two.slug).toBe(`${one.slug}-2`);
  });

  it.each([
    [{ name: "W", email: "w@example.test", password: "short1", workspaceName: "Weak" }, "password"],
    [{ name: "W", email: "w@example.test", password: "onlyletterslong", workspaceName: "Weak" }, "password"],
    [{ name: "W", email: "not-an-email", password: "long-enough-1", workspaceName: "Bad" }, "email"],
    [{ name: "", email: "w@example.test", password: "long-enough-1", workspaceName: "Bad" }, "name"],
    [{ name: "W", email: "w@example.test", password: "long-enough-1", workspaceName: "Bad", slug: "-bad-" }, "slug"],
    [{ name: "W", email: "w@example.test", password: "long-enough-1", workspaceName: "Bad", slug: "admin" }, "slug"],
    ["not an object", "_"],
  ])("rejects malformed input %# with a field message", async (input, field) => {
    const before = await counts();
    const error = await signUp(input).catch((e: unknown) => e);
    expect(error).toBeDefined();
    const { toAppError } = await import("@/lib/api/errors");
    const appError = toAppError(error);
    expect(appError.status).toBe(422);
    expect(Object.keys(appError.fields ?? {})).toContain(field);
    expect(await counts()).toEqual(before);
  });
});
