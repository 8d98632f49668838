import { AppError, errorResponse } from "@/lib/api/errors";
import { benchMessagesRequest, isLoopbackUrl } from "@/lib/bench/proxy-request";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

/**
 * The framework's floor for the chat path (bench/README.md): one fixed streaming Messages
 * request to the local simulator with plain fetch, its SSE body piped back untouched. No
 * session, database or SDK. Mounted only when BULKHEAD_BENCH=1 and the upstream is a
 * simulator on this machine; otherwise it does not exist.
 */
const upstream = env.BULKHEAD_BENCH === "1" && env.ANTHROPIC_BASE_URL && isLoopbackUrl(env.ANTHROPIC_BASE_URL)
  ? `${env.ANTHROPIC_BASE_URL.replace(/\/+$/, "")}/v1/messages`
  : null;

const body = JSON.stringify(benchMessagesRequest());

export async function POST(): Promise<Response> {
  if (!upstream) return errorResponse(new AppError("not_found", "Not found."));
  const res = await fetch(upstream, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": env.ANTHROPIC_API_KEY ?? "bench" },
    body,
  });
  // no-transform as on the chat route: otherwise Next gzips this text/event-stream (the chat
  // route's NDJSON is not gzipped) and the floor would carry a cost the real path does not.
  return new Response(res.body, {
    status: res.status,
    headers: { "content-type": res.headers.get("content-type") ?? "text/event-stream", "cache-control": "no-store, no-transform" },
  });
}
