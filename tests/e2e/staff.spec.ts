import AxeBuilder from "@axe-core/playwright";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { askInNewChat, DEMO_PASSWORD, seriousViolations, signUp, uniqueEmail } from "./fixtures";

const STAFF = "staff@bulkhead.test";
const ADMIN = "admin@acme.test"; // a tenant admin, not staff

type Cookies = Awaited<ReturnType<BrowserContext["cookies"]>>;
// Sign-in is rate limited per email and IP: each account goes through the form once per worker.
const sessions = new Map<string, Cookies>();

/** Signs in through the form (first time) with ?next=, so staff (member of no workspace) lands on `next`. */
async function signInTo(page: Page, email: string, next: string): Promise<void> {
  const cached = sessions.get(email);
  if (cached) {
    await page.context().addCookies(cached);
    return;
  }
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/\//g, "\\/")}`));
  sessions.set(email, await page.context().cookies());
}

async function marginValues(page: Page): Promise<number[]> {
  return page.locator('td[data-column="margin"]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute("data-value"))));
}

async function tenantOrder(page: Page): Promise<string[]> {
  return page.locator("tbody tr[data-tenant]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-tenant") ?? ""));
}

test("staff sees every tenant's margin, sorts by margin and schedules a future price", async ({ page }) => {
  await signInTo(page, STAFF, "/staff");
  await page.goto("/staff");
  await expect(page.getByRole("heading", { level: 1, name: "Staff console" })).toBeVisible();

  const table = page.getByRole("region", { name: /Tenant margins/ });
  await expect(table.getByRole("rowheader", { name: /Acme Robotics/ })).toBeVisible();
  await expect(table.getByRole("rowheader", { name: /Globex Bank/ })).toBeVisible();
  // Seeded usage is priced: Acme's month has a real API cost.
  const acmeCost = Number(await table.locator('tr[data-tenant="acme"] td').nth(2).getAttribute("data-value"));
  expect(acmeCost).toBeGreaterThan(0);

  const marginHeader = table.getByRole("columnheader", { name: "Margin", exact: true });
  await expect(marginHeader).toHaveAttribute("aria-sort", "none");
  await marginHeader.getByRole("button").click();
  await expect(marginHeader).toHaveAttribute("aria-sort", "ascending");
  const ascending = await marginValues(page);
  expect(ascending.length).toBeGreaterThanOrEqual(2);
  expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
  let order = await tenantOrder(page);
  // Globex (starter, $49) keeps less than Acme (professional, $299) with far less usage.
  expect(order.indexOf("globex")).toBeLessThan(order.indexOf("acme"));

  await marginHeader.getByRole("button").click();
  await expect(marginHeader).toHaveAttribute("aria-sort", "descending");
  const descending = await marginValues(page);
  expect(descending).toEqual([...descending].sort((a, b) => b - a));
  order = await tenantOrder(page);
  expect(order.indexOf("acme")).toBeLessThan(order.indexOf("globex"));

  // Filter by name.
  await page.getByLabel("Search").fill("glob");
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(table.getByRole("rowheader", { name: /Globex Bank/ })).toBeVisible();
  await page.getByLabel("Search").fill("");

  // The price book: a past instant is refused, a future one is scheduled.
  const model = `claude-e2e-${Date.now().toString(36)}`;
  await page.getByLabel("Model id").fill(model);
  await page.getByLabel("Effective from (UTC)").fill("2020-01-01T00:00");
  await page.getByLabel("Input", { exact: true }).fill("2000000");
  await page.getByLabel("Output", { exact: true }).fill("10000000");
  await page.getByLabel("Cache write (5 min)").fill("2500000");
  await page.getByLabel("Cache write (1 h)").fill("4000000");
  await page.getByLabel("Cache read").fill("200000");
  await page.getByRole("button", { name: "Schedule price" }).click();
  await expect(page.getByText(/Prices take effect in the future only/)).toBeVisible();
  await expect(page.locator(`tr[data-model="${model}"]`)).toHaveCount(0);

  const nextYear = new Date().getUTCFullYear() + 1;
  await page.getByLabel("Effective from (UTC)").fill(`${nextYear}-01-01T00:00`);
  await page.getByRole("button", { name: "Schedule price" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Scheduled a new price for ${model}` })).toBeVisible();
  const scheduled = page.locator(`tr[data-model="${model}"]`);
  await expect(scheduled).toHaveAttribute("data-status", "upcoming");
  await expect(scheduled).toContainText(`Jan 1, ${nextYear}`);
  await expect(scheduled).toContainText("$10.00");
});

test("a tenant admin opening /staff gets the site's ordinary 404", async ({ page }) => {
  await signInTo(page, ADMIN, "/w/acme");
  const response = await page.goto("/staff");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: /couldn.t find that page/i })).toBeVisible();
  await expect(page.getByText("Staff console")).toHaveCount(0);
});

test("staff cannot read a conversation's content through the API", async ({ browser }) => {
  // A real conversation id with real content, read by its owner…
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signInTo(owner, ADMIN, "/w/acme");
  const list = await owner.request.get("/api/w/acme/conversations");
  expect(list.status()).toBe(200);
  const { conversations } = (await list.json()) as { conversations: Array<{ id: string; title: string }> };
  const conversation = conversations.find((c) => c.title === "Warranty for a dropped unit");
  expect(conversation).toBeDefined();
  const own = await owner.request.get(`/api/w/acme/conversations/${conversation!.id}`);
  expect(own.status()).toBe(200);
  expect(await own.text()).toContain("dropped during installation");
  await ownerContext.close();

  // …is a 404 to staff, who are members of no workspace, and nothing of it leaks.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signInTo(staff, STAFF, "/staff");
  const asStaff = await staff.request.get(`/api/w/acme/conversations/${conversation!.id}`);
  expect(asStaff.status()).toBe(404);
  const body = await asStaff.text();
  expect(JSON.parse(body).error.code).toBe("not_found");
  expect(body).not.toContain("dropped");
  expect(body).not.toContain("Warranty");
  await staffContext.close();
});

test("staff moves a tenant to another plan after confirming; the console stays accessible and fits a phone", async ({ page, browser }) => {
  // A workspace of its own on the free plan, with some API cost this month: a loss whatever
  // the day of the month (a demo tenant's earlier days on a paid plan this month are revenue,
  // so moving one to Free makes it a loss only on the 1st).
  const founder = await browser.newContext();
  const own = await founder.newPage();
  const email = uniqueEmail("free-founder");
  const workspace = `Freeloader ${email.split("@")[0]!.slice(-6)}`;
  const slug = await signUp(own, { name: "Fay Free", email, password: "long-enough-password-1", workspace });
  await own.goto("/dev/mailbox");
  const mail = own.locator("div", { hasText: `to ${email}` }).filter({ hasText: "/verify/" }).last();
  const link = /\/verify\/[A-Za-z0-9_-]+/.exec(await mail.innerText())?.[0];
  expect(link).toBeTruthy();
  await own.goto(link!);
  await expect(own.getByText("Your email address is verified.")).toBeVisible();
  await askInNewChat(own, slug, "What can you help me with?");
  await founder.close();

  await signInTo(page, STAFF, "/staff");
  await page.goto("/staff");
  const table = page.getByRole("region", { name: /Tenant margins/ });
  const row = table.locator(`tr[data-tenant="${slug}"]`);
  // A free plan with API cost is a loss, shown in words as well as colour.
  await expect(row).toHaveAttribute("data-flag", "negative");
  await expect(row.locator("td").first()).toHaveText("Free");
  await expect(row.getByRole("rowheader")).toContainText("Loss · free plan");

  // Choosing alone changes nothing; Cancel puts the choice back.
  await page.getByLabel(`New plan for ${workspace}`).selectOption("starter");
  await page.getByRole("button", { name: `Change plan for ${workspace}` }).click();
  const dialog = page.getByRole("dialog", { name: `Move ${workspace} to Starter?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByLabel(`New plan for ${workspace}`)).toHaveValue("free");
  await expect(row.locator("td").first()).toHaveText("Free");
  await expect(row).toHaveAttribute("data-flag", "negative");

  // Scan with a flagged row on screen.
  const flagged = await new AxeBuilder({ page }).analyze();
  expect(seriousViolations(flagged)).toEqual([]);

  // Confirmed: today is billed to the new plan, so the month so far is no longer a loss.
  await page.getByLabel(`New plan for ${workspace}`).selectOption("starter");
  await page.getByRole("button", { name: `Change plan for ${workspace}` }).click();
  await dialog.getByRole("button", { name: "Move to Starter" }).click();
  await expect(page.getByText(`${workspace} moved to the Starter plan.`)).toBeVisible();
  await expect(row.locator("td").first()).toHaveText("Starter");
  await expect(row).toHaveAttribute("data-flag", "none");
  await expect(row.getByRole("rowheader")).not.toContainText("Loss");

  await page.setViewportSize({ width: 360, height: 780 });
  await page.reload();
  await expect(table).toBeVisible();
  // Wide tables scroll inside their own focusable regions; the page itself does not.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const region = table;
  await region.focus();
  await expect(region).toBeFocused();
  expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
});
