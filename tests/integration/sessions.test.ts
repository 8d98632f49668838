import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { changePassword, endAllSessions } from "@/lib/auth/account";
import { getAuthSecret } from "@/lib/auth/secret";
import { getCurrentUser } from "@/lib/auth/session";
import { verifyCredentials } from "@/lib/auth/sign-in";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { RATE_LIMIT_POLICIES } from "@/lib/limits/policies";
import { identifyMember } from "@/lib/tenancy/workspace";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

// getCurrentUser reads the session cookie through next/headers: this file's jar holds a real token.
const cookieJar = vi.hoisted(() => ({ token: null as string | null }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "next-auth.session-token" && cookieJar.token ? { value: cookieJar.token } : undefined) }),
  headers: async () => new Headers(),
}));
// React's cache() memoises per request; outside one it must not carry a user across tests.
vi.mock("react", async (original) => ({ ...(await original<typeof import("react")>()), cache: <T>(fn: T) => fn }));

let prisma: PrismaClient;
const password = "correct-horse-9";
const newPassword = "battery-staple-42";

async function person(): Promise<SignUpResult & { email: string }> {
  const email = `${unique("sess")}@sessions.test`;
  return { email, ...(await signUp({ name: "Sess", email, password, workspaceName: `Sess ${unique("w")}` })) };
}
const version = async (userId: string) => (await ownerQuery<{ v: number }>("SELECT session_version AS v FROM users WHERE id = $1", [userId]))[0]!.v;

beforeAll(() => {
  prisma = useAppDatabase();
});
afterAll(async () => {
  await prisma.$disconnect();
});

describe("session versions where membership is resolved", () => {
  it("identifies a member whose token carries the current version", async () => {
    const u = await person();
    expect((await identifyMember({ userId: u.userId, sessionVersion: 0 }, u.slug))?.workspace.tenantId).toBe(u.tenantId);
  });

  it("refuses every token issued before sign-out everywhere, and takes one with the new version", async () => {
    const u = await person();
    await endAllSessions(u.userId);
    expect(await version(u.userId)).toBe(1);
    expect(await identifyMember({ userId: u.userId, sessionVersion: 0 }, u.slug)).toBeNull();
    expect((await identifyMember({ userId: u.userId, sessionVersion: 1 }, u.slug))?.user.id).toBe(u.userId);
  });

  it("getCurrentUser returns nobody for a token of an ended session", async () => {
    const u = await person();
    cookieJar.token = await encode({ token: { userId: u.userId, sessionVersion: 0 }, secret: getAuthSecret() });
    expect((await getCurrentUser())?.id).toBe(u.userId);
    await endAllSessions(u.userId);
    expect(await getCurrentUser()).toBeNull();
    cookieJar.token = await encode({ token: { userId: u.userId, sessionVersion: 1 }, secret: getAuthSecret() });
    expect((await getCurrentUser())?.id).toBe(u.userId);
  });

  it("sign-in hands out the current version, so a new sign-in after sign-out everywhere works", async () => {
    const u = await person();
    await endAllSessions(u.userId);
    expect((await verifyCredentials({ email: u.email, password }, `ip-${unique("")}`))?.sessionVersion).toBe(1);
  });
});

describe("changePassword", () => {
  it("refuses a wrong current password and changes nothing", async () => {
    const u = await person();
    await expect(changePassword(u.userId, { currentPassword: "not-my-password-1", newPassword })).rejects.toMatchObject({ code: "validation_failed", fields: { currentPassword: expect.any(Array) } });
    expect(await version(u.userId)).toBe(0);
    expect(await verifyCredentials({ email: u.email, password }, `ip-${unique("")}`)).not.toBeNull();
  });

  it("changes the password and ends the user's other sessions", async () => {
    const u = await person();
    expect(await changePassword(u.userId, { currentPassword: password, newPassword })).toEqual({ sessionVersion: 1 });
    expect(await identifyMember({ userId: u.userId, sessionVersion: 0 }, u.slug)).toBeNull();
    expect(await verifyCredentials({ email: u.email, password }, `ip-${unique("")}`)).toBeNull();
    expect((await verifyCredentials({ email: u.email, password: newPassword }, `ip-${unique("")}`))?.sessionVersion).toBe(1);
  });

  it("refuses a new password that breaks the rules or repeats the current one", async () => {
    const u = await person();
    await expect(changePassword(u.userId, { currentPassword: password, newPassword: "short" })).rejects.toMatchObject({ name: "ZodError" });
    await expect(changePassword(u.userId, { currentPassword: password, newPassword: password })).rejects.toMatchObject({ name: "ZodError" });
    expect(await version(u.userId)).toBe(0);
  });

  it("backs off after repeated wrong current passwords, even for the right one", async () => {
    const u = await person();
    for (let i = 0; i < RATE_LIMIT_POLICIES.passwordChangeFailuresByUser.limit; i++) {
      await expect(changePassword(u.userId, { currentPassword: "not-my-password-1", newPassword })).rejects.toMatchObject({ code: "validation_failed" });
    }
    await expect(changePassword(u.userId, { currentPassword: password, newPassword })).rejects.toMatchObject({ code: "rate_limited" });
    expect(await version(u.userId)).toBe(0);
  });
});
