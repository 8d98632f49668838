import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/api/errors";
import type { ChatRequest } from "@/lib/chat/schemas";
import { withScopeSql } from "@/lib/db/sql";
import { reserveRequest, withdrawRequest, type LedgerRequest } from "@/lib/ledger/reserve";
import { admitTenantRequests, checkTokenRoom, checkUserShare, correctTokens, settleInOrder, type AdmissionContext, type TokenCharge } from "@/lib/limits/admission";
import { admitApiInOneTrip, deferTokenCorrection } from "@/lib/limits/api-admission";
import { reserveAndCharge } from "@/lib/pipeline/reserve-step";
import { observeAccountHeaders } from "@/lib/limits/account-headroom";
import { defaultRateLimiter, type RateLimiter } from "@/lib/limits/rate-limit";
import { describeClaudeBackend } from "@/lib/llm/anthropic-client";
import { callClaude } from "@/lib/llm/call-claude";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import type { Caller } from "@/lib/pipeline/caller";
import type { ChatStreamEvent } from "@/lib/pipeline/chat-events";
import { openEventStream } from "@/lib/pipeline/event-stream";
import { enqueueContextJob } from "@/lib/context/background-jobs";
import { detectRememberRequest } from "@/lib/memory/remember";
import { composeTurn, type ComposedTurn } from "@/lib/pipeline/compose";
import { prepareTurnVectors } from "@/lib/context/knowledge-source";
import { guardReply, REPLY_CUT_MESSAGE } from "@/lib/pipeline/leak-guard";
import { recordChatTurn } from "@/lib/pipeline/record";
import { enforceScreenPolicy, screenMessage } from "@/lib/pipeline/screen";
import { getPlan, type Plan } from "@/lib/tenancy/plans";
import { saveMessageSources } from "@/lib/context/message-sources";
import { trackTurnWrite, turnWritesSettled } from "@/lib/chat/turn-writes";

/**
 * The chat turn, top to bottom (ARCHITECTURE.md). The front door (app/api/w/[slug]/chat)
 * did steps 1–2: identify (session → membership, lib/api/workspace-route.ts) and validate
 * (zod, byte cap, NUL refused: lib/chat/schemas.ts). From here:
 *
 *   3. screen    the detector's verdict and the tenant's policy (off / flag / block)
 *   4. limit     the user's fair share (Redis alone, before any database work)
 *   5. compose   config + conversation → system prompt and window; sizes the call
 *      limit     the tenant's requests/min and the tokens/min room, together
 *   6. reserve   the ledger row ('started') + the quota bound (batched per tenant), beside
 *                the tokens/min charge (either refusing undoes the other)
 *   7. call      behind the scheduler, retries reserving their own rows; streamed out
 *                through the leak watch (canary, verbatim prompt), which cuts a leaking reply
 *   8. record    messages + every attempt's settlement + quota, one write (or the outbox)
 *   9. correct   tokens/min to what was used; account headroom from the response headers
 *
 * No database transaction is held across the upstream call.
 */
export async function startChatTurn(caller: Caller, request: ChatRequest, signal: AbortSignal, options: { limiter?: RateLimiter } = {}): Promise<ReadableStream<Uint8Array>> {
  // 3. screen (lib/pipeline/screen.ts): a block throws a 422 here, before any limit, ledger
  // row or upstream call; a flag is recorded as a security event under this request id.
  const requestId = newRequestId();
  const message = request.message ?? "";
  await enforceScreenPolicy(caller, message, screenMessage(message), { requestId, source: "chat" });

  // 4. limit: the user's fair share before anything touches the database (a flood is
  // refused by Redis alone); requests/min and the tokens/min room once the turn is sized.
  const plan = await getPlan(caller.planId);
  const admission: AdmissionContext = { tenantId: caller.tenantId, userId: caller.userId, plan, limiter: options.limiter };
  // The share check and the compose read go out together (one wait instead of two): a turn
  // the share refuses costs a read it did not need, never a write. A message asking to be
  // remembered (compose stores the fact) waits for the share first, as every turn did before.
  const sharing = checkUserShare(admission);
  const composeWrites = !request.retry && detectRememberRequest((request.message ?? "").trim()) !== null;
  if (composeWrites) await sharing;
  // With vectors on, the new message is embedded before the compose transaction opens (beside
  // the share check): no pooled connection waits on the provider. Null: full text only.
  // A retry learns its text from the turn's own statement, too late to embed outside the
  // transaction: it searches full text only.
  const preparing = request.retry ? Promise.resolve(null) : prepareTurnVectors(caller.tenantId, (request.message ?? "").trim());
  // The user's previous turn may still be writing (its answer ended before its commit): its
  // messages are this turn's history, so the compose read waits for it (at once when none is;
  // not for the previous answer's sources, which only the page shows).
  const composing = Promise.all([preparing, turnWritesSettled(caller, { extras: false })])
    .then(([vectors]) => withScopeSql({ kind: "tenant", tenantId: caller.tenantId, userId: caller.userId }, (db) => composeTurn(db, caller, request, plan, { vectors })))
    .catch(async (error: unknown) => {
      // A cached identity whose statement failed: if it no longer holds, that is the answer
      // (its 404), not the error. Checked once the transaction has let its connection go.
      if (!(error instanceof AppError && error.code === "not_found")) await caller.unverified?.confirm();
      throw error;
    });
  const [, turn] = await settleInOrder<[void, ComposedTurn]>(sharing, composing);
  const tokens = turn.estimatedInputTokens + turn.maxTokens;
  // A free workspace's quota starts once an owner has verified their email (no free
  // workspaces in bulk from unverified addresses); a paid plan is its own proof.
  const unverified = plan.monthlyPriceMicros === 0n && !turn.ownerVerified;
  const emailUnverified = () =>
    new AppError("email_unverified", "Verify your email address to start this workspace's free quota. We sent you a link; you can resend it from your account page.");
  let charge: TokenCharge | null = null;
  // Requests/min, the tokens/min room and the charge in one Redis round trip where the store
  // allows (lib/limits/api-admission.ts), and 6. the reservation beside it (one wait, not two);
  // a refused admission withdraws the reservation, a refused reservation refunds the charge,
  // so nothing is left behind. An unverified free workspace is refused before either.
  if (unverified) throw emailUnverified();
  if ((options.limiter ?? defaultRateLimiter()).scriptStore?.()) {
    const ledger = ledgerRequest(caller, turn, plan, requestId);
    const reserving = reserveRequest(ledger).then(() => null, (error: unknown) => ({ error }));
    const admitted = await admitApiInOneTrip(admission, tokens, null, { share: false }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const quota = await reserving;
    const oneTrip = "value" in admitted ? admitted.value : undefined;
    if (oneTrip?.kind === "admitted") {
      if (quota) {
        await correctTokens(oneTrip.charge, 0, options.limiter).catch(() => {});
        throw quota.error;
      }
      charge = oneTrip.charge;
    } else {
      // Refused, or the script could not run (then the per-check path below decides): undo the reservation.
      if (!quota) await withdrawRequest(caller, requestId);
      if ("error" in admitted) throw admitted.error;
    }
  }
  if (!charge) {
    await settleInOrder(admitTenantRequests(admission), checkTokenRoom(admission, tokens));
    // 6. reserve, beside the tokens/min charge (one round trip each, at once); either refusing
    // undoes the other, so nothing is left behind.
    charge = await reserveAndCharge(ledgerRequest(caller, turn, plan, requestId), admission, tokens);
  }
  // The context's background work (summaries, memory proposals), only for a turn that is going ahead.
  for (const job of turn.backgroundJobs) enqueueContextJob(job);

  return openEventStream<ChatStreamEvent>(signal, async (send, abortSignal) => {
    send({
      type: "start",
      conversationId: turn.conversationId,
      title: turn.title,
      userMessageId: turn.userMessageId,
      requestId,
      model: turn.model,
      simulated: describeClaudeBackend() === "simulator",
      ...(turn.sources.length > 0 ? { sources: turn.sources } : {}),
    });

    const startedAt = new Date();
    // Leak watch (lib/pipeline/leak-guard.ts): the reply is released through it; a leak cuts the call.
    const guard = guardReply(caller, turn, requestId, abortSignal);
    const { final: streamed, attempts } = await callClaude({
      priority: "interactive",
      tenantId: caller.tenantId,
      userId: caller.userId,
      conversationId: turn.conversationId,
      requestId,
      requestType: "chat",
      model: turn.model,
      maxTokens: turn.maxTokens,
      system: turn.system,
      messages: turn.messages,
      estimatedInputTokens: turn.estimatedInputTokens,
      signal: guard.signal,
      onText: (text) => {
        const safe = guard.release(text);
        if (safe) send({ type: "delta", text: safe });
      },
      ledger: {
        reserveRetry: (id) => reserveRequest(ledgerRequest(caller, turn, plan, id)),
        withdraw: (id) => withdrawRequest(caller, id),
      },
    });

    const { final, tail, cut } = await guard.finish(streamed);
    if (tail) send({ type: "delta", text: tail });

    // 8. record: the write starts now and the answer's last event goes out beside it; the
    // user's reads wait for the write (lib/chat/turn-writes.ts), the response does not.
    const recorded = await recordChatTurn(caller, turn, { final, attempts, startedAt });
    // The answer's sources, kept with it for the next time the conversation is opened (once its message is written).
    const keepingSources =
      turn.sources.length > 0 && final.text !== ""
        ? recorded.written.then(async (written) => {
            if (written?.conversationFound) await saveMessageSources(caller, turn.assistantMessageId, turn.sources).catch((error: unknown) => console.error("[bulkhead] sources of an answer not saved", error));
          })
        : null;
    if (keepingSources) trackTurnWrite(caller, keepingSources, "extras");
    const last = recorded.events.at(-1);
    if (cut) {
      send({ type: "error", error: { code: "reply_cut", message: REPLY_CUT_MESSAGE }, assistantMessageId: turn.assistantMessageId });
    } else if (final.status === "error") {
      send({ type: "error", error: upstreamError(final), assistantMessageId: turn.assistantMessageId });
    } else {
      send({
        type: "done",
        status: final.status,
        assistantMessageId: turn.assistantMessageId,
        usage: { inputTokens: final.usage.inputTokens, outputTokens: final.usage.outputTokens, costMicros: (last?.costMicros ?? 0n).toString() },
        stopReason: final.stopReason,
        estimated: final.estimated,
      });
    }

    // After the response is complete: the browser does not wait for the write or for Redis bookkeeping.
    return async () => {
      // Folded into the tenant's next admission, or sent within a few ms (lib/limits/api-admission.ts).
      await Promise.all([deferTokenCorrection(charge, recorded.usedTokens, options.limiter), recorded.written, keepingSources]);
      // Never awaited on anyone's behalf: it waits out Redis when Redis is slow.
      for (const a of attempts) void observeAccountHeaders(a.result.rateLimitHeaders);
    };
  });
}

function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, "")}`;
}

function ledgerRequest(caller: Caller, turn: ComposedTurn, plan: Plan, requestId: string): LedgerRequest {
  return {
    tenantId: caller.tenantId,
    requestId,
    userId: caller.userId,
    conversationId: turn.conversationId,
    requestType: "chat",
    model: turn.model,
    estimatedInputTokens: turn.estimatedInputTokens,
    maxTokens: turn.maxTokens,
    reserveTokens: turn.inputTokenBound + turn.maxTokens,
    quota: plan.monthlyTokenQuota,
    at: new Date(),
    routing: turn.routing, // issue 14: the routing decision rides on the ledger row
  };
}

function upstreamError(result: TrackedResult): { code: string; message: string } {
  switch (result.errorType) {
    case "rate_limit_error":
    case "overloaded_error":
      return { code: "upstream_unavailable", message: "Claude is busy right now. Please retry in a moment." };
    case "timeout_error":
      return { code: "upstream_timeout", message: "Claude stopped responding, so the reply was cut off. Please retry." };
    case "connection_error":
      return { code: "upstream_unavailable", message: "Claude could not be reached. Please retry." };
    default:
      return { code: "upstream_error", message: "Claude could not answer this message. Please retry." };
  }
}
