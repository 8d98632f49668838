import { costMicros, type Price } from "@/lib/llm/pricing";
import type { RequestType, TrackedResult } from "@/lib/llm/tracked-call";

/**
 * A settled ledger row (usage_events): what one upstream request used, priced when it ended.
 * Every row was written as 'started' with its reservation before the request left
 * (lib/ledger/reserve.ts); settling it (lib/ledger/write-turn.ts) is the only writer of
 * its figures, for the turn, every outbox replay and the sweeper alike.
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
  /** Some figure is an estimate (abort, error after text, timeout, sweeper). */
  estimated: boolean;
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

export function buildUsageEvent(result: Pick<TrackedResult, "usage" | "latencyMs" | "ttftMs" | "status" | "errorType" | "estimated">, meta: UsageMeta, price: Price): UsageEventRow {
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
    estimated: result.estimated,
    createdAt: meta.endedAt ?? new Date(),
  };
}

/** Tokens a call counts against the monthly quota: everything the model processed. */
export function quotaTokens(usage: { inputTokens: number; outputTokens: number; cacheWriteTokens: number; cacheReadTokens: number }): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
}
