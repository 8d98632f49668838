import { z } from "zod";
import { runAction, type ActionResult } from "@/lib/api/action-result";
import { fromZodError } from "@/lib/api/errors";
import { identifyWorkspaceMember, type WorkspaceMember } from "@/lib/api/identify-member";
import type { Role } from "@/lib/db/generated/enums";
import type { TenantContext } from "@/lib/db/scope";

/**
 * The counterpart of workspaceRoute for server actions, which are public POST endpoints
 * taking untrusted arguments: `action(slug, input)` parses the slug, identifies the member
 * in one statement (role checked against `minRole`), parses `input` with zod, and returns
 * the handler's value or the one error envelope as an ActionResult.
 */
export interface WorkspaceActionContext<TInput> extends WorkspaceMember {
  /** Who acts in which tenant: what lib/ writes take (each re-checks the role in its transaction). */
  actor: TenantContext;
  input: TInput;
}

interface Options<TSchema extends z.ZodType> {
  minRole?: Role;
  input: TSchema;
}

const slugSchema = z.string().min(1).max(64);

export function workspaceAction<TSchema extends z.ZodType, TResult>(
  options: Options<TSchema>,
  handler: (ctx: WorkspaceActionContext<z.output<TSchema>>) => Promise<TResult>,
): (slug: string, input: z.input<TSchema>) => Promise<ActionResult<TResult>> {
  return async (slug, input) =>
    runAction(async () => {
      const member = await identifyWorkspaceMember(slugSchema.parse(slug), options.minRole);
      const parsed = options.input.safeParse(input);
      if (!parsed.success) throw fromZodError(parsed.error);
      const actor = { tenantId: member.workspace.tenantId, userId: member.user.id };
      return handler({ ...member, actor, input: parsed.data });
    });
}
