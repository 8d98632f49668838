import { randomUUID } from "node:crypto";
import type { WindowMessage } from "@/lib/context/history";
import { buildUsageEvent } from "@/lib/ledger/usage-event";
import { reserveRequest, withdrawRequest, type LedgerRequest } from "@/lib/ledger/reserve";
import { writeTurn } from "@/lib/ledger/write-turn";
import { callClaude } from "@/lib/llm/call-claude";
import { modelForTier } from "@/lib/llm/models";
import { estimateInputTokens, inputTokenBound } from "@/lib/llm/tokens";
import type { TrackedStatus } from "@/lib/llm/tracked-call";
import { getPlan } from "@/lib/tenancy/plans";
import { priceAt } from "@/lib/usage/price-book";

/**
 * The turn pipeline for a background job's Claude call (summaries, memory proposals): the
 * job did identify (its payload carries tenant, user and plan, taken from a turn the user
 * made) and builds its own prompt; from here it is the chat turn's reserve → call → settle:
 *
 *   reserve  the ledger row ('started', request_type 'background') and the quota bound
 *            (inputTokenBound + max_tokens), so background work counts against the
 *            tenant's monthly quota like any call and a refused reservation stops the job
 *   call     callClaude at priority "background": the scheduler's background pool, which
 *            yields to interactive calls and to low account headroom; the economy model
 *   settle   one settled row per attempt, priced when the call ended (writeTurn, or the
 *            outbox when the database cannot take it)
 *
 * Not applied: the per-user fair share and tokens/min limits, which protect people waiting
 * for a reply; background work already waits behind them in the scheduler.
 */
export interface BackgroundCall {
  tenantId: string;
  userId: string;
  planId: string;
  conversationId: string | null;
  system: string;
  messages: WindowMessage[];
  maxTokens: number;
}

export interface BackgroundResult {
  /** The last attempt's ledger request id. */
  requestId: string;
  status: TrackedStatus;
  /** The reply; "" unless the call completed. */
  text: string;
}

export async function runBackgroundCall(call: BackgroundCall): Promise<BackgroundResult> {
  const plan = await getPlan(call.planId);
  const model = modelForTier("economy");
  const request = { system: call.system, messages: call.messages };
  const estimatedInputTokens = estimateInputTokens(request);
  const reserveTokens = inputTokenBound(request) + call.maxTokens;
  const requestId = `req_bg_${randomUUID().replace(/-/g, "")}`;
  const ledgerRequest = (id: string): LedgerRequest => ({
    tenantId: call.tenantId,
    requestId: id,
    userId: call.userId,
    conversationId: call.conversationId,
    requestType: "background",
    model,
    estimatedInputTokens,
    maxTokens: call.maxTokens,
    reserveTokens,
    quota: plan.monthlyTokenQuota,
    at: new Date(),
  });

  await reserveRequest(ledgerRequest(requestId));
  const { final, attempts } = await callClaude({
    priority: "background",
    tenantId: call.tenantId,
    userId: call.userId,
    conversationId: call.conversationId ?? undefined,
    requestId,
    requestType: "background",
    model,
    maxTokens: call.maxTokens,
    system: call.system,
    messages: call.messages,
    estimatedInputTokens,
    ledger: {
      reserveRetry: (id) => reserveRequest(ledgerRequest(id)),
      withdraw: (id) => withdrawRequest({ tenantId: call.tenantId }, id),
    },
  });

  const endedAt = new Date();
  const price = await priceAt(model, endedAt);
  const events = attempts.map((a) =>
    buildUsageEvent(a.result, { tenantId: call.tenantId, requestId: a.requestId, userId: call.userId, conversationId: call.conversationId, requestType: "background", model, endedAt }, price),
  );
  if (events.length > 0) await writeTurn({ tenantId: call.tenantId, userId: call.userId, messages: null, events });
  return { requestId: attempts.at(-1)?.requestId ?? requestId, status: final.status, text: final.status === "completed" ? final.text : "" };
}
