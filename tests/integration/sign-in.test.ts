import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  it("returns the session user and its session version for the right password, whatever the email's case", async () => {
    const { email, userId } = await account(true);
    expect(await verifyCredentials({ email: email.toUpperCase(), password }, freshIp())).toEqual({ id: userId, email, name: "Sign In", isStaff: true, sessionVersion: 0 });
  });

  it("returns null for a wrong password and for an unknown email alike", async () => {
    const { email } = await account();
    expect(await verifyCredentials({ email, password: "wrong-password-1" }, freshIp())).toBeNull();
    expect(await verifyCredentials({ email: `${unique("nobody")}@example.test`, password }, freshIp())).toBeNull();
    expect(await verifyCredentials({ email: "not-an-email", password }, freshIp())).toBeNull();
    expect(await verifyCredentials(undefined, freshIp())).toBeNull();
  });
});

describe("lockout without denial of service", () => {
  const failuresAllowed = RATE_LIMIT_POLICIES.signInFailuresByEmailAndIp.limit;

  it("counts failures, not attempts: right passwords beyond the failure limit all succeed", async () => {
    const { email } = await account();
    const ip = freshIp();
    for (let i = 0; i < failuresAllowed + 3; i++) expect((await verifyCredentials({ email, password }, ip))?.email).toBe(email);
  });

  it("backs off the account on the address that guessed wrong, with the wait in the error, even for the right password", async () => {
    const { email } = await account();
    const ip = freshIp();
    for (let i = 0; i < failuresAllowed; i++) expect(await verifyCredentials({ email, password: "wrong-password-1" }, ip)).toBeNull();
    const error = await verifyCredentials({ email, password }, ip).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as SignInError).message).toMatch(/^RateLimited:\d+$/);
    expect(Number((error as SignInError).message.split(":")[1])).toBeGreaterThan(0);
  });

  it("does not refuse the owner's right password from their own address after someone else guessed wrong", async () => {
    const { email } = await account();
    const attacker = freshIp();
    for (let i = 0; i < failuresAllowed + 2; i++) await verifyCredentials({ email, password: "wrong-password-1" }, attacker).catch(() => null);
    expect((await verifyCredentials({ email, password }, freshIp()))?.email).toBe(email);
  });

  it("backs off an address spraying wrong passwords across accounts, and only that address", async () => {
    const ip = freshIp();
    const allowed = RATE_LIMIT_POLICIES.signInFailuresByIp.limit;
    for (let i = 0; i < allowed; i++) await verifyCredentials({ email: `${unique("spray")}@example.test`, password }, ip);
    const { email } = await account();
    await expect(verifyCredentials({ email, password }, ip)).rejects.toThrow(/^RateLimited:/);
    expect((await verifyCredentials({ email, password }, freshIp()))?.email).toBe(email);
  }, 90_000);
});
