"use server";

import { headers } from "next/headers";
import { runAction, type ActionResult } from "@/lib/api/action-result";
import { clientIp } from "@/lib/api/client-ip";
import { requestPasswordReset } from "@/lib/auth/password-reset";

/** Answers the same for every address, so the form cannot tell who has an account. */
export async function requestPasswordResetAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    await requestPasswordReset(input, clientIp(await headers()));
    return null;
  });
}
