import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { proxy } from "@/proxy";
import { contentSecurityPolicy, securityHeaders } from "@/lib/security/headers";

describe("contentSecurityPolicy", () => {
  it("lets only scripts with this response's nonce run and forbids framing", () => {
    const csp = contentSecurityPolicy("abc123", { https: false, dev: false });
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("allows eval only in development and upgrades requests only on https", () => {
    expect(contentSecurityPolicy("n", { https: false, dev: true })).toContain("'unsafe-eval'");
    expect(contentSecurityPolicy("n", { https: true, dev: false })).toContain("upgrade-insecure-requests");
  });
});

describe("securityHeaders", () => {
  it("sends HSTS only over https", () => {
    expect(securityHeaders({ https: false })["Strict-Transport-Security"]).toBeUndefined();
    expect(securityHeaders({ https: true })["Strict-Transport-Security"]).toMatch(/^max-age=\d{8,}/);
  });
});

describe("proxy", () => {
  const run = (path: string) => proxy(new NextRequest(`http://app.test${path}`));

  it("puts the fixed headers on pages, API responses and assets; pages get a nonce CSP, API responses a load-nothing CSP", () => {
    for (const path of ["/w/acme", "/api/w/acme/chat", "/_next/static/chunks/x.js"]) {
      const res = run(path);
      if (path.startsWith("/api/")) {
        expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(res.headers.get("x-middleware-request-x-nonce")).toBeNull();
      } else {
        expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}'/);
      }
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("permissions-policy")).toContain("camera=()");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("uses a fresh nonce per response and hands the same one to the page render", () => {
    const a = run("/w/acme");
    const b = run("/w/acme");
    const nonceOf = (res: Response) => /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    expect(nonceOf(a)).toBeDefined();
    expect(nonceOf(a)).not.toBe(nonceOf(b));
    // NextResponse.next({ request: { headers } }) forwards request headers as x-middleware-request-*.
    expect(a.headers.get("x-middleware-request-x-nonce")).toBe(nonceOf(a));
    expect(a.headers.get("x-middleware-request-content-security-policy")).toBe(a.headers.get("content-security-policy"));
  });
});
