import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn, seriousViolations } from "./fixtures";

async function openMemory(page: Page) {
  await page.getByTestId("memory-toggle").click();
  const panel = page.getByTestId("memory-panel");
  await expect(panel).toBeVisible();
  await expect(panel.getByText("Loading your memory…")).toHaveCount(0);
  return panel;
}

test("the Memory panel: add, edit, a 'remember that' from chat, private to the user, delete", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  await signIn(page, "member@acme.test");
  let panel = await openMemory(page);

  await panel.getByTestId("memory-input").fill(`I maintain the gripper firmware ${stamp}`);
  await panel.getByTestId("memory-add").click();
  const list = panel.getByTestId("memory-list");
  await expect(list).toContainText(`I maintain the gripper firmware ${stamp}`);

  await list.getByRole("button", { name: `Edit: I maintain the gripper firmware ${stamp}` }).click();
  await panel.getByRole("textbox", { name: "Edit memory" }).fill(`I maintain the gripper and wrist firmware ${stamp}`);
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(list).toContainText(`I maintain the gripper and wrist firmware ${stamp}`);
  await expect(panel.getByRole("textbox", { name: "Edit memory" })).toHaveCount(0);

  // Scanned until clean for up to 3 s: a scan can catch a colour transition half-way (the
  // buttons' transition-colors, 150 ms, under the pointer that just clicked Save); a real
  // violation stays and fails with the element and its colours (seen once in CI, unexplained).
  await expect(async () => {
    const results = await new AxeBuilder({ page }).include("[data-testid=memory-panel]").withTags(["wcag2a", "wcag2aa"]).analyze();
    expect(seriousViolations(results)).toEqual([]);
  }).toPass({ timeout: 3_000 });

  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
  await page.getByTestId("composer-input").fill(`Remember that my desk is in hall ${stamp}.`);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("message-assistant").last()).toContainText("(simulated reply)");
  panel = await openMemory(page);
  await expect(panel.getByTestId("memory-list")).toContainText(`my desk is in hall ${stamp}`);

  // Another user of the same workspace sees none of it.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "admin@acme.test");
  const otherPanel = await openMemory(otherPage);
  await expect(otherPanel).not.toContainText(stamp);
  await other.close();

  await panel.getByRole("button", { name: `Delete: my desk is in hall ${stamp}` }).click();
  await expect(panel.getByTestId("memory-list")).not.toContainText(`hall ${stamp}`);
  await page.reload();
  panel = await openMemory(page);
  await expect(panel).not.toContainText(`hall ${stamp}`);
  await expect(panel.getByTestId("memory-list")).toContainText(`wrist firmware ${stamp}`);
});
