"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { runAction, type ActionResult } from "@/lib/api/action-result";
import { getCurrentUser } from "@/lib/auth/session";
import { acceptInvite } from "@/lib/tenancy/invites";

export async function acceptInviteAction(token: string): Promise<ActionResult> {
  return runAction(async () => {
    const user = await getCurrentUser();
    if (!user) throw new AppError("unauthorized", "Your session has ended. Sign in again to accept.");
    const { slug } = await acceptInvite(z.string().max(128).parse(token), user.id);
    redirect(`/w/${slug}`);
  });
}
