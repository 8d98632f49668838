import { prepareTurn } from "@/lib/chat/prepare-turn";
import { runChatTurn } from "@/lib/chat/run-turn";
import type { ChatRequest } from "@/lib/chat/schemas";
import { withScopeSql } from "@/lib/db/sql";
import { admitRequest, chargeTokens, correctTokens, type AdmissionContext } from "@/lib/limits/admission";
import { releaseQuota, settleQuota, quotaTokens } from "@/lib/limits/quota";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { observeAccountHeaders } from "@/lib/limits/account-headroom";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import { getPlan } from "@/lib/tenancy/plans";

function totalTokens(attempts: TrackedResult[]): number {
  return attempts.reduce((sum, a) => sum + quotaTokens(a.usage), 0);
}

/**
 * Steps 4–8 after identify and validate: limits, quota, context, then the streamed call
 * whose completion settles quota and token limits with the actual usage.
 */
export async function startChatTurn(
  who: { tenantId: string; userId: string; planId: string },
  request: ChatRequest,
  signal: AbortSignal,
  options: { limiter?: RateLimiter } = {},
): Promise<ReadableStream<Uint8Array>> {
  const ctx = { tenantId: who.tenantId, userId: who.userId };
  const plan = await getPlan(who.planId);
  const admission: AdmissionContext = { ...ctx, plan, limiter: options.limiter };
  await admitRequest(admission);
  const turn = await prepareTurn(ctx, request, plan);
  let charge;
  try {
    charge = await chargeTokens(admission, turn.reservation.tokens);
  } catch (error) {
    await withScopeSql({ kind: "tenant", ...ctx }, (db) => releaseQuota(db, turn.reservation));
    throw error;
  }
  return runChatTurn(ctx, turn, signal, {
    settleInTransaction: (db, attempts) => settleQuota(db, turn.reservation, totalTokens(attempts), { commit: true }).then(() => undefined),
    onSettled: async (attempts) => {
      await correctTokens(charge, totalTokens(attempts), options.limiter);
      // Never awaited on anyone's behalf: it waits out Redis when Redis is slow.
      for (const a of attempts) void observeAccountHeaders(a.rateLimitHeaders);
    },
  });
}
