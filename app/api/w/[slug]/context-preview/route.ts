import { z } from "zod";
import { workspaceRoute } from "@/lib/api/workspace-route";
import { previewKnowledge } from "@/lib/context/preview";
import { cleanText } from "@/lib/validation/text";

export const dynamic = "force-dynamic";

const previewSchema = z.object({ query: cleanText().trim().min(1, "Type a sample question.").max(500, "Use at most 500 characters.") });

/** Admins: the knowledge passages a sample question would get in a chat turn. */
export const POST = workspaceRoute({ minRole: "admin", body: previewSchema, maxBodyBytes: 2 * 1024 }, async ({ user, workspace, body }) => {
  return Response.json(await previewKnowledge({ tenantId: workspace.tenantId, userId: user.id }, body.query));
});
