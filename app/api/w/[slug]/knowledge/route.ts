import { AppError } from "@/lib/api/errors";
import { workspaceRoute } from "@/lib/api/workspace-route";
import { createDocument, listDocuments } from "@/lib/knowledge/documents";
import { readUploadForm } from "@/lib/knowledge/upload-form";

export const dynamic = "force-dynamic";

/** The knowledge documents the member may see, with their indexing state (the console polls this). */
export const GET = workspaceRoute({}, async ({ user, workspace }) => {
  return Response.json({ documents: await listDocuments({ tenantId: workspace.tenantId, userId: user.id }) });
});

/** Upload a file or pasted text (multipart); ingestion is queued. Admins and owners. */
export const POST = workspaceRoute({ minRole: "admin" }, async ({ req, user, workspace }) => {
  const form = await readUploadForm(req);
  if (!form.title) throw new AppError("validation_failed", "Give the document a title.", { fields: { title: ["Give the document a title."] } });
  const document = await createDocument({ tenantId: workspace.tenantId, userId: user.id }, { ...form, title: form.title });
  return Response.json({ document }, { status: 201 });
});
