"use server";

import { runAction, type ActionResult } from "@/lib/api/action-result";
import { AppError } from "@/lib/api/errors";
import { getCurrentUser } from "@/lib/auth/session";
import { formatWait } from "@/lib/format";
import { checkLimit } from "@/lib/limits/rate-limit";
import { CREATE_WORKSPACE_POLICY, createWorkspaceForUser } from "@/lib/tenancy/create-workspace";

export async function createWorkspaceAction(input: unknown): Promise<ActionResult<{ slug: string }>> {
  return runAction(async () => {
    const user = await getCurrentUser();
    if (!user) throw new AppError("unauthorized", "Your session has ended. Sign in again to continue.");
    const limit = await checkLimit(CREATE_WORKSPACE_POLICY, user.id);
    if (!limit.ok) {
      throw new AppError("rate_limited", `You’ve created several workspaces in a short time. Try again in ${formatWait(limit.retryAfterSeconds)}.`, {
        extra: { limit: limit.policy, retryAfterSeconds: limit.retryAfterSeconds },
      });
    }
    const { slug } = await createWorkspaceForUser(user.id, input);
    return { slug };
  });
}
