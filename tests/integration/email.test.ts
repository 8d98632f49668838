import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyEmail } from "@/lib/auth/email-verification";
import { requestPasswordReset, resetPassword } from "@/lib/auth/password-reset";
import { verifyCredentials } from "@/lib/auth/sign-in";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { setMailer, smtpMailer } from "@/lib/mail/mailer";
import { acceptInvite, createInvite } from "@/lib/tenancy/invites";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";
import { linkIn, startSmtpServer, type TestSmtpServer } from "@/tests/helpers/smtp";

const signupRoute = await import("@/app/api/signup/route");

let prisma: PrismaClient;
let smtp: TestSmtpServer;
const password = "correct-horse-9";
const ip = () => `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function signUpThroughRoute(email: string): Promise<{ slug: string }> {
  const res = await signupRoute.POST(
    new Request("http://app.test/api/signup", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://app.test", "x-forwarded-for": ip() },
      body: JSON.stringify({ name: "Mail Person", email, password, workspaceName: `Mail ${unique("w")}` }),
    }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as { slug: string };
}
const verifiedAt = async (email: string) => (await ownerQuery<{ v: Date | null }>("SELECT email_verified_at AS v FROM users WHERE email = $1", [email]))[0]?.v ?? null;
const userIdOf = async (email: string) => (await ownerQuery<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]))[0]!.id;

beforeAll(async () => {
  prisma = useAppDatabase();
  smtp = await startSmtpServer();
  setMailer(smtpMailer(smtp.url));
});
afterAll(async () => {
  setMailer(undefined);
  await smtp.close();
  await prisma.$disconnect();
});

describe("email verification", () => {
  it("sign-up mails a verification link through SMTP; following it verifies the address, once", async () => {
    const email = `${unique("verify")}@mail.test`;
    await signUpThroughRoute(email);
    expect(await verifiedAt(email)).toBeNull();
    const token = linkIn(smtp, email, "/verify/");
    expect(await verifyEmail(token)).toBe(await userIdOf(email));
    expect(await verifiedAt(email)).not.toBeNull();
    await expect(verifyEmail(token)).rejects.toMatchObject({ code: "conflict" });
  });

  it("refuses a made-up link", async () => {
    await expect(verifyEmail("A".repeat(43))).rejects.toMatchObject({ code: "not_found" });
    await expect(verifyEmail("short")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("email-bound invites", () => {
  it("are mailed to the invitee, refused until the invitee verifies the address, then accepted", async () => {
    const owner = await signUp({ name: "Inviter", email: `${unique("owner")}@mail.test`, password, workspaceName: `Inv ${unique("w")}` });
    const hire = `${unique("hire")}@mail.test`;
    const invite = await createInvite({ tenantId: owner.tenantId, userId: owner.userId }, { role: "admin", email: hire });
    expect(linkIn(smtp, hire, "/invite/")).toBe(invite.token);

    await signUpThroughRoute(hire);
    const hireId = await userIdOf(hire);
    await expect(acceptInvite(invite.token, hireId)).rejects.toMatchObject({ code: "forbidden" });
    expect(await ownerQuery("SELECT 1 FROM memberships WHERE tenant_id = $1 AND user_id = $2", [owner.tenantId, hireId])).toHaveLength(0);

    await verifyEmail(linkIn(smtp, hire, "/verify/"));
    expect(await acceptInvite(invite.token, hireId)).toMatchObject({ role: "admin", alreadyMember: false });
  });
});

describe("password reset by email", () => {
  it("mails a single-use link that sets the password and ends every session", async () => {
    const email = `${unique("reset")}@mail.test`;
    await signUp({ name: "Resetter", email, password, workspaceName: `Reset ${unique("w")}` });
    await requestPasswordReset({ email }, ip());
    const token = linkIn(smtp, email, "/reset/");
    const newPassword = "new-secret-77";
    expect(await resetPassword({ token, password: newPassword })).toBe(await userIdOf(email));

    expect(await verifyCredentials({ email, password }, ip())).toBeNull();
    expect((await verifyCredentials({ email, password: newPassword }, ip()))?.sessionVersion).toBe(1);
    // Proving the mailbox verified it too.
    expect(await verifiedAt(email)).not.toBeNull();
    await expect(resetPassword({ token, password: "another-one-88" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuses an expired link and leaves the password alone", async () => {
    const email = `${unique("late")}@mail.test`;
    await signUp({ name: "Late", email, password, workspaceName: `Late ${unique("w")}` });
    await requestPasswordReset({ email }, ip());
    const token = linkIn(smtp, email, "/reset/");
    await ownerQuery("UPDATE email_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1", [await userIdOf(email)]);
    await expect(resetPassword({ token, password: "new-secret-77" })).rejects.toMatchObject({ code: "conflict" });
    expect(await verifyCredentials({ email, password }, ip())).not.toBeNull();
  });

  it("answers a request for an unknown address the same way and sends nothing", async () => {
    const nobody = `${unique("nobody")}@mail.test`;
    await expect(requestPasswordReset({ email: nobody }, ip())).resolves.toBeUndefined();
    expect(smtp.to(nobody)).toHaveLength(0);
  });

  it("is not reachable by SELECT: no role reads the token table", async () => {
    const { withAuth, withTenant } = await import("@/lib/db/scope");
    await expect(withAuth((tx) => tx.$queryRaw`SELECT * FROM email_tokens`)).rejects.toThrow(/permission denied/i);
    const owner = await signUp({ name: "T", email: `${unique("t")}@mail.test`, password, workspaceName: `T ${unique("w")}` });
    await expect(withTenant(owner, (tx) => tx.$queryRaw`SELECT * FROM email_tokens`)).rejects.toThrow(/permission denied/i);
  });
});
