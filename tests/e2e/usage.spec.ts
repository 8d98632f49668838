import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { signIn, seriousViolations } from "./fixtures";

/*
 * The usage dashboard on the demo seed: /w/acme has 90 days of usage by its owner, admin,
 * member and consultant, plus background calls without a user.
 */

const tokensFigure = (page: Page) => page.getByRole("figure", { name: "Tokens per day by model" });

async function openUsage(page: Page, email: string, query = ""): Promise<void> {
  await signIn(page, email);
  await page.goto(`/w/acme/usage${query}`);
  await expect(page.getByRole("heading", { level: 1, name: "Usage" })).toBeVisible();
  // Charts draw after hydration (they measure their container first).
  await expect(tokensFigure(page).locator("svg.recharts-surface").first()).toBeVisible();
}

async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(seriousViolations(results)).toEqual([]);
}

/** Clicks the form's download button and returns the CSV's records (simple split: the demo has no quoted fields). */
async function downloadCsv(page: Page): Promise<string[][]> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^usage-acme-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}(-mine)?\.csv$/);
  const text = await readFile((await download.path())!, "utf8");
  expect(text.endsWith("\r\n")).toBe(true);
  return text
    .trimEnd()
    .split("\r\n")
    .map((line) => line.split(","));
}

test("admin: charts, KPIs, the by-member table, range switch, CSV export, no serious a11y issues", async ({ page }) => {
  await openUsage(page, "admin@acme.test");
  await expect(page.getByText(/Everyone in Acme Robotics/)).toBeVisible();
  const summary = page.getByRole("definition").filter({ hasText: /^\$/ }).first();
  await expect(summary).toBeVisible();
  for (const name of ["Cost per day", "By request type"]) {
    await expect(page.getByRole("figure", { name }).locator("svg.recharts-surface").first()).toBeVisible();
  }

  const byMember = page.getByRole("region", { name: "By member" });
  await expect(byMember).toBeVisible();
  const memberRows = byMember.getByRole("table").getByRole("row");
  await expect(memberRows.filter({ hasText: "Maya Member" })).toHaveCount(1);
  await expect(memberRows.filter({ hasText: "Adam Admin" })).toHaveCount(1);
  await expect(memberRows.filter({ hasText: "Background (no user)" })).toHaveCount(1);

  // 30 days by default: the chart's data table has one row per day, zeros included.
  const dayRows = tokensFigure(page).locator("table tbody tr");
  await expect(dayRows).toHaveCount(30);
  const range = page.getByRole("navigation", { name: "Date range" });
  await range.getByRole("link", { name: "7 days" }).click();
  await expect(page).toHaveURL(/[?&]days=7\b/);
  await expect(range.getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  await expect(dayRows).toHaveCount(7);
  await range.getByRole("link", { name: "90 days" }).click();
  await expect(page).toHaveURL(/[?&]days=90\b/);
  await expect(dayRows).toHaveCount(90);

  await expect(page.getByRole("meter", { name: "Monthly token quota" })).toBeVisible();
  await expect(page.getByRole("meter", { name: "Requests per minute" })).toBeVisible();
  await expect(page.getByRole("meter", { name: "Tokens per minute" })).toBeVisible();

  const [header, ...rows] = await downloadCsv(page);
  expect(header).toEqual(expect.arrayContaining(["created_at", "request_id", "user_id", "model", "input_tokens", "cost_micros"]));
  expect(header![0]).toBe("created_at");
  expect(header).toEqual(expect.arrayContaining(["local_date", "time_zone", "estimated"]));
  expect(rows.length).toBeGreaterThan(100);
  // The workspace's export has several users' rows and background rows (empty user_id).
  const userColumn = header!.indexOf("user_id");
  const userIds = new Set(rows.map((r) => r[userColumn]));
  expect(userIds.size).toBeGreaterThan(2);
  expect(userIds.has("")).toBe(true);

  await expectNoSeriousA11yViolations(page);
});

test("member: only their own usage, no by-member section, own rows in the export", async ({ page }) => {
  await openUsage(page, "member@acme.test");
  await expect(page.getByText(/Your own usage/)).toBeVisible();
  await expect(page.getByRole("region", { name: "By member" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Whose usage" })).toHaveCount(0);

  const [header, ...rows] = await downloadCsv(page);
  const userColumn = header!.indexOf("user_id");
  expect(userColumn).toBeGreaterThan(0);
  expect(rows.length).toBeGreaterThan(0);
  const userIds = new Set(rows.map((r) => r[userColumn]));
  expect(userIds.size).toBe(1);
  expect([...userIds][0]).toMatch(/^[0-9a-f-]{36}$/);

  // Asking for the workspace's rows is refused, not silently narrowed.
  const refused = await page.request.get("/api/w/acme/usage/export?from=2020-01-01&to=2020-01-31&scope=tenant");
  expect(refused.status()).toBe(403);
  const tooLong = await page.request.get("/api/w/acme/usage/export?from=2020-01-01&to=2021-01-02");
  expect(tooLong.status()).toBe(422);

  await expectNoSeriousA11yViolations(page);
});

test("admin's 'Only me' view matches the member's way of seeing usage", async ({ page }) => {
  await openUsage(page, "admin@acme.test", "?days=7&view=me");
  await expect(page.getByText(/Your own usage/)).toBeVisible();
  await expect(page.getByRole("region", { name: "By member" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Whose usage" }).getByRole("link", { name: "Only me" })).toHaveAttribute("aria-current", "page");
  await expect(tokensFigure(page).locator("table tbody tr")).toHaveCount(7);
});

test("the export form checks the range before downloading", async ({ page }) => {
  await openUsage(page, "admin@acme.test");
  await page.getByLabel("From", { exact: true }).fill("2025-03-10");
  await page.getByLabel("To", { exact: true }).fill("2025-03-01");
  await page.getByRole("button", { name: "Download CSV" }).click();
  await expect(page.getByText("The end date must be on or after the start date.")).toBeVisible();
  await expect(page.getByLabel("To", { exact: true })).toHaveAttribute("aria-invalid", "true");
});
