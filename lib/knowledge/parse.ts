import mammoth from "mammoth";

/**
 * Document parsers: bytes in, structure out (headings and paragraphs in reading order), which
 * lib/knowledge/chunk.ts cuts into passages. Markdown, plain text and HTML are parsed here;
 * PDF through unpdf (PDF.js) and DOCX through mammoth (to HTML, so Word's heading styles
 * become headings). A file's type is decided from its bytes, not only its name
 * (detectSourceType): a ".pdf" that is not a PDF is refused rather than indexed as noise.
 */
export const SOURCE_TYPES = ["markdown", "text", "html", "pdf", "docx"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export type Block = { kind: "heading"; level: number; text: string } | { kind: "paragraph"; text: string };

export interface ParsedDocument {
  blocks: Block[];
  /** PDF pages; 1 for the other formats (a page is what the ingestion bench counts). */
  pageCount: number;
  charCount: number;
}

/** A document that cannot be indexed, for a reason the admin can act on (shown as the failure). */
export class DocumentContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DocumentContentError";
  }
}

const EXTENSIONS: Record<string, SourceType> = {
  md: "markdown",
  markdown: "markdown",
  txt: "text",
  text: "text",
  html: "html",
  htm: "html",
  pdf: "pdf",
  docx: "docx",
};

/** The type a file name claims, or null for an extension we do not take. */
export function typeFromFileName(name: string): SourceType | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name.trim())?.[1]?.toLowerCase();
  return ext ? (EXTENSIONS[ext] ?? null) : null;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function isUtf8Text(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The type of `bytes` given what the name claims: the claim must agree with the content.
 * PDF by its `%PDF-` header; DOCX as a ZIP holding `word/document.xml` (ZIP local headers
 * store names uncompressed); the text formats must be UTF-8 without NUL bytes, and HTML must
 * look like markup. Returns null when the content does not match the claim.
 */
export function detectSourceType(bytes: Uint8Array, claimed: SourceType): SourceType | null {
  const isPdf = startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d]);
  const isZip = startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]);
  if (claimed === "pdf") return isPdf ? "pdf" : null;
  if (claimed === "docx") return isZip && Buffer.from(bytes).includes("word/document.xml") ? "docx" : null;
  if (isPdf || isZip || !isUtf8Text(bytes)) return null;
  if (claimed === "html") return /<(?:!doctype|html|head|body|p|div|h[1-6]|ul|ol|table|article|section)\b/i.test(Buffer.from(bytes.subarray(0, 4096)).toString("utf8")) ? "html" : null;
  return claimed;
}

export async function parseDocument(bytes: Uint8Array, type: SourceType): Promise<ParsedDocument> {
  switch (type) {
    case "markdown":
      return finish(parseMarkdown(decodeText(bytes)), 1);
    case "text":
      return finish(parsePlainText(decodeText(bytes)), 1);
    case "html":
      return finish(parseHtml(decodeText(bytes)), 1);
    case "pdf":
      return parsePdf(bytes);
    case "docx":
      return parseDocx(bytes);
  }
}

function finish(blocks: Block[], pageCount: number): ParsedDocument {
  const kept = blocks.filter((b) => b.text.length > 0);
  if (!kept.some((b) => b.kind === "paragraph")) throw new DocumentContentError("The document has no text to index.");
  return { blocks: kept, pageCount, charCount: kept.reduce((n, b) => n + b.text.length, 0) };
}

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

/** Collapses runs of spaces and tabs (not newlines) and trims. */
function tidy(text: string): string {
  return text.replace(/[ \t\u00a0]+/g, " ").replace(/ *\n */g, "\n").trim();
}

// ---------------------------------------------------------------------------
// Plain text and Markdown
// ---------------------------------------------------------------------------

export function parsePlainText(text: string): Block[] {
  return text.split(/\n\s*\n/).map((p) => ({ kind: "paragraph" as const, text: tidy(p) }));
}

/**
 * ATX headings (`#` … `######`) and setext headings (a line of `=` or `-` under text) start
 * sections; blank lines separate paragraphs; a fenced code block is one paragraph, blank lines
 * and `#` lines inside it included.
 */
export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", text: tidyMarkdown(paragraph.join("\n"), fence !== null) });
    paragraph = [];
  };
  for (const line of text.split("\n")) {
    const fenceMark = /^\s{0,3}(```|~~~)/.exec(line)?.[1];
    if (fence !== null) {
      paragraph.push(line);
      if (fenceMark === fence) {
        const code = paragraph.join("\n");
        paragraph = [];
        fence = null;
        blocks.push({ kind: "paragraph", text: code.trim() });
      }
      continue;
    }
    if (fenceMark) {
      flush();
      fence = fenceMark;
      paragraph.push(line);
      continue;
    }
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      flush();
      blocks.push({ kind: "heading", level: atx[1]!.length, text: tidyMarkdown(atx[2]!, false) });
      continue;
    }
    const setext = /^\s{0,3}(=+|-+)\s*$/.exec(line);
    if (setext && paragraph.length === 1) {
      blocks.push({ kind: "heading", level: setext[1]!.startsWith("=") ? 1 : 2, text: tidyMarkdown(paragraph[0]!, false) });
      paragraph = [];
      continue;
    }
    if (line.trim() === "") flush();
    else paragraph.push(line);
  }
  flush();
  return blocks;
}

/** Inline markup that carries no meaning for search: emphasis, link targets, images. */
function tidyMarkdown(text: string, code: boolean): string {
  if (code) return text.trim();
  return tidy(
    text
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/(\*\*|__)(.+?)\1/g, "$2")
      .replace(/(^|[^\w*])[*_]([^*_\n]+)[*_](?=[^\w*]|$)/g, "$1$2")
      .replace(/`([^`]+)`/g, "$1"),
  );
}

// ---------------------------------------------------------------------------
// HTML (and DOCX, through mammoth's HTML)
// ---------------------------------------------------------------------------

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Elements that end a paragraph where they open or close. */
const BLOCK_TAGS = /^(p|div|li|ul|ol|tr|table|section|article|header|footer|main|aside|nav|blockquote|pre|dd|dt|dl|figure|figcaption|form|br|hr|td|th)$/;

/**
 * A small, forgiving reader: scripts, styles, templates and comments are dropped; h1–h6 are
 * headings; block elements separate paragraphs; every other tag is ignored. No DOM is built,
 * so malformed markup cannot make it fail, only read less tidily.
 */
export function parseHtml(html: string): Block[] {
  const cleaned = html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(script|style|template|noscript|svg|head)\b[\s\S]*?<\/\1\s*>/gi, " ");
  const blocks: Block[] = [];
  let text = "";
  let heading: number | null = null;
  const flush = () => {
    const t = tidy(decodeEntities(text).replace(/\s+/g, " "));
    if (t) blocks.push(heading !== null ? { kind: "heading", level: heading, text: t } : { kind: "paragraph", text: t });
    text = "";
  };
  for (const part of cleaned.split(/(<[^>]*>)/)) {
    const tag = /^<\s*(\/?)\s*([a-z0-9]+)/i.exec(part);
    if (!tag) {
      text += part;
      continue;
    }
    const name = tag[2]!.toLowerCase();
    const h = /^h([1-6])$/.exec(name);
    if (h) {
      flush();
      heading = tag[1] ? null : Number(h[1]);
    } else if (BLOCK_TAGS.test(name)) {
      if (heading === null) flush();
    }
    // Inline tags (b, span, a, …) add nothing: "<b>paid</b>." reads "paid.".
  }
  flush();
  return blocks;
}

// ---------------------------------------------------------------------------
// PDF and DOCX
// ---------------------------------------------------------------------------

async function parsePdf(bytes: Uint8Array): Promise<ParsedDocument> {
  const { extractText, getDocumentProxy } = await import("unpdf");
  let pages: string[];
  let totalPages: number;
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given: pass a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    ({ text: pages, totalPages } = await extractText(pdf, { mergePages: false }));
  } catch (error) {
    throw new DocumentContentError(`The PDF could not be read (${reasonOf(error)}).`);
  }
  const blocks = pages.flatMap((page) => parsePlainText(page.replace(/\r\n?/g, "\n")));
  if (!blocks.some((b) => b.text.length > 0)) {
    throw new DocumentContentError("The PDF has no text layer (a scan?): there is nothing to index.");
  }
  return finish(blocks, totalPages);
}

async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  let html: string;
  try {
    ({ value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) }, { externalFileAccess: false }));
  } catch (error) {
    throw new DocumentContentError(`The DOCX file could not be read (${reasonOf(error)}).`);
  }
  return finish(parseHtml(html), 1);
}

/** A parser's message inside our sentence: without its own closing full stop ("(Invalid PDF structure)."). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message.trim() : "";
  return message === "" ? "unknown error" : message.replace(/[.\s]+$/, "");
}

