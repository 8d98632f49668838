import { requestJson, type ApiResult } from "@/components/chat/chat-api";
import type { KnowledgeDocumentView, Visibility } from "@/lib/knowledge/documents";
import { UPLOAD_HEADER } from "@/lib/knowledge/protocol";

/** The knowledge panel's calls (app/api/w/[slug]/knowledge); errors in the one envelope. */
const base = (slug: string) => `/api/w/${encodeURIComponent(slug)}/knowledge`;
const read = async (res: Response) => ((await res.json()) as { document: KnowledgeDocumentView }).document;

export function fetchDocuments(slug: string, signal?: AbortSignal): Promise<ApiResult<KnowledgeDocumentView[]>> {
  return requestJson(base(slug), { signal }, async (res) => ((await res.json()) as { documents: KnowledgeDocumentView[] }).documents);
}

/** `form` holds title, visibility and a file or pasted text (see lib/knowledge/upload-form.ts). */
export function uploadDocument(slug: string, form: FormData): Promise<ApiResult<KnowledgeDocumentView>> {
  return requestJson(base(slug), { method: "POST", headers: { [UPLOAD_HEADER]: "1" }, body: form }, read);
}

export function replaceDocumentRequest(slug: string, id: string, file: File): Promise<ApiResult<KnowledgeDocumentView>> {
  const form = new FormData();
  form.set("file", file);
  return requestJson(`${base(slug)}/${encodeURIComponent(id)}`, { method: "POST", headers: { [UPLOAD_HEADER]: "1" }, body: form }, read);
}

export function setVisibilityRequest(slug: string, id: string, visibility: Visibility): Promise<ApiResult<KnowledgeDocumentView>> {
  return requestJson(
    `${base(slug)}/${encodeURIComponent(id)}`,
    { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ visibility }) },
    read,
  );
}

export function deleteDocumentRequest(slug: string, id: string): Promise<ApiResult<null>> {
  return requestJson(`${base(slug)}/${encodeURIComponent(id)}`, { method: "DELETE" }, async () => null);
}
