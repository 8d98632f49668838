import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkUpload } from "@/lib/knowledge/documents";
import { detectSourceType, DocumentContentError, parseDocument, parseHtml, parseMarkdown, typeFromFileName } from "@/lib/knowledge/parse";

const fixture = (name: string) => readFile(path.join(import.meta.dirname, "..", "fixtures", "knowledge", name));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("parseMarkdown", () => {
  it("reads ATX and setext headings, paragraphs split by blank lines, and strips inline markup", () => {
    const blocks = parseMarkdown(["# Refunds", "", "Customers get a **full** refund within [30 days](https://x).", "", "Setext title", "------", "Body  text", "over two lines"].join("\n"));
    expect(blocks).toEqual([
      { kind: "heading", level: 1, text: "Refunds" },
      { kind: "paragraph", text: "Customers get a full refund within 30 days." },
      { kind: "heading", level: 2, text: "Setext title" },
      { kind: "paragraph", text: "Body text\nover two lines" },
    ]);
  });

  it("keeps a fenced code block whole, its blank lines and # lines included", () => {
    const blocks = parseMarkdown(["```sh", "# not a heading", "", "echo hi", "```", "after"].join("\n"));
    expect(blocks).toEqual([
      { kind: "paragraph", text: "```sh\n# not a heading\n\necho hi\n```" },
      { kind: "paragraph", text: "after" },
    ]);
  });
});

describe("parseHtml", () => {
  it("turns h1–h6 into headings and block elements into paragraphs, dropping scripts, styles and comments", () => {
    const blocks = parseHtml(
      "<html><head><title>x</title><style>p{}</style></head><body><h2>Leave &amp; holidays</h2><p>Twenty&nbsp;days <b>paid</b>.</p><!-- hidden --><script>alert(1)</script><ul><li>One</li><li>Two</li></ul></body></html>",
    );
    expect(blocks).toEqual([
      { kind: "heading", level: 2, text: "Leave & holidays" },
      { kind: "paragraph", text: "Twenty days paid." },
      { kind: "paragraph", text: "One" },
      { kind: "paragraph", text: "Two" },
    ]);
  });
});

describe("parseDocument: PDF and DOCX fixtures", () => {
  it("extracts every page's text from the PDF and counts its pages", async () => {
    const parsed = await parseDocument(new Uint8Array(await fixture("handbook.pdf")), "pdf");
    expect(parsed.pageCount).toBe(2);
    const text = parsed.blocks.map((b) => b.text).join("\n");
    expect(text).toContain("Economy class is the default");
    expect(text).toContain("Submit receipts within thirty days");
  });

  it("reads the DOCX through mammoth, with Word's heading styles as headings", async () => {
    const parsed = await parseDocument(new Uint8Array(await fixture("onboarding.docx")), "docx");
    expect(parsed.blocks).toEqual([
      { kind: "heading", level: 1, text: "Onboarding guide" },
      { kind: "paragraph", text: "Welcome to the team. Your laptop is ready on the first day." },
      { kind: "heading", level: 2, text: "Security badges" },
      { kind: "paragraph", text: "Collect your badge from reception; report a lost badge at once." },
    ]);
  });

  it("refuses a document with no text as a content error (no retry makes it better)", async () => {
    await expect(parseDocument(utf8("# Only a heading\n\n"), "markdown")).rejects.toBeInstanceOf(DocumentContentError);
  });

  it("refuses a corrupt PDF as a content error", async () => {
    await expect(parseDocument(utf8("%PDF-1.4\nnot really a pdf"), "pdf")).rejects.toBeInstanceOf(DocumentContentError);
    // The parser's own sentence inside ours, without a second full stop.
    await expect(parseDocument(utf8("%PDF-1.4\nnot really a pdf"), "pdf")).rejects.toThrow(/^The PDF could not be read \([^)]*[^.]\)\.$/);
  });
});

describe("type detection by content", () => {
  it("maps extensions to types and refuses others", () => {
    expect(typeFromFileName("Guide.MD")).toBe("markdown");
    expect(typeFromFileName("a.htm")).toBe("html");
    expect(typeFromFileName("x.exe")).toBeNull();
    expect(typeFromFileName("noext")).toBeNull();
  });

  it("accepts real PDF and DOCX bytes and refuses a renamed file", async () => {
    const pdf = new Uint8Array(await fixture("handbook.pdf"));
    const docx = new Uint8Array(await fixture("onboarding.docx"));
    expect(detectSourceType(pdf, "pdf")).toBe("pdf");
    expect(detectSourceType(docx, "docx")).toBe("docx");
    expect(detectSourceType(docx, "pdf")).toBeNull();
    expect(detectSourceType(pdf, "markdown")).toBeNull();
    expect(detectSourceType(utf8("plain words"), "docx")).toBeNull();
  });

  it("refuses binary or non-UTF-8 bytes claiming to be text, and text claiming to be HTML without markup", () => {
    expect(detectSourceType(new Uint8Array([0x68, 0x00, 0x69]), "text")).toBeNull();
    expect(detectSourceType(new Uint8Array([0xff, 0xfe, 0x41]), "markdown")).toBeNull();
    expect(detectSourceType(utf8("just words"), "html")).toBeNull();
    expect(detectSourceType(utf8("<p>hi</p>"), "html")).toBe("html");
  });

  it("checkUpload answers 415 for a mismatch and 413 over the size cap", async () => {
    expect(() => checkUpload({ fileName: "fake.pdf", bytes: utf8("hello") })).toThrow(expect.objectContaining({ code: "unsupported_media_type" }));
    expect(() => checkUpload({ fileName: "big.txt", bytes: new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61) })).toThrow(expect.objectContaining({ code: "payload_too_large" }));
    expect(checkUpload({ fileName: null, bytes: utf8("pasted text") })).toBe("markdown");
  });
});
