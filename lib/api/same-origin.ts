import { AppError } from "@/lib/api/errors";
import { env } from "@/lib/env";

/**
 * CSRF for cookie-authenticated JSON routes. A browser sends `Sec-Fetch-Site` with every
 * request and `Origin` with every cross-origin one and every POST; a request another site
 * makes the browser send carries that site's origin, and `Sec-Fetch-Site: cross-site`.
 * Requests without either header (curl, server-to-server) carry no ambient cookies a
 * victim's browser would add, so they are let through to authentication as usual.
 *
 * Together with requiring `Content-Type: application/json` (a cross-site form cannot send
 * it, and a cross-site fetch that does must pass a CORS preflight we never grant), a
 * forged request never reaches a handler.
 */
const ALLOWED_FETCH_SITES = new Set(["same-origin", "none"]);

export function assertSameOrigin(req: Request): void {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && !ALLOWED_FETCH_SITES.has(site)) throw forbidden();
  const origin = req.headers.get("origin");
  if (origin === null) return;
  if (!allowedOrigins(req).has(origin)) throw forbidden();
}

/** The request's own origin (Host as the browser sent it) and the configured public one. */
function allowedOrigins(req: Request): Set<string> {
  const origins = new Set<string>();
  try {
    origins.add(new URL(req.url).origin);
  } catch {
    // A request URL we cannot parse allows nothing from it.
  }
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  const proto = req.headers.get("x-forwarded-proto") ?? (req.url.startsWith("https:") ? "https" : "http");
  if (host) origins.add(`${proto}://${host}`);
  if (env.NEXTAUTH_URL) origins.add(new URL(env.NEXTAUTH_URL).origin);
  return origins;
}

function forbidden(): AppError {
  return new AppError("forbidden", "Cross-site requests are not accepted.");
}

/** JSON routes take JSON only: `text/plain` is what a cross-site form or simple fetch can send. */
export function assertJsonContentType(req: Request): void {
  const type = req.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new AppError("unsupported_media_type", "Send the request body as application/json.");
  }
}
