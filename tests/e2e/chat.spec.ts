import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { signIn, seriousViolations } from "./fixtures";

test("send a message, watch it stream, reload and find the conversation", async ({ page }) => {
  await signIn(page, "member@acme.test");
  await expect(page.getByTestId("simulator-badge")).toBeVisible();
  const question = `How do I recalibrate the gripper? ${Date.now()}`;
  await page.getByTestId("composer-input").fill(question);
  await page.keyboard.press("Enter");

  await expect(page.getByTestId("message-user").last()).toContainText(question);
  const reply = page.getByTestId("message-assistant").last();
  await expect(reply).toContainText("(simulated reply)");
  // The URL moves to the conversation once the reply is stored.
  await expect(page).toHaveURL(/\/w\/acme\/c\/[0-9a-f-]{36}$/);
  // The simulator quotes the question back: the stored reply is this conversation's own.
  await expect(reply).toContainText(question);
  const url = page.url();

  await page.reload();
  await expect(page.getByTestId("message-user").last()).toContainText(question);
  await expect(page.getByTestId("message-assistant").last()).toContainText("(simulated reply)");
  await expect(page.getByTestId("message-assistant").last()).toContainText(question);
  await expect(page.getByTestId("conversation-item").first()).toContainText(question.slice(0, 20));
  expect(page.url()).toBe(url);
});

test("Shift+Enter adds a line instead of sending", async ({ page }) => {
  await signIn(page, "member@acme.test");
  const input = page.getByTestId("composer-input");
  await input.fill("first line");
  await input.press("Shift+Enter");
  await input.pressSequentially("second line");
  await expect(input).toHaveValue("first line\nsecond line");
  await expect(page.getByTestId("message-user")).toHaveCount(0);
});

test("stop a long reply: streaming ends, the reply is kept as stopped", async ({ page }) => {
  await signIn(page, "member@acme.test");
  await page.getByTestId("composer-input").fill(`Write a very long essay [[sim:slow:60]] ${Date.now()}`);
  await page.getByTestId("send-button").click();
  const stop = page.getByTestId("stop-button");
  await expect(stop).toBeVisible();
  const reply = page.getByTestId("message-assistant").last();
  await expect(reply).toContainText("(simulated reply)");
  await stop.click();
  await expect(page.getByTestId("message-stopped")).toBeVisible();
  await expect(page.getByTestId("send-button")).toBeVisible();
  const stoppedText = await reply.innerText();
  await page.waitForTimeout(500);
  // Nothing more arrives after stop.
  expect(await reply.innerText()).toBe(stoppedText);
  // Stored as stopped: still there after a reload.
  await expect(page).toHaveURL(/\/c\//, { timeout: 15_000 });
  await page.reload();
  await expect(page.getByTestId("message-stopped")).toBeVisible();
});

test("an upstream error offers retry", async ({ page }) => {
  await signIn(page, "member@acme.test");
  await page.getByTestId("composer-input").fill(`This will break [[sim:midstream]] ${Date.now()}`);
  await page.getByTestId("send-button").click();
  await expect(page.getByTestId("retry-button").first()).toBeVisible();
});

test("a member cannot open another member's conversation", async ({ page, browser }) => {
  await signIn(page, "member@acme.test");
  await page.getByTestId("composer-input").fill(`private to Maya ${Date.now()}`);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/w\/acme\/c\/[0-9a-f-]{36}$/);
  const mayaUrl = new URL(page.url()).pathname;
  const conversationId = mayaUrl.split("/").at(-1)!;

  const other = await browser.newContext();
  const intruder = await other.newPage();
  await signIn(intruder, "admin@acme.test");
  const response = await intruder.goto(mayaUrl);
  expect(response?.status()).toBe(404);
  const api = await intruder.request.get(`/api/w/acme/conversations/${conversationId}`);
  expect(api.status()).toBe(404);
  const chat = await intruder.request.post("/api/w/acme/chat", { data: { conversationId, message: "let me in" } });
  expect(chat.status()).toBe(404);
  await other.close();
});

test("bad chat input gets clear errors", async ({ page }) => {
  await signIn(page, "member@acme.test");
  const malformed = await page.request.post("/api/w/acme/chat", { data: Buffer.from("{not json"), headers: { "content-type": "application/json" } });
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).error.code).toBe("bad_request");
  const empty = await page.request.post("/api/w/acme/chat", { data: { message: "   " } });
  expect(empty.status()).toBe(422);
  const huge = await page.request.post("/api/w/acme/chat", { data: { message: "x".repeat(8001) } });
  expect(huge.status()).toBe(422);
  expect((await huge.json()).error.fields.message[0]).toMatch(/8,000/);
});

test("the chat page has no serious accessibility violations", async ({ page }) => {
  await signIn(page, "member@acme.test");
  await expect(page.getByTestId("composer-input")).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(seriousViolations(results)).toEqual([]);
});
