"use server";

import { runAction, type ActionResult } from "@/lib/api/action-result";
import { resetPassword } from "@/lib/auth/password-reset";

export async function resetPasswordAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    await resetPassword(input);
    return null;
  });
}
