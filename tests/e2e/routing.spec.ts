import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn, seriousViolations } from "./fixtures";

/**
 * Issue 14: the admin switches Acme (professional plan, Standard tier) to automatic routing,
 * saved as a configuration version; a greeting is then answered by the economy model, and
 * "Regenerate with a stronger model" answers it again on Standard — the cap, so the action
 * is gone afterwards. The model named under the answer is the one the server sent the call
 * to (the stream's start event), and after a reload the one on the answer's usage event.
 */
async function setRouting(page: Page, label: RegExp): Promise<number> {
  await page.goto("/w/acme/admin");
  const select = page.getByLabel("Model routing");
  const versions = Number((await page.getByRole("tab", { name: /^Versions/ }).textContent())?.replace(/\D/g, ""));
  expect(versions).toBeGreaterThan(0);
  await select.selectOption({ label: (await select.locator("option").allTextContents()).find((t) => label.test(t))! });
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText(`Saved as version ${versions + 1} · applies from the next message`)).toBeVisible();
  return versions + 1;
}

/** Types into the composer once the page is interactive (text typed before hydration is lost) and sends. */
async function send(page: Page, text: string): Promise<void> {
  const input = page.getByTestId("composer-input");
  const button = page.getByTestId("send-button");
  await expect(async () => {
    await input.fill(text);
    await expect(button).toBeEnabled({ timeout: 1_000 });
  }).toPass();
  await button.click();
}

test("an admin turns on automatic routing, and a routed-down answer is regenerated with a stronger model", async ({ page }) => {
  await signIn(page, "admin@acme.test");
  try {
    const version = await setRouting(page, /^Automatic, up to Standard$/);
    await expect(page.getByText(/Each message goes to the cheapest tier that fits it/)).toBeVisible();
    // Saved as a configuration version: listed with its change, and the server's truth on reload.
    await page.getByRole("tab", { name: /^Versions/ }).click();
    const latest = page.getByRole("list", { name: "Configuration versions" }).getByRole("listitem").first();
    await expect(latest).toContainText(`Version ${version}`);
    await expect(latest).toContainText("Adam Admin");
    await page.reload();
    await page.getByRole("tab", { name: "Assistant" }).click();
    await expect(page.getByLabel("Model routing")).toHaveValue("auto");
    await expect(page.getByTestId("escalation-rate")).toContainText("No answers were routed below the tier");

    await page.goto("/w/acme");
    await send(page, `hi ${Date.now().toString(36)}`);
    const reply = page.getByTestId("message-assistant").last();
    await expect(reply).toContainText("(simulated reply)");
    await expect(reply.getByTestId("answer-model")).toHaveText("Answered by Claude Haiku 4.5");
    const escalate = reply.getByRole("button", { name: "Regenerate with a stronger model (Claude Sonnet 4.6)" });
    await expect(escalate).toBeVisible();
    const firstAnswer = await reply.innerText();
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
    expect(seriousViolations(results)).toEqual([]);

    await escalate.click();
    const again = page.getByTestId("message-assistant").last();
    await expect(again.getByTestId("answer-model")).toHaveText("Answered by Claude Sonnet 4.6");
    await expect(again).toContainText("(simulated reply)");
    expect(await again.innerText()).not.toBe(firstAnswer);
    // Standard is this workspace's cap: nothing stronger to offer.
    await expect(page.getByTestId("escalate-button")).toHaveCount(0);
    // Replaced in place: one answer under the question.
    await expect(page.getByTestId("message-assistant")).toHaveCount(1);

    // The stored answer's ledger row names the model that answered.
    await expect(page).toHaveURL(/\/w\/acme\/c\/[0-9a-f-]{36}$/);
    await page.reload();
    await expect(page.getByTestId("message-assistant").last().getByTestId("answer-model")).toHaveText("Answered by Claude Sonnet 4.6");
    await expect(page.getByTestId("escalate-button")).toHaveCount(0);

    // The admin sees the signal against the router.
    await page.goto("/w/acme/admin");
    await expect(page.getByTestId("escalation-rate")).toContainText("after 1 of 1 routed-down answers (100.0%) in the last 30 days");
  } finally {
    // Other specs chat in Acme on its fixed tier.
    await setRouting(page, /^Fixed tier$/);
  }
});

test("on a fixed tier the answer names its model and offers no stronger one", async ({ page }) => {
  await signIn(page, "member@acme.test");
  await send(page, `hi ${Date.now().toString(36)}`);
  const reply = page.getByTestId("message-assistant").last();
  await expect(reply.getByTestId("answer-model")).toHaveText("Answered by Claude Sonnet 4.6");
  await expect(page.getByTestId("escalate-button")).toHaveCount(0);
});
