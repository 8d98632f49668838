import { Readable } from "node:stream";
import type { IncomingMessage, ServerResponse } from "node:http";
import { getAuthSecret } from "@/lib/auth/secret";
import { sessionCookieName } from "@/lib/auth/session";
import { sessionTokenClaims, type SessionClaims } from "@/lib/auth/session-token";
import { chatRoute } from "@/lib/chat/chat-route";
import { allTurnWritesSettled } from "@/lib/chat/turn-writes";
import { releaseCarriedSettlements } from "@/lib/ledger/write-turn";
import { env } from "@/lib/env";
import { API_CONTENT_SECURITY_POLICY, securityHeaders } from "@/lib/security/headers";

/**
 * The chat front door ahead of Next's router (scripts/serve.mjs): the same route definition
 * as app/api/w/[slug]/chat (lib/chat/chat-route.ts: same-origin check, JSON-only bodies with
 * a byte cap, session → membership from the database, zod, the turn pipeline), without the
 * framework's per-request cost, which on this machine is as large as a whole gateway's
 * (bench gateway: proxy vs simulator). What Next's proxy would add, this adds: the API
 * routes' fixed security headers.
 *
 * The session cookie is read from the request (Next's cookies() needs its request scope);
 * its claims are checked against the database in the same statement as the membership,
 * exactly as on the Next route.
 */
export const CHAT_PATH = /^\/api\/w\/([^/?#]+)\/chat\/?(?:\?.*)?$/;

const handler = chatRoute(claimsFromCookie);
const fixed = { "content-security-policy": API_CONTENT_SECURITY_POLICY, ...lowerKeys(securityHeaders({ https: env.NEXTAUTH_URL?.startsWith("https://") ?? false })) };

export async function claimsFromCookie(req: Request): Promise<SessionClaims | null> {
  const raw = cookieValue(req.headers.get("cookie"), sessionCookieName());
  return raw ? sessionTokenClaims(raw, getAuthSecret()) : null;
}

function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export async function serveChat(req: IncomingMessage, res: ServerResponse, slug: string): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  const host = req.headers.host ?? "localhost";
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  const request = new Request(`http://${host}${req.url ?? "/"}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : (Readable.toWeb(req) as ReadableStream<Uint8Array>),
    signal: aborted.signal,
    // @ts-expect-error Node's fetch needs half duplex for a streamed request body (not in the DOM types).
    duplex: "half",
  });
  const response = method === "POST" ? await handler(request, { params: Promise.resolve({ slug: safeDecode(slug) }) }) : methodNotAllowed();
  const out: Record<string, string> = { ...fixed };
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  res.writeHead(response.status, out);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  // Chunks of one turn of the event loop (the answer's last deltas, its done line and the end
  // of the body) leave in one socket write, as the tenant API's SSE does (lib/gateway/http.ts).
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve).once("close", resolve));
      if (res.destroyed) break;
    }
  } finally {
    if (res.destroyed) await reader.cancel().catch(() => {});
    res.end();
  }
}

/**
 * On shutdown: the writes of answers already sent (the chat's turn writes, the tenant API's
 * carried settlements), so a stopping process does not leave them to the sweeper.
 */
export async function writesInFlight(): Promise<void> {
  await Promise.allSettled([allTurnWritesSettled(), releaseCarriedSettlements()]);
}

function methodNotAllowed(): Response {
  return Response.json({ error: { code: "bad_request", message: "Use POST." } }, { status: 405, headers: { allow: "POST" } });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "\u0000"; // refused by the route as an implausible slug (404)
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
