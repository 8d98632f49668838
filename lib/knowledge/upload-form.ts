import { z } from "zod";
import { AppError, fromZodError } from "@/lib/api/errors";
import { readBodyBytes } from "@/lib/api/read-body";
import { titleSchema, visibilitySchema, type DocumentUpload } from "@/lib/knowledge/documents";
import { DOCUMENT_LIMITS, UPLOAD_HEADER } from "@/lib/knowledge/protocol";

/**
 * A knowledge upload as multipart/form-data: `file` (a document) or `text` (pasted), with
 * `title` and `visibility`. The body is read with the document cap plus room for the form's
 * own fields before any parsing, so an oversized upload costs at most that much. The file's
 * type is then checked against its bytes by createDocument/replaceDocument (checkUpload).
 * Browsers must also send UPLOAD_HEADER (lib/knowledge/protocol.ts).
 */
const FORM_OVERHEAD_BYTES = 64 * 1024;

const fieldsSchema = z.object({
  title: titleSchema.optional(),
  visibility: visibilitySchema.optional(),
});

export interface UploadForm extends Omit<DocumentUpload, "title"> {
  title: string | undefined;
}

/**
 * `requireUploadHeader` (default true) is for cookie-authenticated routes; a front door that
 * authenticates by a bearer key (no ambient credentials to forge) may turn it off.
 */
export async function readUploadForm(req: Request, options: { requireUploadHeader?: boolean } = {}): Promise<UploadForm> {
  if (options.requireUploadHeader !== false && req.headers.get(UPLOAD_HEADER) !== "1") throw new AppError("forbidden", "Uploads must come from the app.");
  const type = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data;/i.test(type)) throw new AppError("unsupported_media_type", "Send the document as multipart/form-data.");
  const bytes = await readBodyBytes(req, DOCUMENT_LIMITS.maxBytes + FORM_OVERHEAD_BYTES);
  let form: FormData;
  try {
    form = await new Response(bytes as BodyInit, { headers: { "content-type": type } }).formData();
  } catch {
    throw new AppError("bad_request", "The form could not be read.");
  }
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const parsed = fieldsSchema.safeParse({ title: field("title"), visibility: field("visibility") });
  if (!parsed.success) throw fromZodError(parsed.error);
  const file = form.get("file");
  const text = form.get("text");
  if (file instanceof File && file.size > 0) {
    return { ...parsed.data, title: parsed.data.title ?? file.name.replace(/\.[a-z0-9]+$/i, ""), fileName: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  }
  if (typeof text === "string" && text.trim() !== "") {
    return { ...parsed.data, title: parsed.data.title, fileName: null, bytes: new TextEncoder().encode(text) };
  }
  throw new AppError("validation_failed", "Choose a file or paste some text.", { fields: { file: ["Choose a file or paste some text."] } });
}
