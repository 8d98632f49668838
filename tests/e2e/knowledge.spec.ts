import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { askInNewChat, signIn, seriousViolations } from "./fixtures";

/**
 * The Knowledge tab of the admin console, end to end: documents are added through the real
 * form (pasted text and a file), indexed by the ingestion job (pg-boss, in-process under
 * `npm start`, on the embedded database), restricted to admins, and cited as the sources of
 * a chat answer. The documents use words found nowhere else (the run's stamp), so a source
 * can only come from them.
 */
const stamp = Date.now().toString(36);
const MEMBER_WORD = `quillofex${stamp}`;
const ADMIN_WORD = `zentravik${stamp}`;

const documentList = (page: Page) => page.getByRole("list", { name: "Documents" });
const documentRow = (page: Page, title: string) => documentList(page).getByRole("listitem").filter({ hasText: title });

/** The badge beside the title (the row's visibility select has an option of the same name). */
const adminsOnlyBadge = (row: Locator) => row.locator("span:text-is('Admins only')");

async function openKnowledgeTab(page: Page) {
  await page.goto("/w/acme/admin");
  await page.getByRole("tab", { name: "Knowledge" }).click();
  await expect(page.getByRole("tab", { name: "Knowledge" })).toHaveAttribute("aria-selected", "true");
  await expect(page).toHaveURL(/\?tab=knowledge/);
  const panel = page.getByRole("tabpanel", { name: "Knowledge" });
  await expect(panel.getByRole("heading", { name: "Add a document" })).toBeVisible();
  return panel;
}

/** Queued or processing first (the upload's own answer), then ready without a reload. */
async function expectIndexed(page: Page, row: Locator) {
  await expect(row.getByText(/^(Queued|Processing)$/)).toBeVisible();
  await expect(page.getByText("Updating…")).toBeVisible();
  await expect(row.getByText("Ready", { exact: true })).toBeVisible({ timeout: 45_000 });
  await expect(row).toContainText(/\d+ passages?/);
}

test("an admin adds documents and restricts one; a member's answer cites the document they may read, never the admin-only one", async ({ page, browser }) => {
  test.setTimeout(150_000);
  await signIn(page, "admin@acme.test");
  const panel = await openKnowledgeTab(page);
  // How search works here: `npm start` has pgvector (embedded database) but no embedding provider.
  await expect(panel.getByTestId("knowledge-search-mode")).toContainText("Full text");
  await expect(panel.getByTestId("knowledge-search-mode")).toContainText("no embedding provider is configured (VOYAGE_API_KEY)");

  // 1. Pasted text, with headings: the answer's source names the section.
  const pastedTitle = `Flange assembly ${stamp}`;
  await panel.getByRole("radio", { name: "Paste text" }).click();
  await expect(panel.getByRole("radio", { name: "Paste text" })).toHaveAttribute("aria-checked", "true");
  await panel.getByLabel("Title", { exact: true }).fill(pastedTitle);
  await panel
    .getByLabel("Text", { exact: true })
    .fill(
      [
        "# Flange assembly",
        "",
        "## Torque settings",
        "",
        `Tighten the ${MEMBER_WORD} flange bolts to 42 newton metres, in a star pattern, with a calibrated torque driver.`,
        "",
        "## Sealing",
        "",
        "Apply a thin bead of gasket compound before the cover goes on.",
      ].join("\n"),
    );
  await panel.getByRole("button", { name: "Add document" }).click();
  await expect(panel.getByText(`“${pastedTitle}” is queued for indexing.`)).toBeVisible();
  await expect(panel.getByLabel("Title", { exact: true })).toHaveValue(""); // the form is reset for the next one
  const pastedRow = documentRow(page, pastedTitle);
  await expectIndexed(page, pastedRow);
  await expect(panel.getByText(`“${pastedTitle}” is queued for indexing.`)).toHaveCount(0); // the notice lasts while it is queued
  await expect(pastedRow).toContainText("Markdown");

  // 2. A Markdown file through the file input; the title defaults to the file's name.
  const fileTitle = `wrist-service-${stamp}`;
  await panel.getByRole("radio", { name: "Upload a file" }).click();
  await panel.getByLabel("File", { exact: true }).setInputFiles({
    name: `${fileTitle}.md`,
    mimeType: "text/markdown",
    buffer: Buffer.from(
      [
        "# Wrist service",
        "",
        "## Recalibration",
        "",
        `The ${ADMIN_WORD} wrist needs recalibration every 400 operating hours; log the offsets in the service book.`,
      ].join("\n"),
    ),
  });
  await panel.getByRole("button", { name: "Add document" }).click();
  await expect(panel.getByText(`“${fileTitle}” is queued for indexing.`)).toBeVisible();
  const fileRow = documentRow(page, fileTitle);
  await expectIndexed(page, fileRow);
  await expect(fileRow).toContainText("Markdown");
  await expect(page.getByText("Updating…")).toHaveCount(0); // nothing busy: polling stopped

  // 3. Restrict the file to admins from its row.
  const visibility = fileRow.getByRole("combobox", { name: `Who can read ${fileTitle}` });
  await expect(visibility).toHaveValue("members");
  await visibility.selectOption("admins");
  await expect(panel.getByText(`“${fileTitle}” is now visible to admins only.`)).toBeVisible();
  await expect(adminsOnlyBadge(fileRow)).toBeVisible();
  await expect(adminsOnlyBadge(pastedRow)).toHaveCount(0);
  // The server's truth: still restricted after a reload.
  await page.reload();
  await expect(documentRow(page, fileTitle).getByRole("combobox", { name: `Who can read ${fileTitle}` })).toHaveValue("admins");

  const axe = await new AxeBuilder({ page }).include("[role=tabpanel]").withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(seriousViolations(axe)).toEqual([]);

  // An admin's answer may use the admin-only document (so its absence below means something).
  const adminQuestion = `How often does the ${ADMIN_WORD} wrist need recalibration?`;
  const adminReply = await askInNewChat(page, "acme", adminQuestion);
  await expect(adminReply.getByTestId("answer-sources")).toContainText(fileTitle);

  // A member: the knowledge page lists only what members may read …
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signIn(member, "member@acme.test");
  await member.goto("/w/acme/knowledge");
  await expect(member.getByRole("heading", { level: 1, name: "Knowledge" })).toBeVisible();
  await expect(documentList(member)).toContainText(pastedTitle);
  await expect(member.getByText(fileTitle)).toHaveCount(0);
  await expect(member.getByRole("button", { name: "Add document" })).toHaveCount(0);

  // … the answer to a question from the document cites it, with its section and passage …
  const reply = await askInNewChat(member, "acme", `What torque do the ${MEMBER_WORD} flange bolts need?`);
  const sources = reply.getByTestId("answer-sources");
  await expect(sources).toBeVisible();
  // The passage with every word of the question ranks first; others of the document may follow.
  const source = sources.getByRole("listitem").first();
  await expect(source).toContainText(pastedTitle);
  await expect(source).toContainText("Torque settings");
  await expect(sources).not.toContainText(fileTitle);
  const passage = source.getByText(/42 newton metres/);
  await expect(passage).toBeHidden(); // closed until asked for
  await source.getByText(pastedTitle).click();
  await expect(passage).toBeVisible();
  await expect(passage).toContainText(MEMBER_WORD);
  // Kept with the answer: the conversation reopened shows the same sources.
  await expect(async () => {
    await member.reload();
    await expect(member.getByTestId("message-assistant").last().getByTestId("answer-sources").getByRole("listitem").first()).toContainText(pastedTitle, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  // … and the admin-only document's question gets no source at all for a member.
  const restricted = await askInNewChat(member, "acme", adminQuestion);
  await expect(restricted.getByTestId("answer-sources")).toHaveCount(0);
  await expect(restricted).not.toContainText(fileTitle);
  await memberContext.close();

  // Deleting removes the document (and its passages) from the list and from answers.
  await page.goto("/w/acme/admin?tab=knowledge");
  await documentRow(page, fileTitle).getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: `Delete “${fileTitle}”?` });
  await dialog.getByRole("button", { name: "Delete document" }).click();
  await expect(page.getByText(`“${fileTitle}” is deleted, with its passages.`)).toBeVisible();
  await expect(documentRow(page, fileTitle)).toHaveCount(0);
  const afterDelete = await askInNewChat(page, "acme", adminQuestion);
  await expect(afterDelete.getByTestId("answer-sources")).toHaveCount(0);
});

test("an unreadable PDF fails with the reason; a file that is not what its name says is refused", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "admin@acme.test");
  const panel = await openKnowledgeTab(page);
  const countBefore = await documentList(page).getByRole("listitem").count();

  // Not a PDF at all: refused at upload, nothing is added.
  await panel.getByLabel("File", { exact: true }).setInputFiles({ name: `not-a-pdf-${stamp}.pdf`, mimeType: "application/pdf", buffer: Buffer.from("just some words, no PDF header") });
  await panel.getByRole("button", { name: "Add document" }).click();
  await expect(panel.getByRole("alert").filter({ hasText: "The file's content is not PDF." })).toBeVisible();
  await expect(page.getByText(`not-a-pdf-${stamp}`)).toHaveCount(0);
  await expect(documentList(page).getByRole("listitem")).toHaveCount(countBefore);

  // A PDF header over garbage: accepted, then failed by the ingestion job with its reason.
  const title = `broken-manual-${stamp}`;
  const garbage = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256))]);
  await panel.getByLabel("File", { exact: true }).setInputFiles({ name: `${title}.pdf`, mimeType: "application/pdf", buffer: garbage });
  await panel.getByRole("button", { name: "Add document" }).click();
  await expect(panel.getByText(`“${title}” is queued for indexing.`)).toBeVisible();
  await expect(panel.getByRole("alert").filter({ hasText: "not PDF" })).toHaveCount(0); // the earlier error is gone
  const row = documentRow(page, title);
  await expect(row).toContainText("PDF");
  await expect(row.getByText("Failed", { exact: true })).toBeVisible({ timeout: 45_000 });
  await expect(row).toContainText(/The PDF (could not be read|has no text layer)/);
  // Still failed, with the reason, after a reload (stored, not just shown).
  await page.reload();
  await expect(documentRow(page, title).getByText("Failed", { exact: true })).toBeVisible();
  await expect(documentRow(page, title)).toContainText(/The PDF (could not be read|has no text layer)/);

  // A failed document is not offered to members (it has no live version).
  const memberPage = await page.context().browser()!.newContext().then((c) => c.newPage());
  await signIn(memberPage, "member@acme.test");
  await memberPage.goto("/w/acme/knowledge");
  await expect(memberPage.getByRole("heading", { level: 1, name: "Knowledge" })).toBeVisible();
  await expect(memberPage.getByText(title)).toHaveCount(0);
  await memberPage.context().close();
});
