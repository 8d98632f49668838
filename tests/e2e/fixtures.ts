import type AxeBuilder from "@axe-core/playwright";
import { expect, type BrowserContext, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "bulkhead-demo-1";

let counter = 0;
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@e2e.test`;
}

type Cookies = Awaited<ReturnType<BrowserContext["cookies"]>>;
// Sign-in is rate limited per email and per IP (every test comes from 127.0.0.1), as in
// production: each account signs in through the form once per worker, then reuses it.
const sessions = new Map<string, Cookies>();

/** Signs in (through the real form the first time) and waits to land in a workspace. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  const cached = sessions.get(`${email}\n${password}`);
  if (cached) {
    await page.context().addCookies(cached);
    await page.goto("/");
    await expect(page).toHaveURL(/\/w\/[a-z0-9-]+/);
    return;
  }
  await signInWithForm(page, email, password);
  sessions.set(`${email}\n${password}`, await page.context().cookies());
}

/** Always through the form (tests of sign-in itself). */
export async function signInWithForm(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/w\/[a-z0-9-]+/);
}

/** Creates a fresh account and workspace through the sign-up form (the app's own path). */
export async function signUp(page: Page, opts: { name: string; email: string; password: string; workspace: string }): Promise<string> {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(opts.name);
  await page.getByLabel("Work email").fill(opts.email);
  await page.getByLabel("Password", { exact: true }).fill(opts.password);
  await page.getByLabel("Workspace name").fill(opts.workspace);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/w\/[a-z0-9-]+/);
  return new URL(page.url()).pathname.split("/")[2]!;
}

/**
 * Asks `question` in a new conversation of the workspace and waits for the whole reply (the
 * stored conversation's URL and the send button back), so what is shown only once the
 * stream ends (the sources) is there. Returns the reply.
 */
export async function askInNewChat(page: Page, slug: string, question: string) {
  await page.goto(`/w/${slug}`);
  await page.getByTestId("composer-input").fill(question);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("message-user").last()).toContainText(question);
  const reply = page.getByTestId("message-assistant").last();
  await expect(reply).toContainText("(simulated reply)");
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/c/[0-9a-f-]{36}$`));
  await expect(page.getByTestId("send-button")).toBeVisible();
  await expect(page.getByTestId("stop-button")).toHaveCount(0);
  return reply;
}

/** The admin console's configuration versions, newest first. */
export const configVersionList = (page: Page) => page.getByRole("list", { name: "Configuration versions" }).getByRole("listitem");

/** The live configuration version, as the Versions tab counts them. */
export async function configVersionCount(page: Page): Promise<number> {
  const text = await page.getByRole("tab", { name: /^Versions/ }).textContent();
  const count = Number(text?.replace(/\D/g, ""));
  expect(count).toBeGreaterThan(0);
  return count;
}

/** After Save: the notice names the new version and the Versions tab counts it. */
export async function expectSavedAsVersion(page: Page, version: number): Promise<void> {
  await expect(page.getByText(`Saved as version ${version} · applies from the next message`)).toBeVisible();
  await expect(page.getByRole("tab", { name: /^Versions/ })).toContainText(String(version));
}

type AxeResults = Awaited<ReturnType<AxeBuilder["analyze"]>>;

/**
 * The serious and critical violations of an axe scan, each with the elements it found and
 * why (colours and ratio for a contrast failure), so a failing run says what to fix.
 */
export function seriousViolations(results: AxeResults): string[] {
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`.replace(/\s+/g, " ")).join("; ")}`);
}
