import type { z } from "zod";
import { AppError, errorResponse, fromZodError } from "@/lib/api/errors";
import { getSessionClaims, type CurrentUser } from "@/lib/auth/session";
import type { Role } from "@/lib/db/generated/enums";
import { hasRole, identifyMember, type Workspace } from "@/lib/tenancy/workspace";

/**
 * The one entry point for workspace route handlers (after Dub's withWorkspace and
 * Formbricks' typed parsedInput, kept small): identify the user, resolve membership from
 * the database (never from the URL alone), check the role, parse the body with zod, and
 * map every error to the one envelope.
 */
export interface WorkspaceRouteContext<TBody> {
  req: Request;
  user: CurrentUser;
  workspace: Workspace;
  params: Record<string, string>;
  body: TBody;
}

interface Options<TSchema extends z.ZodType | undefined> {
  minRole?: Role;
  body?: TSchema;
  /** Largest accepted body in bytes (checked before parsing). */
  maxBodyBytes?: number;
}

type BodyOf<TSchema> = TSchema extends z.ZodType ? z.infer<TSchema> : undefined;

const DEFAULT_MAX_BODY = 64 * 1024;

export function workspaceRoute<TSchema extends z.ZodType | undefined = undefined>(
  options: Options<TSchema>,
  handler: (ctx: WorkspaceRouteContext<BodyOf<TSchema>>) => Promise<Response>,
) {
  return async (req: Request, route: { params: Promise<Record<string, string>> }): Promise<Response> => {
    try {
      const params = await route.params;
      const session = await getSessionClaims();
      if (!session) throw new AppError("unauthorized", "Sign in to continue.");
      const member = await identifyMember(session, params.slug ?? "");
      // Not a member and below the role look the same: the workspace's existence is not revealed.
      if (!member || (options.minRole && !hasRole(member.workspace.role, options.minRole))) {
        throw new AppError("not_found", "Workspace not found.");
      }
      const { user, workspace } = member;
      const body = (options.body ? await parseBody(req, options.body, options.maxBodyBytes ?? DEFAULT_MAX_BODY) : undefined) as BodyOf<TSchema>;
      return await handler({ req, user, workspace, params, body });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export async function parseBody<T extends z.ZodType>(req: Request, schema: T, maxBytes = DEFAULT_MAX_BODY): Promise<z.infer<T>> {
  const text = await req.text();
  if (Buffer.byteLength(text) > maxBytes) {
    throw new AppError("payload_too_large", `The request body is larger than ${Math.round(maxBytes / 1024)} KB.`);
  }
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : {};
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}
