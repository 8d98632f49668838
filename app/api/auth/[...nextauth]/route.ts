import NextAuth from "next-auth";
import { AppError, errorResponse } from "@/lib/api/errors";
import { assertDeclaredLength } from "@/lib/api/read-body";
import { authOptions } from "@/lib/auth/options";

const handler = NextAuth(authOptions);

/**
 * next-auth reads its form bodies whole. Its own posts (sign-in, sign-out, CSRF) are a few
 * hundred bytes and always declare their length, so a body declaring more than this, or
 * nothing at all, is refused before next-auth reads a byte of it.
 */
const MAX_AUTH_BODY_BYTES = 8 * 1024;

async function POST(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  try {
    if (req.body !== null && req.headers.get("content-length") === null) {
      throw new AppError("length_required", "Content-Length is required.");
    }
    assertDeclaredLength(req.headers, MAX_AUTH_BODY_BYTES);
  } catch (error) {
    return errorResponse(error);
  }
  return handler(req, ctx);
}

export { handler as GET, POST };
