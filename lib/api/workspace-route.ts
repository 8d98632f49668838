import type { z } from "zod";
import { AppError, errorResponse, fromZodError } from "@/lib/api/errors";
import { assertCleanInput } from "@/lib/api/clean-input";
import { assertDeclaredLength, readBodyText } from "@/lib/api/read-body";
import { assertJsonContentType, assertSameOrigin } from "@/lib/api/same-origin";
import { identifyWorkspaceMember, type UnverifiedIdentity } from "@/lib/api/identify-member";
import type { CurrentUser } from "@/lib/auth/session";
import type { SessionClaims } from "@/lib/auth/session-token";
import type { Role } from "@/lib/db/generated/enums";
import type { Workspace } from "@/lib/tenancy/workspace";
import { isCleanText } from "@/lib/validation/text";

/**
 * The one entry point for workspace route handlers (after Dub's withWorkspace and
 * Formbricks' typed parsedInput, kept small): refuse implausible path values, cross-site
 * writes and non-JSON or oversized bodies, identify the user, resolve membership from the
 * database (never from the URL alone), check the role, parse the body with zod, and map
 * every error to the one envelope.
 */
export interface WorkspaceRouteContext<TBody> {
  req: Request;
  user: CurrentUser;
  workspace: Workspace;
  params: Record<string, string>;
  body: TBody;
  /** With `cachedIdentity`, on a cache hit: what the handler must verify before it writes anything. */
  unverified?: UnverifiedIdentity;
}

interface Options<TSchema extends z.ZodType | undefined> {
  minRole?: Role;
  body?: TSchema;
  /** Largest accepted body in bytes (checked before parsing). */
  maxBodyBytes?: number;
  /**
   * The session's claims from the request itself, for a front door served outside Next's
   * request scope (scripts/serve.mjs); by default Next's cookies().
   */
  claims?: (req: Request) => Promise<SessionClaims | null>;
  /**
   * The membership may come from identifyMemberCached's short cache, for a handler whose
   * first statement verifies it again (the chat turn); it gets `unverified` on a hit.
   */
  cachedIdentity?: boolean;
}

type BodyOf<TSchema> = TSchema extends z.ZodType ? z.infer<TSchema> : undefined;

const DEFAULT_MAX_BODY = 64 * 1024;

export function workspaceRoute<TSchema extends z.ZodType | undefined = undefined>(
  options: Options<TSchema>,
  handler: (ctx: WorkspaceRouteContext<BodyOf<TSchema>>) => Promise<Response>,
) {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return async (req: Request, route: { params: Promise<Record<string, string>> }): Promise<Response> => {
    try {
      const params = await route.params;
      // A path segment no slug or id can be (NUL, broken text, absurd length) is a plain
      // 404 before it reaches a query, where PostgreSQL would fail on it with a 500.
      if (!Object.values(params).every(isPlausibleParam)) {
        throw new AppError("not_found", "Workspace not found.");
      }
      // Cheap refusals first: forged cross-site writes, non-JSON bodies, declared oversize.
      if (!SAFE_METHODS.has(req.method)) assertSameOrigin(req);
      if (options.body) {
        assertJsonContentType(req);
        assertDeclaredLength(req.headers, maxBytes);
      }
      // Not a member and below the role look the same: the workspace's existence is not revealed.
      const claims = options.claims;
      const { user, workspace, unverified } = await identifyWorkspaceMember(params.slug ?? "", options.minRole, claims ? () => claims(req) : undefined, {
        cached: options.cachedIdentity,
      });
      const body = (options.body ? await readJsonBody(req, options.body, maxBytes) : undefined) as BodyOf<TSchema>;
      return await handler({ req, user, workspace, params, body, unverified });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isPlausibleParam(value: string): boolean {
  return value.length > 0 && value.length <= 200 && isCleanText(value);
}

/**
 * A JSON body for any route (workspace routes, sign-up): same-origin, application/json,
 * read with a byte cap that aborts, valid UTF-8 and JSON, no NUL or broken text anywhere
 * and not absurdly nested, then the zod schema.
 */
export async function parseBody<T extends z.ZodType>(req: Request, schema: T, maxBytes = DEFAULT_MAX_BODY): Promise<z.infer<T>> {
  assertSameOrigin(req);
  assertJsonContentType(req);
  return readJsonBody(req, schema, maxBytes);
}

async function readJsonBody<T extends z.ZodType>(req: Request, schema: T, maxBytes: number): Promise<z.infer<T>> {
  const text = await readBodyText(req, maxBytes);
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : {};
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
  assertCleanInput(json);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}
