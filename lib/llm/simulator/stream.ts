import { formatSseEvent, type SseWriter } from "./sse";
import type { ApiUsage } from "./message";
import type { LimitedReply } from "./reply";

/**
 * The Messages API event sequence for one text reply:
 * message_start, content_block_start, ping, content_block_delta × N, content_block_stop,
 * message_delta, message_stop — or, for the "midstream" fault, an `error` event after a
 * few deltas.
 */
export interface StreamPlan {
  id: string;
  model: string;
  requestId: string;
  usage: ApiUsage;
  reply: LimitedReply;
  chunks: readonly string[];
  /** Pause before each delta; 0 writes the whole stream at once. */
  delayMs: number;
  midstream: boolean;
  /** Silence after the first delta (Infinity: until the client hangs up); null = none. */
  stallMs?: number | null;
  /** message_delta usage with only output_tokens, plus fields newer than the SDK. */
  minimalUsage?: boolean;
}

export interface StreamResult {
  outcome: "completed" | "aborted" | "error";
  /** Characters of text actually sent, to bill an interrupted stream by what left. */
  sentChars: number;
}

const MIDSTREAM_DELTAS = 3;

export async function writeMessageStream(writer: SseWriter, plan: StreamPlan): Promise<StreamResult> {
  const deltaCount = plan.midstream ? Math.min(MIDSTREAM_DELTAS, plan.chunks.length) : plan.chunks.length;
  const head = [
    formatSseEvent("message_start", messageStart(plan)),
    formatSseEvent("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    }),
    formatSseEvent("ping", { type: "ping" }),
  ];
  const tail = plan.midstream ? [midstreamError(plan.requestId)] : closing(plan);

  if (plan.delayMs <= 0 && !plan.stallMs) {
    const deltas = plan.chunks.slice(0, deltaCount).map(delta);
    writer.sendFormatted([...head, ...deltas, ...tail]);
    writer.end();
    return { outcome: plan.midstream ? "error" : "completed", sentChars: sumLength(plan.chunks, deltaCount) };
  }

  writer.sendFormatted(head);
  let sentChars = 0;
  for (let i = 0; i < deltaCount; i++) {
    const chunk = plan.chunks[i] ?? "";
    if ((plan.delayMs > 0 && !(await writer.pause(plan.delayMs))) || !writer.sendFormatted([delta(chunk)])) {
      return { outcome: "aborted", sentChars };
    }
    sentChars += chunk.length;
    if (i === 0 && plan.stallMs && !(await writer.pause(plan.stallMs))) return { outcome: "aborted", sentChars };
  }
  if (!writer.sendFormatted(tail)) return { outcome: "aborted", sentChars };
  writer.end();
  return { outcome: plan.midstream ? "error" : "completed", sentChars };
}

function messageStart(plan: StreamPlan) {
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation, service_tier } = plan.usage;
  if (plan.minimalUsage) {
    return {
      type: "message_start",
      message: {
        id: plan.id, type: "message", role: "assistant", model: plan.model, content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens: 1, server_tool_use: { web_search_requests: 0 } },
      },
    };
  }
  return {
    type: "message_start",
    message: {
      id: plan.id,
      type: "message",
      role: "assistant",
      model: plan.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens,
        cache_creation_input_tokens,
        cache_read_input_tokens,
        cache_creation,
        output_tokens: 1,
        service_tier,
      },
    },
  };
}

function delta(text: string): string {
  return formatSseEvent("content_block_delta", {
    type: "content_block_delta",
    index: 0,
    delta: { type: "text_delta", text },
  });
}

function closing(plan: StreamPlan): string[] {
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = plan.usage;
  if (plan.minimalUsage) {
    return [
      formatSseEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
      formatSseEvent("message_delta", {
        type: "message_delta",
        delta: { stop_reason: plan.reply.stopReason, stop_sequence: plan.reply.stopSequence },
        usage: { output_tokens, output_tokens_details: { reasoning_tokens: 0 } },
      }),
      formatSseEvent("message_stop", { type: "message_stop" }),
    ];
  }
  return [
    formatSseEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
    formatSseEvent("message_delta", {
      type: "message_delta",
      delta: { stop_reason: plan.reply.stopReason, stop_sequence: plan.reply.stopSequence },
      // Cumulative totals, as the API sends them now; the SDK overwrites, never adds.
      usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens },
    }),
    formatSseEvent("message_stop", { type: "message_stop" }),
  ];
}

function midstreamError(requestId: string): string {
  return formatSseEvent("error", {
    type: "error",
    error: { type: "overloaded_error", message: "Overloaded (simulated mid-stream error)" },
    request_id: requestId,
  });
}

function sumLength(chunks: readonly string[], count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += chunks[i]?.length ?? 0;
  return total;
}
