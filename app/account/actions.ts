"use server";

import { runAction, type ActionResult } from "@/lib/api/action-result";
import { AppError } from "@/lib/api/errors";
import { changePassword, endAllSessions } from "@/lib/auth/account";
import { isEmailVerified, sendVerificationEmail } from "@/lib/auth/email-verification";
import { getCurrentUser } from "@/lib/auth/session";

async function currentUserOrThrow() {
  const user = await getCurrentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to continue.");
  return user;
}

export async function changePasswordAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const user = await currentUserOrThrow();
    await changePassword(user.id, input);
    return null;
  });
}

export async function signOutEverywhereAction(): Promise<ActionResult> {
  return runAction(async () => {
    const user = await currentUserOrThrow();
    await endAllSessions(user.id);
    return null;
  });
}

export async function resendVerificationAction(): Promise<ActionResult> {
  return runAction(async () => {
    const user = await currentUserOrThrow();
    if (!(await isEmailVerified(user.id))) await sendVerificationEmail(user.email);
    return null;
  });
}
