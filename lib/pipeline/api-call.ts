import { randomUUID } from "node:crypto";
import type { Message, MessageParam, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import { AppError } from "@/lib/api/errors";
import type { ApiKeyScope } from "@/lib/api-keys/scopes";
import { callerSystemBlock, type SystemTextBlock } from "@/lib/context/system-prompt";
import { withScopeSql } from "@/lib/db/sql";
import { trackTurnWrite } from "@/lib/chat/turn-writes";
import { reserveRequest, withdrawRequest, type LedgerRequest, type LedgerRouting } from "@/lib/ledger/reserve";
import { admitApiInOneTrip, deferTokenCorrection } from "@/lib/limits/api-admission";
import { buildUsageEvent, quotaTokens } from "@/lib/ledger/usage-event";
import { writeTurnCarried } from "@/lib/ledger/write-turn";
import { observeAccountHeaders } from "@/lib/limits/account-headroom";
import { admitShareAndRoom, admitTenantRequests, correctTokens, type AdmissionContext, type TokenCharge } from "@/lib/limits/admission";
import { reserveAndCharge } from "@/lib/pipeline/reserve-step";
import { defaultRateLimiter, type RateLimiter } from "@/lib/limits/rate-limit";
import { callClaude, type AttemptRecord } from "@/lib/llm/call-claude";
import { modelForTier, tierOfModel } from "@/lib/llm/models";
import { estimateInputTokens, inputTokenBound, type TokenCountable } from "@/lib/llm/tokens";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import { enforceScreenPolicy, screenMessage } from "@/lib/pipeline/screen";
import { tenantSnapshot, type TenantSnapshot } from "@/lib/pipeline/tenant-snapshot";
import { apiRouteInput, recordedDecision, routeForApi } from "@/lib/routing/route";
import { createLeakWatcher, type LeakReason, type LeakWatcher } from "@/lib/security/leak-watcher";
import { recordSecurityEvent } from "@/lib/security/security-events";
import { getPlan, type Plan } from "@/lib/tenancy/plans";
import { priceAt } from "@/lib/usage/price-book";
import { passthroughOf, type CountTokensRequest, type MessagesRequest } from "@/lib/gateway/messages-request";

/**
 * The tenant API's turn (POST /v1/messages), the same pipeline as the chat's
 * (lib/pipeline/chat-turn.ts) with the API's differences:
 *
 *   identify  the front door resolved the key (lib/gateway/identify.ts): tenant, key, plan
 *   3. screen the caller's last user turn, under the tenant's policy (off / flag / block)
 *   4. limit  the key's fair share (a key counts as one user) and the tenant's requests/min
 *   5. compose the tenant's cached prefix (lib/pipeline/tenant-snapshot.ts), then the
 *             caller's `system` in its own marked block, then the caller's messages as given
 *             (no stored history); the model within the plan ("auto": the router)
 *   6. reserve the ledger row (request_type 'api', the key's id) + the quota bound
 *      limit   tokens/min, charged with the estimate
 *   7. call   behind the scheduler; every stream event forwarded through the leak watch
 *   8. record after the response is complete: the ledger rows settled, tokens/min corrected
 *
 * prepareApiCall does 3–6 and throws an AppError before anything was reserved (or after
 * withdrawing what was); runApiCall does 7 and hands back `settle` for 8, which the front
 * door runs once the caller has its answer.
 */
export interface ApiCaller {
  tenantId: string;
  keyId: string;
  planId: string;
  scopes: readonly ApiKeyScope[];
  /** Who created the key (knowledge writes act with their authority). */
  createdById: string;
}

export interface PreparedApiCall {
  caller: ApiCaller;
  requestId: string;
  plan: Plan;
  snapshot: TenantSnapshot;
  model: string;
  routing?: LedgerRouting;
  maxTokens: number;
  system: SystemTextBlock[];
  messages: MessageParam[];
  passthrough: Record<string, unknown>;
  stream: boolean;
  estimatedInputTokens: number;
  inputTokenBound: number;
  admission: AdmissionContext;
  charge: TokenCharge;
}

export interface ApiCallOutcome {
  /** The last attempt (bill from attempts, never from this). */
  final: TrackedResult;
  /** The non-streaming reply, when the call completed and nothing was cut. */
  message?: Message;
  /** Its JSON as the upstream sent it, when known: what the front door forwards. */
  messageJson?: string;
  cut: LeakReason | null;
  /** Record and correct (step 8): run after the caller has the answer. Never throws. */
  settle(): Promise<void>;
}

export interface PrepareOptions {
  limiter?: RateLimiter;
  /** The key's revocation check, not yet made (lib/api-keys/cache.ts lookupDeferred). Default: nothing to check. */
  key?: KeyCheck;
}

/**
 * A key whose revocation check is still to be made: inside the one-trip admission (its
 * marker, lib/limits/api-admission.ts) or on its own. Nothing of the request takes effect
 * before one of the two said the key is good.
 */
export interface KeyCheck {
  /** The key was just read from the database, which refuses revoked keys. */
  checked: boolean;
  /** The revocation marker to check in the admission's round trip, or null. */
  marker: string | null;
  /** The check on its own (memoised): resolves when valid, rejects with the 401 when not. */
  confirm(): Promise<void>;
  /** The admission found the key revoked: the error to throw (the cache entry is dropped). */
  revoked(): Error;
}

const CHECKED_KEY: KeyCheck = { checked: true, marker: null, confirm: () => Promise.resolve(), revoked: () => new AppError("unauthorized", "invalid x-api-key") };

export async function prepareApiCall(caller: ApiCaller, request: MessagesRequest, options: PrepareOptions = {}): Promise<PreparedApiCall> {
  const requestId = newRequestId();
  const key = options.key ?? CHECKED_KEY;

  // 3. screen: the caller's newest user turn is what might carry an injection. Only a
  // suspicious message costs a database round trip, and only once the key is known good.
  const screened = lastUserText(request.messages);
  const verdict = screened ? screenMessage(screened) : null;
  if (verdict && verdict.verdict !== "allow") {
    await key.confirm();
    await enforceScreenPolicy({ tenantId: caller.tenantId, userId: "", planId: caller.planId }, screened, verdict, { requestId, source: "api", apiKeyId: caller.keyId });
  }

  const [plan, snapshot] = await Promise.all([getPlan(caller.planId), tenantSnapshot(caller.tenantId)]);
  if (!snapshot) throw new AppError("internal_error", "This workspace has no assistant configuration.");

  // 5. compose (before the limits: tokens/min admits the request's own estimate)
  const { model, routing } = resolveModel(request, snapshot, plan);
  const composed = composeApiPrompt(snapshot, request);
  const maxTokens = Math.min(request.max_tokens, plan.maxTokensCap);
  const countable = { ...composed, tools: request.tools ?? undefined } as TokenCountable;
  const admission: AdmissionContext = { tenantId: caller.tenantId, userId: `key:${caller.keyId}`, plan, limiter: options.limiter };
  const prepared = {
    caller, requestId, plan, snapshot, model, routing, maxTokens, admission,
    passthrough: passthroughOf(request),
    system: composed.system,
    messages: composed.messages,
    stream: request.stream === true,
    estimatedInputTokens: estimateInputTokens(countable),
    inputTokenBound: inputTokenBound(countable),
  };
  const tokens = prepared.estimatedInputTokens + maxTokens;

  const unverified = plan.monthlyPriceMicros === 0n && !snapshot.ownerVerified;
  const ledger = ledgerRequest(prepared, requestId);

  // 4. limit, in one Redis round trip where the store allows (lib/limits/api-admission.ts):
  // the key's revocation marker, its share, the tokens/min room, the tenant's requests/min
  // and the tokens/min charge; 6. the reservation, one PostgreSQL round trip, beside it (at
  // once: one wait instead of two). Any refusal undoes the other: a refused admission (a
  // revoked key included) withdraws the reservation, a refused reservation refunds the
  // charge, so nothing is left behind. An unverified free workspace goes one step after the
  // other (its answer must not reach a revoked key first).
  const limiter = admission.limiter ?? defaultRateLimiter();
  if (limiter.scriptStore?.()) {
    const alongside = !unverified;
    const reserving = alongside ? reserveRequest(ledger).then(() => null, (error: unknown) => ({ error })) : null;
    const confirming = !key.checked && key.marker === null ? key.confirm().then(() => null, (error: unknown) => ({ error })) : null;
    const admitted = await admitApiInOneTrip(admission, tokens, key.checked ? null : key.marker).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const [quota, keyRefusal] = await Promise.all([reserving, confirming]);
    const oneTrip = "value" in admitted ? admitted.value : undefined;
    const charge = oneTrip?.kind === "admitted" ? oneTrip.charge : null;
    const refusal = oneTrip?.kind === "revoked" ? { error: key.revoked() } : (keyRefusal ?? ("error" in admitted ? admitted : null));
    if (refusal || oneTrip === null || (!alongside && unverified)) {
      // Refused (or the script could not run, or the workspace is unverified): undo, then answer.
      await Promise.all([
        reserving && !quota ? withdrawRequest(caller, requestId) : null,
        charge ? correctTokens(charge, 0, admission.limiter).catch(() => {}) : null,
      ]);
      if (refusal) throw refusal.error;
      if (unverified && charge) throw emailUnverified();
    } else if (charge) {
      if (quota) {
        await correctTokens(charge, 0, admission.limiter).catch(() => {});
        throw quota.error;
      }
      return { ...prepared, charge };
    }
  }

  // The per-check path (no TCP Redis, or it failed: the fallback limits decide): the key's
  // share and the tokens/min room with the key's revocation check, then the reservation
  // beside the tenant's requests/min and the tokens/min charge. Any refusal undoes the others.
  const keyValid = key.checked ? Promise.resolve() : key.confirm();
  keyValid.catch(() => {}); // awaited in admitShareAndRoom
  await admitShareAndRoom(admission, tokens, keyValid);
  if (unverified) throw emailUnverified();
  const charge = await reserveAndCharge(ledger, admission, tokens, [admitTenantRequests(admission)]);
  return { ...prepared, charge };
}

function emailUnverified(): AppError {
  return new AppError("email_unverified", "This workspace's free quota starts once an owner has verified their email address.");
}

export interface RunOptions {
  signal: AbortSignal;
  /**
   * Streaming only: each event to forward, already through the leak watch; `raw` is its data
   * as the upstream sent it when the watch passed it unchanged (forward that, not a re-serialisation).
   */
  onEvent?: (event: RawMessageStreamEvent, raw?: string) => void;
}

export async function runApiCall(prepared: PreparedApiCall, options: RunOptions): Promise<ApiCallOutcome> {
  const { caller, requestId } = prepared;
  const cutter = new AbortController();
  const guard = new ApiReplyGuard(prepared.snapshot, () => cutter.abort());
  const { final, attempts } = await callClaude({
    priority: "interactive",
    tenantId: caller.tenantId,
    requestId,
    requestType: "api",
    model: prepared.model,
    maxTokens: prepared.maxTokens,
    system: prepared.system,
    messages: prepared.messages,
    passthrough: prepared.passthrough,
    stream: prepared.stream,
    estimatedInputTokens: prepared.estimatedInputTokens,
    signal: AbortSignal.any([options.signal, cutter.signal]),
    onEvent: options.onEvent
      ? (event, raw) => {
          for (const out of guard.filter(event)) options.onEvent!(out, out === event ? raw : undefined);
        }
      : undefined,
    ledger: {
      reserveRetry: (id) => reserveRequest(ledgerRequest(prepared, id)),
      withdraw: (id) => withdrawRequest(caller, id),
    },
  });
  if (final.message) guard.checkMessage(final.message);
  const cut = guard.cut;
  return {
    final,
    message: cut ? undefined : final.message,
    messageJson: cut ? undefined : final.messageJson,
    cut,
    settle: () => {
      const settled = settleApiCall(prepared, attempts, cut ? { reason: cut, text: guard.emitted } : null);
      // A stopping server waits for it (scripts/serve.mjs): the caller has its answer already.
      trackTurnWrite({ tenantId: caller.tenantId, userId: `key:${caller.keyId}` }, settled);
      return settled;
    },
  };
}

async function settleApiCall(prepared: PreparedApiCall, attempts: AttemptRecord[], cut: { reason: LeakReason; text: string } | null): Promise<void> {
  const { caller, requestId } = prepared;
  try {
    const endedAt = new Date();
    const price = await priceAt(prepared.model, endedAt);
    const events = attempts.map((a) =>
      buildUsageEvent(a.result, { tenantId: caller.tenantId, requestId: a.requestId, requestType: "api", model: prepared.model, endedAt }, price),
    );
    // writeTurn sends the whole write to the outbox itself if the database cannot take it.
    // Carried on the tenant's next reservation, or alone within a few ms (lib/ledger/write-turn.ts).
    await writeTurnCarried({ tenantId: caller.tenantId, userId: null, messages: null, events }).catch((error: unknown) => {
      console.error(`[bulkhead] /v1 ${requestId}: usage went to the outbox`, error instanceof Error ? error.message : error);
    });
    if (cut) {
      await withScopeSql({ kind: "tenant", tenantId: caller.tenantId, userId: "" }, (db) =>
        recordSecurityEvent(db, caller.tenantId, "", "cut", { requestId, source: "api", score: 100, reasons: [cut.reason], text: cut.text, apiKeyId: caller.keyId }),
      );
    }
    // Folded into the tenant's next admission, or sent within a few ms (lib/limits/api-admission.ts).
    await deferTokenCorrection(prepared.charge, events.reduce((sum, e) => sum + quotaTokens(e), 0), prepared.admission.limiter);
    for (const a of attempts) void observeAccountHeaders(a.result.rateLimitHeaders);
  } catch (error) {
    console.error(`[bulkhead] /v1 ${requestId}: settling failed`, error);
  }
}

/** POST /v1/messages/count_tokens: the count of what would really be sent (prefix included). */
export async function composeForCount(caller: ApiCaller, request: CountTokensRequest): Promise<{ model: string; system: SystemTextBlock[]; messages: MessageParam[] }> {
  const plan = await getPlan(caller.planId);
  const snapshot = await tenantSnapshot(caller.tenantId);
  if (!snapshot) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  const { model } = resolveModel(request, snapshot, plan);
  return { model, ...composeApiPrompt(snapshot, request) };
}

/**
 * The model a request may use: an id the price book knows whose tier the plan allows, or
 * "auto" (the router, up to the tenant's configured tier within the plan). An unknown id
 * is a 404 and a tier outside the plan a 403, as the Messages API answers them.
 */
export function resolveModel(request: Pick<MessagesRequest, "model" | "messages">, snapshot: Pick<TenantSnapshot, "modelTier">, plan: Pick<Plan, "allowedTiers">): { model: string; routing?: LedgerRouting } {
  if (request.model === "auto") {
    const decision = routeForApi(apiRouteInput(request.messages), { modelTier: snapshot.modelTier }, plan);
    return { model: decision.model, routing: recordedDecision(decision) };
  }
  const tier = tierOfModel(request.model);
  if (!tier) throw new AppError("not_found", `model: ${request.model}`);
  if (!plan.allowedTiers.includes(tier)) {
    const allowed = plan.allowedTiers.map(modelForTier).join(", ");
    throw new AppError("forbidden", `Your plan does not include ${request.model}. Models on your plan: ${allowed}, or "auto".`);
  }
  return { model: request.model };
}

function composeApiPrompt(snapshot: TenantSnapshot, request: Pick<MessagesRequest, "system" | "messages">): { system: SystemTextBlock[]; messages: MessageParam[] } {
  const system = [...snapshot.systemPrefix];
  const callerSystem = request.system;
  if (typeof callerSystem === "string" ? callerSystem.trim() !== "" : (callerSystem?.length ?? 0) > 0) {
    const text = typeof callerSystem === "string" ? callerSystem : callerSystem!.map((b) => b.text).join("\n\n");
    const last = typeof callerSystem === "string" ? null : callerSystem!.at(-1)!.cache_control;
    system.push(callerSystemBlock(text, last ?? null));
  }
  return { system, messages: request.messages as MessageParam[] };
}

function lastUserText(messages: MessagesRequest["messages"]): string {
  const last = messages.findLast((m) => m.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  const parts: string[] = [];
  for (const block of last.content) {
    const b = block as { type: string; text?: unknown; content?: unknown };
    if (b.type === "text" && typeof b.text === "string") parts.push(b.text);
    // A tool result is text the caller's product fetched: pasted documents carry injections too.
    else if (b.type === "tool_result") {
      if (typeof b.content === "string") parts.push(b.content);
      else if (Array.isArray(b.content)) for (const c of b.content as { type?: string; text?: unknown }[]) if (c.type === "text" && typeof c.text === "string") parts.push(c.text);
    }
  }
  return parts.join("\n\n");
}

function ledgerRequest(p: Omit<PreparedApiCall, "charge">, requestId: string): LedgerRequest {
  return {
    tenantId: p.caller.tenantId,
    requestId,
    userId: null,
    conversationId: null,
    requestType: "api",
    model: p.model,
    estimatedInputTokens: p.estimatedInputTokens,
    maxTokens: p.maxTokens,
    reserveTokens: p.inputTokenBound + p.maxTokens,
    quota: p.plan.monthlyTokenQuota,
    at: new Date(),
    routing: p.routing,
    apiKeyId: p.caller.keyId,
  };
}

function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, "")}`;
}

/**
 * The leak watch on the API's stream (lib/security/leak-watcher.ts), one watcher per text
 * block: a text delta goes out with only the text that is safe so far (a delta that is all
 * held back is not sent), the held-back tail goes out as one more delta before the block's
 * content_block_stop, and every other event passes as it is. On a leak nothing more is
 * forwarded and the upstream call is cut; the front door ends the stream with an error event.
 */
class ApiReplyGuard {
  private readonly watchers = new Map<number, LeakWatcher>();
  cut: LeakReason | null = null;
  emitted = "";

  constructor(
    private readonly snapshot: TenantSnapshot,
    private readonly onCut: () => void,
  ) {}

  private watcher(index: number): LeakWatcher {
    let w = this.watchers.get(index);
    if (!w) {
      w = createLeakWatcher({ canary: this.snapshot.canary, protectedText: this.snapshot.protectedText, index: this.snapshot.protectedIndex });
      this.watchers.set(index, w);
    }
    return w;
  }

  private leak(reason: LeakReason): RawMessageStreamEvent[] {
    this.cut ??= reason;
    this.onCut();
    return [];
  }

  filter(event: RawMessageStreamEvent): RawMessageStreamEvent[] {
    if (this.cut) return [];
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
      const check = this.watcher(event.index).push(event.delta.text);
      if (check.leak) return this.leak(check.leak);
      if (check.emit === "") return [];
      this.emitted += check.emit;
      return check.emit === event.delta.text ? [event] : [{ ...event, delta: { ...event.delta, text: check.emit } }];
    }
    if (event.type === "content_block_stop" && this.watchers.has(event.index)) {
      const w = this.watchers.get(event.index)!;
      const tail = w.flush();
      if (w.leak) return this.leak(w.leak);
      if (tail === "") return [event];
      this.emitted += tail;
      return [{ type: "content_block_delta", index: event.index, delta: { type: "text_delta", text: tail } }, event];
    }
    return [event];
  }

  /** A whole reply (JSON): every text block through its own watcher. */
  checkMessage(message: Message): void {
    message.content.forEach((block, index) => {
      if (block.type !== "text" || this.cut) return;
      const w = this.watcher(index);
      const check = w.push(block.text);
      if (check.leak) return void this.leak(check.leak);
      w.flush();
      if (w.leak) this.leak(w.leak);
    });
  }
}

