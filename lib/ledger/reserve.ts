import { AppError } from "@/lib/api/errors";
import type { ModelTier } from "@/lib/db/generated/enums";
import { querySelfScopedEach, withScopeSql } from "@/lib/db/sql";
import { takeCarriedSettlements } from "@/lib/ledger/write-turn";
import type { RequestType } from "@/lib/llm/tracked-call";

/**
 * Before a request leaves: its ledger row (status 'started') and its reservation against
 * the tenant's monthly quota. The reservation is an upper bound of what the call can cost
 * (lib/llm/tokens.ts inputTokenBound + max_tokens), admitted only while used + reserved +
 * it stays within the quota, checked under the quota row's lock: concurrent calls can never
 * take `used` past the quota. The quota month is the tenant's local month.
 *
 * A tenant's concurrent requests in this process are reserved together: while one
 * reservation is on its way to the database, the next ones queue, and all of them go in
 * the next call of reserve_requests() (0012_quota_settlements) — one round trip and one lock
 * of the quota row for the batch, like a group commit. A request alone goes at once. This is
 * what lets one tenant settle well over a thousand calls a second (bench: ledger).
 */
export interface LedgerRequest {
  tenantId: string;
  requestId: string;
  userId: string | null;
  conversationId: string | null;
  requestType: RequestType;
  model: string;
  /** The estimate of the input (what the sweeper bills if the process dies). */
  estimatedInputTokens: number;
  maxTokens: number;
  /** The upper bound held against the quota. */
  reserveTokens: number;
  quota: number;
  at: Date;
  /** The routing decision, stored on the ledger row (0014_routing); absent where nothing was routed. */
  routing?: LedgerRouting;
  /** The tenant API key the request came through (0022_api_ledger); absent for chat and jobs. */
  apiKeyId?: string | null;
}

export interface LedgerRouting {
  tier: ModelTier;
  defaultTier: ModelTier;
  defaultModel: string;
  score: number;
  reason: string;
}

interface Waiting {
  request: LedgerRequest;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Requests in one call of reserve_requests at most (the JSON argument stays small). */
const MAX_BATCH = 200;
const queues = new Map<string, Waiting[]>();

/**
 * reserve_requests() in the tenant's scope (role bh_tenant, app.tenant_id; no user: the rows
 * carry their users), set by the statement itself (0023_scoped_ledger_calls): one statement,
 * one round trip, one reply.
 */
const RESERVE_SQL = "SELECT r_request_id, r_admitted, r_next_period_at FROM scoped.reserve_requests($1::uuid, $2::timestamptz, $3::bigint, $4::json)";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resolves once the row and reservation are committed; a 429 naming the quota when they do not fit. */
export function reserveRequest(request: LedgerRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    // Same tenant and quota: one batch. (A plan change between two requests starts a new one.)
    const key = `${request.tenantId}:${request.quota}`;
    const waiting = queues.get(key);
    if (waiting) {
      waiting.push({ request, resolve, reject });
      return;
    }
    const queue: Waiting[] = [{ request, resolve, reject }];
    queues.set(key, queue);
    void drain(key, queue);
  });
}

async function drain(key: string, queue: Waiting[]): Promise<void> {
  try {
    while (queue.length > 0) await reserveBatch(queue.splice(0, MAX_BATCH));
  } finally {
    queues.delete(key);
  }
}

async function reserveBatch(batch: Waiting[], carry = true): Promise<void> {
  const first = batch[0]!.request;
  const payload = batch.map(({ request: r }, ord) => ({
    ord,
    request_id: r.requestId,
    user_id: r.userId,
    conversation_id: r.conversationId,
    request_type: r.requestType,
    model: r.model,
    estimated_input: r.estimatedInputTokens,
    max_tokens: r.maxTokens,
    reserve: r.reserveTokens,
    route_tier: r.routing?.tier,
    route_default_tier: r.routing?.defaultTier,
    route_default_model: r.routing?.defaultModel,
    route_score: r.routing?.score,
    route_reason: r.routing?.reason,
    api_key_id: r.apiKeyId ?? null,
  }));
  let rows: { r_request_id: string; r_admitted: boolean; r_next_period_at: Date | null }[];
  let settling: Promise<unknown> | null = null;
  try {
    if (!UUID.test(first.tenantId)) throw new Error("scope ids must be uuids");
    // The tenant's settlements waiting to be carried (the tenant API's, lib/ledger/write-turn.ts)
    // go in the same socket write, after the reservation: it is answered without waiting for them.
    const carried = carry ? takeCarriedSettlements(first.tenantId) : null;
    const reserve = { sql: RESERVE_SQL, params: [first.tenantId, first.at, first.quota, JSON.stringify(payload)] };
    const [reserving, settled] = await querySelfScopedEach(carried ? [reserve, carried] : [reserve]);
    if (carried && settled) {
      settling = settled.then(
        (value) => carried.complete({ status: "fulfilled", value }),
        (reason: unknown) => carried.complete({ status: "rejected", reason }),
      );
    }
    rows = (await reserving!) as typeof rows;
  } catch (error) {
    for (const w of batch) w.reject(error);
    return;
  }
  const admitted = new Map(rows.map((r) => [r.r_request_id, r]));
  const refused = batch.filter((w) => !admitted.get(w.request.requestId)?.r_admitted);
  // Refused while settlements rode behind: what they release was not yet room. Once more after them.
  if (settling && refused.length > 0) {
    for (const w of batch) if (!refused.includes(w)) w.resolve();
    await settling;
    await reserveBatch(refused, false);
    return;
  }
  for (const w of batch) {
    const row = admitted.get(w.request.requestId);
    if (row?.r_admitted) w.resolve();
    else w.reject(quotaExhausted(w.request.at, row?.r_next_period_at ?? null));
  }
}

function quotaExhausted(at: Date, nextPeriodAt: Date | null): AppError {
  const next = nextPeriodAt ? new Date(nextPeriodAt).getTime() : at.getTime() + 86_400_000;
  const retryAfterSeconds = Math.max(1, Math.ceil((next - at.getTime()) / 1000));
  return new AppError("rate_limited", "Your workspace has used this month's token quota. Ask an admin to upgrade the plan.", {
    headers: { "Retry-After": String(retryAfterSeconds) },
    extra: { limit: "monthly_quota", retryAfterSeconds },
  });
}

const WITHDRAW_SQL = `
WITH w AS (
  DELETE FROM usage_events WHERE tenant_id = $1::uuid AND request_id = $2::text AND status = 'started'
  RETURNING tenant_id, quota_period, reserved_tokens
)
INSERT INTO quota_settlements (tenant_id, period, released, used)
SELECT tenant_id, quota_period, reserved_tokens, 0 FROM w`;

/**
 * A request that never left (aborted in the queue, refused by tokens/min after reserving):
 * its row goes and its reservation is released, so it writes no event. A row already
 * settled is left alone.
 */
export async function withdrawRequest(who: { tenantId: string }, requestId: string): Promise<void> {
  await withScopeSql({ kind: "tenant", tenantId: who.tenantId, userId: "" }, (db) => db.query(WITHDRAW_SQL, [who.tenantId, requestId], { commit: true }));
}
