import { randomUUID } from "node:crypto";
import type { PreparedTurn } from "@/lib/chat/prepare-turn";
import type { TenantContext } from "@/lib/db/scope";
import type { ScopedSql } from "@/lib/db/sql";
import { describeClaudeBackend } from "@/lib/llm/anthropic-client";
import { callClaude } from "@/lib/llm/call-claude";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import { priceAt } from "@/lib/usage/price-book";
import { persistTurn } from "@/lib/usage/persist-turn";
import { buildUsageEvent } from "@/lib/usage/record-usage";

/**
 * Steps 7–8 of the request path: call Claude through the one tracked wrapper, stream the
 * reply to the browser as NDJSON (see components/chat/stream-events.ts), then write the
 * turn's messages and its usage event in one transaction. Runs to the end even when the
 * browser goes away: the upstream call is aborted and what was used is still recorded.
 */
export interface TurnHooks {
  /** Writes that must commit with the turn's messages and usage (quota settlement). */
  settleInTransaction?: (db: ScopedSql, attempts: TrackedResult[]) => Promise<void>;
  /** Called once the call has ended with every attempt's usage (token-limit correction, headroom). */
  onSettled?: (attempts: TrackedResult[]) => Promise<void> | void;
}

const encoder = new TextEncoder();

export function runChatTurn(ctx: TenantContext, turn: PreparedTurn, requestSignal: AbortSignal, hooks: TurnHooks = {}): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort();
  requestSignal.addEventListener("abort", onRequestAbort, { once: true });
  const requestId = `req_${randomUUID().replace(/-/g, "")}`;
  let open = true;

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      // Lines wait in `pending` until flushed: deltas parsed from one upstream read go out
      // as one chunk (one socket write instead of one per delta); every other event flushes
      // at once, after whatever deltas came before it.
      let pending = "";
      let flushScheduled = false;
      const flush = () => {
        flushScheduled = false;
        if (!open || pending === "") return;
        const text = pending;
        pending = "";
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          open = false;
        }
      };
      const send = (event: { type: string; [field: string]: unknown }) => {
        if (!open) return;
        pending += `${JSON.stringify(event)}\n`;
        if (event.type !== "delta") flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          // After the I/O phase that delivered these deltas: coalesces, never holds one back.
          setImmediate(flush);
        }
      };
      send({
        type: "start",
        conversationId: turn.conversationId,
        title: turn.title,
        userMessageId: null,
        requestId,
        model: turn.model,
        simulated: describeClaudeBackend() === "simulator",
      });

      const startedAt = new Date();
      const { final: result, attempts } = await callClaude({
        priority: "interactive",
        tenantId: ctx.tenantId,
        userId: ctx.userId,
        conversationId: turn.conversationId,
        requestId,
        requestType: "chat",
        model: turn.model,
        maxTokens: turn.maxTokens,
        system: turn.system,
        messages: turn.messages,
        signal: abort.signal,
        onText: (text) => send({ type: "delta", text }),
      });
      requestSignal.removeEventListener("abort", onRequestAbort);

      // One usage event per attempt that reached the API (retried 429/529 included).
      const endedAt = new Date();
      const price = await priceAt(turn.model, endedAt);
      const events = attempts.map((a) =>
        buildUsageEvent(
          a.result,
          { tenantId: ctx.tenantId, requestId: a.requestId, userId: ctx.userId, conversationId: turn.conversationId, requestType: "chat", model: turn.model, endedAt },
          price,
        ),
      );
      // Aborted before any attempt started: nothing reached the API, nothing to bill, but
      // the turn is still stored so the user sees what happened.
      const event =
        events.at(-1) ??
        buildUsageEvent(result, { tenantId: ctx.tenantId, requestId, userId: ctx.userId, conversationId: turn.conversationId, requestType: "chat", model: turn.model, endedAt }, price);
      const billed = attempts.map((a) => a.result);
      try {
        const saved = await persistTurn(ctx, {
          conversationId: turn.conversationId,
          newConversation: turn.isNewConversation ? { title: turn.title, createdAt: startedAt } : undefined,
          userMessage: turn.persistUserMessage ? { content: turn.userText, createdAt: startedAt } : undefined,
          assistantMessage: { content: result.text, status: result.status === "completed" ? "complete" : result.status },
          usageEvent: event,
          priorAttempts: events.slice(0, -1),
          afterWrite: hooks.settleInTransaction ? (tx) => hooks.settleInTransaction!(tx, billed) : undefined,
        });
        if (result.status === "error") {
          send({ type: "error", error: upstreamError(result), assistantMessageId: saved.assistantMessageId });
        } else {
          send({
            type: "done",
            status: result.status,
            assistantMessageId: saved.assistantMessageId,
            usage: { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, costMicros: event.costMicros.toString() },
            stopReason: result.stopReason,
          });
        }
      } catch (error) {
        // persistTurn already put the usage event in the outbox; the reply itself is lost.
        console.error("[bulkhead] could not save chat turn", requestId, error);
        send({ type: "error", error: { code: "internal_error", message: "The reply could not be saved. Please try again." } });
      }
      if (open) {
        open = false;
        controller.close();
      }
      // After the response is complete: the browser does not wait for Redis bookkeeping.
      try {
        await hooks.onSettled?.(billed);
      } catch (error) {
        console.error("[bulkhead] settling a chat turn failed", requestId, error);
      }
    },
    cancel() {
      // The browser went away (or pressed stop): abort upstream; start() still records usage.
      open = false;
      abort.abort();
    },
  });
}

function upstreamError(result: TrackedResult): { code: string; message: string } {
  switch (result.errorType) {
    case "rate_limit_error":
    case "overloaded_error":
      return { code: "upstream_unavailable", message: "Claude is busy right now. Please retry in a moment." };
    case "timeout_error":
    case "connection_error":
      return { code: "upstream_unavailable", message: "Claude could not be reached. Please retry." };
    default:
      return { code: "upstream_error", message: "Claude could not answer this message. Please retry." };
  }
}
