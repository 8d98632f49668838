import { z } from "zod";
import { AppError, fromZodError } from "@/lib/api/errors";
import { workspaceRoute } from "@/lib/api/workspace-route";
import { hasRole } from "@/lib/tenancy/workspace";
import { isIsoDate } from "@/lib/usage/dates";
import { exportUsageCsv } from "@/lib/usage/export";

export const dynamic = "force-dynamic";

const isoDate = z.string().refine(isIsoDate, "Use a date in the form YYYY-MM-DD.");

const exportQuery = z.object({
  from: isoDate,
  to: isoDate,
  /** Admins may narrow the export to their own usage; members only ever get their own. */
  scope: z.enum(["tenant", "self"]).optional(),
});

/** GET ?from=YYYY-MM-DD&to=YYYY-MM-DD[&scope=self]: the raw usage events of those local days as CSV. */
export const GET = workspaceRoute({}, async ({ req, user, workspace }) => {
  const parsed = exportQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) throw fromZodError(parsed.error);
  const { from, to } = parsed.data;
  const isAdmin = hasRole(workspace.role, "admin");
  if (parsed.data.scope === "tenant" && !isAdmin) {
    throw new AppError("forbidden", "Only admins and owners can export the whole workspace's usage.");
  }
  const scope = isAdmin ? (parsed.data.scope ?? "tenant") : "self";

  const stream = await exportUsageCsv({ tenantId: workspace.tenantId, userId: user.id, role: workspace.role, planId: workspace.planId }, { from, to, scope });
  const filename = `usage-${workspace.slug}-${from}-to-${to}${scope === "self" ? "-mine" : ""}.csv`;
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
