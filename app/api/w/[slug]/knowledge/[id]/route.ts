import { z } from "zod";
import { workspaceRoute } from "@/lib/api/workspace-route";
import { deleteDocument, replaceDocument, setDocumentVisibility, visibilitySchema } from "@/lib/knowledge/documents";
import { readUploadForm } from "@/lib/knowledge/upload-form";

export const dynamic = "force-dynamic";

/** Replace the document's content (multipart, as upload); the current version stays live until the new one is ready. */
export const POST = workspaceRoute({ minRole: "admin" }, async ({ req, user, workspace, params }) => {
  const form = await readUploadForm(req);
  const document = await replaceDocument({ tenantId: workspace.tenantId, userId: user.id }, params.id ?? "", form);
  return Response.json({ document });
});

export const PATCH = workspaceRoute({ minRole: "admin", body: z.object({ visibility: visibilitySchema }), maxBodyBytes: 1024 }, async ({ user, workspace, params, body }) => {
  const document = await setDocumentVisibility({ tenantId: workspace.tenantId, userId: user.id }, params.id ?? "", body.visibility);
  return Response.json({ document });
});

export const DELETE = workspaceRoute({ minRole: "admin" }, async ({ user, workspace, params }) => {
  await deleteDocument({ tenantId: workspace.tenantId, userId: user.id }, params.id ?? "");
  return new Response(null, { status: 204 });
});
