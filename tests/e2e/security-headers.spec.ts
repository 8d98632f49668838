import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

/**
 * Every page answers with the security headers and runs under its nonce-based CSP without
 * one violation: a violation would mean either an injected script ran (the policy is too
 * loose) or one of ours was blocked (the page is broken).
 */
async function collectViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return violations;
}

test("public and signed-in pages carry the headers and raise no CSP violation", async ({ page }) => {
  const violations = await collectViolations(page);
  for (const path of ["/signin", "/signup"]) {
    const response = await page.goto(path);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["permissions-policy"]).toContain("camera=()");
  }
  await signIn(page, "admin@acme.test");
  for (const path of ["/w/acme", "/w/acme/admin", "/w/acme/usage", "/account"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  expect(violations).toEqual([]);
});

test("API responses carry the headers too", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
});
