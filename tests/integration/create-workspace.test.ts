import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toAppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { createWorkspaceForUser } from "@/lib/tenancy/create-workspace";
import { homePathForUser } from "@/lib/tenancy/home";
import { findWorkspaceForUser, listWorkspacesForUser } from "@/lib/tenancy/workspace";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
let user: { userId: string; slug: string };

beforeAll(async () => {
  prisma = useAppDatabase();
  user = await signUp({ name: "Wren", email: `${unique("wren")}@example.test`, password: "long-enough-1", workspaceName: `First ${unique("")}` });
});
afterAll(async () => {
  await prisma.$disconnect();
});

describe("createWorkspaceForUser", () => {
  it("creates a workspace the user owns, with its first config, next to their existing one", async () => {
    const name = `Second ${unique("")}`;
    const created = await createWorkspaceForUser(user.userId, { workspaceName: name });
    expect(created.slug).toMatch(/^second-/);
    expect((await findWorkspaceForUser(user.userId, created.slug))?.role).toBe("owner");
    const slugs = (await listWorkspacesForUser(user.userId)).map((w) => w.slug);
    expect(slugs).toEqual([user.slug, created.slug]);
    const configs = await ownerQuery<{ version: number; company_name: string }>("SELECT version, company_name FROM tenant_configs WHERE tenant_id = $1", [created.tenantId]);
    expect(configs).toEqual([{ version: 1, company_name: name }]);
  });

  it("refuses a taken address with a field error and creates nothing", async () => {
    const [{ n: before }] = (await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM tenants")) as [{ n: string }];
    const error = toAppError(await createWorkspaceForUser(user.userId, { workspaceName: "Clash", slug: user.slug }).catch((e: unknown) => e));
    expect(error.status).toBe(409);
    expect(error.fields?.slug?.[0]).toMatch(/taken/);
    const [{ n: after }] = (await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM tenants")) as [{ n: string }];
    expect(after).toBe(before);
  });

  it("refuses reserved and malformed addresses", async () => {
    for (const slug of ["new", "-x-", "a"]) {
      const error = toAppError(await createWorkspaceForUser(user.userId, { workspaceName: "Reserved", slug }).catch((e: unknown) => e));
      expect(error.status).toBe(422);
      expect(error.fields?.slug).toBeDefined();
    }
  });

  it("refuses an unknown user id", async () => {
    const error = toAppError(await createWorkspaceForUser("00000000-0000-4000-8000-000000000000", { workspaceName: "Ghost" }).catch((e: unknown) => e));
    expect(error.status).toBe(401);
  });
});

describe("homePathForUser", () => {
  it("sends a user to their first workspace", async () => {
    expect(await homePathForUser(user.userId)).toBe(`/w/${user.slug}`);
  });

  it("sends a user without workspaces to /new", async () => {
    const loner = await signUp({ name: "Lone", email: `${unique("lone")}@example.test`, password: "long-enough-1", workspaceName: "Lone Co" });
    await ownerQuery("DELETE FROM memberships WHERE user_id = $1", [loner.userId]);
    expect(await homePathForUser(loner.userId)).toBe("/new");
  });
});
