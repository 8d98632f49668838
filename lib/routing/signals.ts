import type { ModelTier } from "@/lib/db/generated/enums";
import { withTenant, type TenantContext, type Tx } from "@/lib/db/scope";
import { withScopeSql, type ScopedSql } from "@/lib/db/sql";
import { modelForTier } from "@/lib/llm/models";
import { TIER_ORDER, wasRoutedDown } from "@/lib/routing/escalate";
import { foldUsageRollups } from "@/lib/usage/fold";

/**
 * Escalation as a signal against the router (issue 14, item 3; table routing_signals,
 * 0017_routing_signals): the previous answer's routing decision, the signal written when a
 * routed-down answer is regenerated on a stronger model, and the rate the admin sees.
 */
export interface PreviousAnswer {
  requestId: string;
  model: string;
  /** The tier that answered (the recorded decision, or the model's tier for rows from before routing). */
  tier: ModelTier | null;
  defaultTier: ModelTier | null;
  reason: string | null;
}

interface PreviousAnswerRow {
  request_id: string;
  model: string;
  route_tier: ModelTier | null;
  route_default_tier: ModelTier | null;
  route_reason: string | null;
}

/**
 * The ledger row of the conversation's last assistant message. The message is written with
 * the call's end time, which is also its events' created_at (lib/pipeline/record.ts), so the
 * events are found on the (tenant_id, created_at) index within a one-second window — no index
 * on conversations is needed on the ledger's hot table. Of a turn's attempts (a retried 429
 * has its own row) the one that answered wins over failed ones.
 */
const PREVIOUS_ANSWER_SQL = `
SELECT e.request_id, e.model, e.route_tier, e.route_default_tier, e.route_reason
  FROM (SELECT m.created_at FROM messages m
         WHERE m.tenant_id = $1::uuid AND m.conversation_id = $2::uuid AND m.user_id = $3::uuid AND m.role = 'assistant'
         ORDER BY m.created_at DESC LIMIT 1) a
  CROSS JOIN LATERAL (
    SELECT e.request_id, e.model, e.route_tier, e.route_default_tier, e.route_reason
      FROM usage_events e
     WHERE e.tenant_id = $1::uuid AND e.created_at BETWEEN a.created_at - interval '1 second' AND a.created_at
       AND e.conversation_id = $2::uuid AND e.request_type = 'chat' AND e.status <> 'started'
     ORDER BY (e.status = 'error'), e.created_at DESC, e.request_id DESC
     LIMIT 1) e`;

/** Rows from before routing: the tier whose model answered (today's tier table); null for another model. */
const tierServing = (model: string): ModelTier | null => TIER_ORDER.find((t) => modelForTier(t) === model) ?? null;

export async function findPreviousAnswer(db: ScopedSql, ctx: TenantContext, conversationId: string): Promise<PreviousAnswer | null> {
  const [row] = await db.query<PreviousAnswerRow>(PREVIOUS_ANSWER_SQL, [ctx.tenantId, conversationId, ctx.userId]);
  if (!row) return null;
  return { requestId: row.request_id, model: row.model, tier: row.route_tier ?? tierServing(row.model), defaultTier: row.route_default_tier, reason: row.route_reason };
}

/** The model of the conversation's last answer, inside the chat page's own read (which tells the page whether it can escalate). */
export async function lastAnswerModel(tx: Tx, ctx: TenantContext, conversationId: string): Promise<string | null> {
  const [row] = await tx.$queryRawUnsafe<PreviousAnswerRow[]>(PREVIOUS_ANSWER_SQL, ctx.tenantId, conversationId, ctx.userId);
  return row?.model ?? null;
}

/** What a regenerate on a stronger model records, decided at compose time. */
export interface RoutingSignal {
  conversationId: string;
  originalRequestId: string;
  originalTier: ModelTier;
  newTier: ModelTier;
  reason: string;
}

/**
 * A signal only when the router sent the previous answer below the tier default: a
 * regenerate of an answer that already had the default (fixed tier, capped), or of an
 * answer that was itself a regenerate, says nothing against the router's choice.
 */
export function signalFor(previous: PreviousAnswer, conversationId: string, newTier: ModelTier): RoutingSignal | null {
  if (!previous.tier || !previous.defaultTier || !previous.reason || previous.reason === "escalated") return null;
  if (!wasRoutedDown(previous.tier, previous.defaultTier)) return null;
  return { conversationId, originalRequestId: previous.requestId, originalTier: previous.tier, newTier, reason: previous.reason };
}

const INSERT_SIGNAL_SQL = `
INSERT INTO routing_signals (tenant_id, user_id, conversation_id, original_request_id, request_id, original_tier, new_tier, reason)
VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::"ModelTier", $7::"ModelTier", $8)`;

/**
 * Written once the regenerated answer is recorded; idempotent by its request id. (Not ON
 * CONFLICT DO NOTHING: that needs the existing row to pass the SELECT policy, and members
 * may not read signals. A duplicate is a unique violation, taken as already recorded.)
 */
export async function recordRoutingSignal(ctx: TenantContext, requestId: string, signal: RoutingSignal): Promise<void> {
  try {
    await withScopeSql({ kind: "tenant", ...ctx }, (db) =>
      db.query(
        INSERT_SIGNAL_SQL,
        [ctx.tenantId, ctx.userId, signal.conversationId, signal.originalRequestId, requestId, signal.originalTier, signal.newTier, signal.reason],
        { commit: true },
      ),
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return;
    throw error;
  }
}

const UNIQUE_VIOLATION = "23505";

export interface EscalationRate {
  days: number;
  /** Regenerates on a stronger model after a routed-down chat answer. */
  escalations: number;
  /** Chat answers the router sent below the tier default. */
  routedDown: number;
  /** escalations / routedDown; null with no routed-down answers. */
  rate: number | null;
}

export const ESCALATION_RATE_DAYS = 30;

/**
 * The admin console's figure over the last 30 days: signals from routing_signals, routed-down
 * answers from the routing rollup (tenant-local days; folded first, so it equals the events).
 * Admins and owners only (the signals' policy).
 */
export async function getEscalationRate(ctx: TenantContext, now: Date = new Date(), days = ESCALATION_RATE_DAYS): Promise<EscalationRate> {
  const row = await withTenant(ctx, async (tx) => {
    await foldUsageRollups(tx, ctx.tenantId);
    const [r] = await tx.$queryRaw<Array<{ escalations: bigint; routed_down: bigint | null }>>`
      SELECT (SELECT count(*) FROM routing_signals s
               WHERE s.tenant_id = ${ctx.tenantId}::uuid AND s.created_at > ${now}::timestamptz - make_interval(days => ${days}::int)) AS escalations,
             (SELECT sum(r.requests) FROM usage_routing_daily r JOIN tenants t ON t.id = r.tenant_id
               WHERE r.tenant_id = ${ctx.tenantId}::uuid AND r.request_type = 'chat' AND r.route_tier < r.default_tier
                 AND r.day > ((${now}::timestamptz AT TIME ZONE t.time_zone)::date - ${days}::int)) AS routed_down`;
    return r;
  });
  const escalations = Number(row?.escalations ?? 0n);
  const routedDown = Number(row?.routed_down ?? 0n);
  return { days, escalations, routedDown, rate: routedDown > 0 ? escalations / routedDown : null };
}
