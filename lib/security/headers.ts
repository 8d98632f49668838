/**
 * The security headers every response carries (set by proxy.ts, and for static assets by
 * next.config.js). Pure, so the policy is unit-tested as data.
 *
 * Scripts: only those carrying this response's nonce run ('strict-dynamic' lets them load
 * the chunks they import), so an injected <script> or inline handler does nothing. Next
 * reads the nonce from the request's Content-Security-Policy header and stamps it on its
 * own scripts, which needs every page rendered per request (app/layout.tsx).
 *
 * Styles keep 'unsafe-inline': React renders `style` attributes into server HTML (charts,
 * progress bars), which a nonce cannot cover; style injection is not script execution.
 */
export interface HeaderOptions {
  /** Served over https (NEXTAUTH_URL): HSTS and upgrade-insecure-requests. */
  https: boolean;
  /** next dev: React needs eval for its error overlays; never in production. */
  dev: boolean;
}

export function contentSecurityPolicy(nonce: string, options: HeaderOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/**
 * API responses (JSON, NDJSON, CSV) are never rendered as documents: nothing may load from
 * them and nothing may frame them. No nonce, so the proxy does not rewrite the request.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** Everything but the CSP: the same for pages, API responses and static files. */
export function securityHeaders(options: Pick<HeaderOptions, "https">): Record<string, string> {
  return {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    // frame-ancestors 'none' for browsers that predate it.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(options.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/** 128 random bits, base64: unguessable and fresh for every response. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString("base64");
}
