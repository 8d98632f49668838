import { env } from "@/lib/env";
import { openApiDocument } from "@/lib/gateway/openapi";

export const dynamic = "force-dynamic";

/** The tenant API's OpenAPI 3.1 document (lib/gateway/openapi.ts), with this deployment as its server. */
export function GET(req: Request): Response {
  return Response.json(openApiDocument(env.NEXTAUTH_URL ?? new URL(req.url).origin), {
    headers: { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" },
  });
}
