import { expect, test } from "@playwright/test";
import { signIn, signInWithForm, signUp, uniqueEmail } from "./fixtures";

test("sign up lands in the new workspace, sign out, sign in again", async ({ page }) => {
  const email = uniqueEmail("founder");
  const password = "e2e-password-42";
  const slug = await signUp(page, { name: "Fran Founder", email, password, workspace: "Orbital Widgets" });
  expect(slug).toMatch(/^orbital-widgets/);
  await expect(page.getByRole("banner")).toContainText("Orbital Widgets");

  await page.getByRole("button", { name: /Account menu/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);

  await signInWithForm(page, email, password);
  await expect(page).toHaveURL(new RegExp(`/w/${slug}`));
});

test("sign-up errors are shown per field and nothing is lost", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill("Weak Pat");
  await page.getByLabel("Work email").fill("owner@acme.test");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Workspace name").fill("Weak Co");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText(/at least 10 characters/i).first()).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue("Weak Pat");

  await page.getByLabel("Password", { exact: true }).fill("long-enough-pass-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText(/already exists/i).first()).toBeVisible();
  await expect(page).toHaveURL(/\/signup/);
});

test("wrong password is refused with a clear message", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Email").fill("member@acme.test");
  await page.getByLabel("Password", { exact: true }).fill("not-the-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /don.t match an account/i })).toBeVisible();
  await expect(page).toHaveURL(/\/signin/);
});

test("another tenant's workspace URL is a 404, exactly like an unknown one", async ({ page }) => {
  await signIn(page, "owner@acme.test");
  const other = await page.goto("/w/globex");
  expect(other?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: /couldn.t find that page/i })).toBeVisible();
  const unknown = await page.goto("/w/no-such-workspace");
  expect(unknown?.status()).toBe(404);
  const api = await page.request.get("/api/w/globex/conversations");
  expect(api.status()).toBe(404);
  expect((await api.json()).error.code).toBe("not_found");
});

test("a signed-out visitor is sent to sign in, then back", async ({ page }) => {
  await page.goto("/w/acme");
  await expect(page).toHaveURL(/\/signin\?next=/);
  await page.getByLabel("Email").fill("admin@acme.test");
  await page.getByLabel("Password", { exact: true }).fill("bulkhead-demo-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/w\/acme/);
});
