/**
 * What the knowledge routes and the browser both need (no server imports: the client
 * bundles this file).
 */
export const DOCUMENT_LIMITS = {
  /** An upload or pasted text; bigger documents are split by the admin. */
  maxBytes: 10 * 1024 * 1024,
  maxTitleChars: 200,
} as const;

/** File extensions the upload accepts (the content is checked too, lib/knowledge/parse.ts). */
export const ACCEPTED_EXTENSIONS = [".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"] as const;

/**
 * Cookie-authenticated uploads carry this header: a cross-site HTML form can post multipart
 * (unlike JSON) but cannot add a header, so it joins the same-origin check.
 */
export const UPLOAD_HEADER = "x-bulkhead-upload";
