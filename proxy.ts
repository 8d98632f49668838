import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { API_CONTENT_SECURITY_POLICY, contentSecurityPolicy, newNonce, securityHeaders } from "@/lib/security/headers";

/**
 * Next 16's request proxy (formerly middleware): a fresh CSP nonce and the security
 * headers on every response, pages, API routes and static assets alike
 * (lib/security/headers.ts says why each).
 */
const options = { https: env.NEXTAUTH_URL?.startsWith("https://") ?? false, dev: env.NODE_ENV === "development" };
const fixedHeaders = securityHeaders(options);

export function proxy(request: NextRequest): NextResponse {
  // API routes: fixed headers only. Rewriting the request (for a nonce no API response
  // needs) doubled the bare route's cost in the chat-path bench.
  if (request.nextUrl.pathname.startsWith("/api/")) {
    const response = NextResponse.next();
    response.headers.set("Content-Security-Policy", API_CONTENT_SECURITY_POLICY);
    for (const [name, value] of Object.entries(fixedHeaders)) response.headers.set(name, value);
    return response;
  }
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, options);
  // Next takes the nonce for its own scripts from the request's CSP header.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(fixedHeaders)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/:path*"],
};
