import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { configVersionCount, configVersionList, expectSavedAsVersion, signIn, seriousViolations } from "./fixtures";

const preview = (page: Page) => page.getByTestId("prompt-preview");


test("an admin edits the persona and a topic with a live preview, saves a version, and rolls it back", async ({ page }) => {
  await signIn(page, "admin@acme.test");
  await page.goto("/w/acme/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  await expect(preview(page)).toContainText("Robo, Acme's upbeat support engineer");
  const save = page.getByRole("button", { name: "Save", exact: true });
  await expect(save).toBeDisabled();
  const before = await configVersionCount(page);

  const persona = `Bolt ${Date.now().toString(36)}, a calm maintenance expert.`;
  await page.getByLabel("Persona").fill(persona);
  await expect(preview(page)).toContainText(persona);
  await expect(preview(page)).not.toContainText("upbeat support engineer");
  await expect(save).toBeEnabled();

  const topics = page.getByRole("textbox", { name: "Allowed topics" });
  await topics.fill("spare parts");
  await topics.press("Enter");
  await expect(page.getByRole("button", { name: "Remove allowed topic spare parts" })).toBeVisible();
  await expect(topics).toHaveValue("");
  await expect(preview(page)).toContainText("- spare parts");
  // A comma adds too; Backspace in the empty input takes the last tag off again.
  await topics.pressSequentially("calibration,");
  await expect(page.getByRole("button", { name: "Remove allowed topic calibration" })).toBeVisible();
  await topics.press("Backspace");
  await expect(page.getByRole("button", { name: "Remove allowed topic calibration" })).toHaveCount(0);
  await expect(preview(page)).not.toContainText("calibration");
  // A restricted topic cannot also be allowed.
  await topics.fill("legal advice");
  await topics.press("Enter");
  await expect(page.getByText("“legal advice” is already a restricted topic.")).toBeVisible();
  await expect(topics).toHaveValue("legal advice"); // kept to fix, not silently dropped
  await topics.fill("");

  await save.click();
  await expectSavedAsVersion(page, before + 1);
  await expect(save).toBeDisabled();

  await page.getByRole("tab", { name: /^Versions/ }).click();
  await expect(configVersionList(page)).toHaveCount(before + 1);
  await expect(configVersionList(page).first()).toContainText(`Version ${before + 1}`);
  await expect(configVersionList(page).first()).toContainText("Adam Admin");

  await page.getByRole("button", { name: new RegExp(`^Version ${before}\\b`) }).click();
  const diff = page.getByRole("definition");
  await expect(diff.filter({ hasText: "upbeat support engineer" })).toBeVisible();
  await expect(diff.filter({ hasText: "spare parts" })).toBeVisible();
  await page.getByRole("button", { name: `Roll back to version ${before}` }).click();
  const dialog = page.getByRole("dialog", { name: `Roll back to version ${before}?` });
  await expect(dialog).toContainText(`This saves version ${before + 2}`);
  await dialog.getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByText(`Restored version ${before} as version ${before + 2} · applies from the next message.`)).toBeVisible();
  await expect(configVersionList(page)).toHaveCount(before + 2);
  await expect(configVersionList(page).first()).toContainText("Live");

  // The console shows the restored config, and so does a fresh load (the server's truth).
  await page.getByRole("tab", { name: "Assistant" }).click();
  await expect(page.getByLabel("Persona")).toHaveValue(/upbeat support engineer/);
  await expect(preview(page)).not.toContainText("spare parts");
  await page.reload();
  await expect(page.getByLabel("Persona")).toHaveValue(/upbeat support engineer/);
  await expect(page.getByText(`Version ${before + 2} is live`)).toBeVisible();

  await page.getByRole("tab", { name: "Audit log" }).click();
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows.nth(1)).toContainText(`Rolled back to version ${before}`);
  await expect(rows.nth(2)).toContainText("Saved the assistant");
  await expect(rows.nth(2)).toContainText("Persona, allowed topics");
});

test("a member gets a 404 for the admin console", async ({ page }) => {
  await signIn(page, "member@acme.test");
  const response = await page.goto("/w/acme/admin");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: /couldn.t find that page/i })).toBeVisible();
});

test("an admin manages roles and invites from the Members tab, but cannot grant owner", async ({ page }) => {
  await signIn(page, "admin@acme.test");
  await page.goto("/w/acme/admin?tab=members");
  await expect(page.getByRole("tab", { name: /^Members/ })).toHaveAttribute("aria-selected", "true");

  const ownerRole = page.getByRole("combobox", { name: "Role for Olivia Owner" });
  await expect(ownerRole).toBeDisabled();
  await expect(page.getByRole("button", { name: "Remove Olivia Owner" })).toBeDisabled();
  const casey = page.getByRole("combobox", { name: "Role for Casey Consultant" });
  await expect(casey.locator("option[value=owner]")).toBeDisabled();

  await casey.selectOption("admin");
  await expect(page.getByText("Casey Consultant is now an admin.")).toBeVisible();
  await expect(casey).toHaveValue("admin");
  await casey.selectOption("member");
  await expect(page.getByText("Casey Consultant is now a member.")).toBeVisible();
  await expect(casey).toHaveValue("member");

  const pending = page.getByRole("button", { name: /^Revoke invite/ });
  const invitesBefore = await pending.count();
  await page.getByLabel("Email").fill("new.hire@acme.test");
  await page.getByRole("button", { name: "Create invite link" }).click();
  await expect(page.getByLabel("Invite link")).toHaveValue(/\/invite\//);
  await expect(pending).toHaveCount(invitesBefore + 1);
  await page.getByRole("button", { name: "Revoke invite for new.hire@acme.test" }).click();
  await expect(pending).toHaveCount(invitesBefore);

  await page.getByRole("tab", { name: "Audit log" }).click();
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows.nth(1)).toContainText("Revoked an invite");
  await expect(rows.nth(2)).toContainText("for new.hire@acme.test");
  await expect(rows.nth(3)).toContainText("Changed Casey Consultant’s role");
});

test("every tab of the console passes an axe scan without serious or critical violations", async ({ page }) => {
  await signIn(page, "owner@acme.test");
  await page.goto("/w/acme/admin");
  for (const tab of ["Assistant", "Versions", "Members", "Audit log"]) {
    await page.getByRole("tab", { name: new RegExp(`^${tab}`) }).click();
    await expect(page.getByRole("tabpanel", { name: new RegExp(`^${tab}`) })).toBeVisible();
    if (tab === "Versions") await page.getByRole("list", { name: "Configuration versions" }).getByRole("button").last().click();
    const results = await new AxeBuilder({ page }).analyze();
    expect(seriousViolations(results), `${tab} tab`).toEqual([]);
  }
});

test("the tabs work from the keyboard", async ({ page }) => {
  await signIn(page, "owner@acme.test");
  await page.goto("/w/acme/admin");
  await page.getByRole("tab", { name: "Assistant" }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: /^Versions/ })).toBeFocused();
  await expect(page.getByRole("tab", { name: /^Versions/ })).toHaveAttribute("aria-selected", "true");
  await expect(page).toHaveURL(/\?tab=versions/);
  // End goes to the last tab (Security, since prompt screening), ArrowRight wraps around.
  await page.keyboard.press("End");
  await expect(page.getByRole("tab", { name: /^Security/ })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Assistant" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByLabel("Company name")).toBeVisible();
});
