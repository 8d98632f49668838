import type { Tx } from "@/lib/db/scope";
import { costMicros, type Price } from "@/lib/llm/pricing";
import type { RequestType, TrackedResult } from "@/lib/llm/tracked-call";

/**
 * One usage event per upstream call, built from what the tracked wrapper measured, priced
 * when the call ended, and inserted idempotently on (tenant_id, request_id) so a retried
 * write (outbox replay, a second attempt after a timeout) can never count a call twice.
 */
export interface UsageEventRow {
  tenantId: string;
  requestId: string;
  userId: string | null;
  conversationId: string | null;
  requestType: RequestType;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  costMicros: bigint;
  priceMissing: boolean;
  priceId: string | null;
  status: TrackedResult["status"];
  errorType: string | null;
  /** When the call ended; set here so an outbox replay keeps the original time. */
  createdAt: Date;
}

export interface UsageMeta {
  tenantId: string;
  requestId: string;
  userId?: string | null;
  conversationId?: string | null;
  requestType: RequestType;
  model: string;
  /** Defaults to now. */
  endedAt?: Date;
}

export function buildUsageEvent(result: TrackedResult, meta: UsageMeta, price: Price): UsageEventRow {
  const { usage } = result;
  return {
    tenantId: meta.tenantId,
    requestId: meta.requestId,
    userId: meta.userId ?? null,
    conversationId: meta.conversationId ?? null,
    requestType: meta.requestType,
    model: meta.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    cacheWrite1hTokens: usage.cacheWrite1hTokens,
    cacheReadTokens: usage.cacheReadTokens,
    latencyMs: result.latencyMs,
    timeToFirstTokenMs: result.ttftMs,
    costMicros: costMicros(usage, price),
    priceMissing: price.priceMissing,
    priceId: price.id,
    status: result.status,
    errorType: result.errorType ?? null,
    createdAt: meta.endedAt ?? new Date(),
  };
}

/**
 * Inserts the event inside the caller's tenant-scoped transaction. ON CONFLICT DO NOTHING
 * (createMany + skipDuplicates): true when this call wrote the row, false if it existed.
 */
export async function recordUsage(tx: Tx, event: UsageEventRow): Promise<boolean> {
  const { count } = await tx.usageEvent.createMany({ data: [event], skipDuplicates: true });
  return count === 1;
}
