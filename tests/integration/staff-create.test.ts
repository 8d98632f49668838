import { beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "@/lib/auth/password";
import { passwordSchema } from "@/lib/auth/schemas";
import { createStaffUser, generatePassword } from "@/lib/staff/create-staff-user";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

beforeAll(() => {
  useAppDatabase();
});

describe("createStaffUser (npm run staff:create)", () => {
  it("creates a staff user whose stored hash matches the printed one-time password", async () => {
    const email = `${unique("staff")}@ops.test`;
    const created = await createStaffUser({ email, name: "Ops" });
    const [row] = await ownerQuery<{ is_staff: boolean; password_hash: string }>("SELECT is_staff, password_hash FROM users WHERE id = $1", [created.userId]);
    expect(row?.is_staff).toBe(true);
    expect(row?.password_hash).not.toContain(created.password);
    expect(await verifyPassword(created.password, row!.password_hash)).toBe(true);
  });

  it("refuses an email that already has an account (no silent promotion to staff)", async () => {
    const email = `${unique("staff")}@ops.test`;
    await createStaffUser({ email });
    await expect(createStaffUser({ email })).rejects.toMatchObject({ code: "conflict" });
  });

  it("generates passwords the sign-up rules accept, different every time", () => {
    const a = generatePassword();
    expect(passwordSchema.safeParse(a).success).toBe(true);
    expect(a).not.toBe(generatePassword());
    expect(a.length).toBeGreaterThanOrEqual(24);
  });
});
