import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awayFromWindowEdge } from "@/tests/helpers/limits";
import { signUp } from "@/lib/auth/sign-up";
import { SignInError, verifyCredentials } from "@/lib/auth/sign-in";
import type { PrismaClient } from "@/lib/db/generated/client";
import { RATE_LIMIT_POLICIES } from "@/lib/limits/policies";
import { unique, useAppDatabase } from "@/tests/helpers/db";

let prisma: PrismaClient;
const password = "long-enough-1";
/** A fresh address per call (unique per run too: Redis may be shared), so windows never leak between tests. */
const freshIp = () => `test-ip-${unique("")}`;

async function account(isStaff = false) {
  const email = `${unique("si")}@example.test`;
  const { userId } = await signUp({ name: "Sign In", email, password, workspaceName: "Sign In Co" }, { isStaff });
  return { email, userId };
}

beforeAll(() => {
  prisma = useAppDatabase();
});
afterAll(async () => {
  await prisma.$disconnect();
});

describe("verifyCredentials", () => {
  it("returns the session user for the right password, whatever the email's case", async () => {
    const { email, userId } = await account(true);
    expect(await verifyCredentials({ email: email.toUpperCase(), password }, freshIp())).toEqual({ id: userId, email, name: "Sign In", isStaff: true });
  });

  it("returns null for a wrong password and for an unknown email alike", async () => {
    const { email } = await account();
    expect(await verifyCredentials({ email, password: "wrong-password-1" }, freshIp())).toBeNull();
    expect(await verifyCredentials({ email: `${unique("nobody")}@example.test`, password }, freshIp())).toBeNull();
    expect(await verifyCredentials({ email: "not-an-email", password }, freshIp())).toBeNull();
    expect(await verifyCredentials(undefined, freshIp())).toBeNull();
  });

  it("limits attempts per email across addresses, with the wait in the error", async () => {
    const { email } = await account();
    const allowed = RATE_LIMIT_POLICIES.signInByEmail.limit;
    for (let i = 0; i < allowed; i++) expect(await verifyCredentials({ email, password: "wrong-password-1" }, freshIp())).toBeNull();
    const error = await verifyCredentials({ email, password }, freshIp()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as SignInError).message).toMatch(/^RateLimited:\d+$/);
    expect(Number((error as SignInError).message.split(":")[1])).toBeGreaterThan(0);
  });

  it("limits attempts per address across emails", async () => {
    // 20 scrypt checks take seconds under load: stay inside one sliding window.
    await awayFromWindowEdge(60_000, 30_000);
    const ip = freshIp();
    const allowed = RATE_LIMIT_POLICIES.signInByIp.limit;
    for (let i = 0; i < allowed; i++) await verifyCredentials({ email: `${unique("spray")}@example.test`, password }, ip);
    const { email } = await account();
    await expect(verifyCredentials({ email, password }, ip)).rejects.toThrow(/^RateLimited:/);
    // Another address is unaffected.
    expect((await verifyCredentials({ email, password }, freshIp()))?.email).toBe(email);
    // The wait for a fresh window alone can take 30 s: the default timeout would not cover it.
  }, 90_000);
});
