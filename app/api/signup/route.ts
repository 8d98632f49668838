import { clientIp } from "@/lib/api/client-ip";
import { assertDeclaredLength } from "@/lib/api/read-body";
import { AppError, errorResponse } from "@/lib/api/errors";
import { parseBody } from "@/lib/api/workspace-route";
import { signUpSchema } from "@/lib/auth/schemas";
import { sendVerificationEmail } from "@/lib/auth/email-verification";
import { signUp } from "@/lib/auth/sign-up";
import { formatWait } from "@/lib/format";
import { checkLimit, rateLimitHeaders } from "@/lib/limits/rate-limit";

const MAX_SIGNUP_BYTES = 16 * 1024;

/** POST /api/signup: limit per IP, validate, create user + workspace. The client signs in next. */
export async function POST(request: Request): Promise<Response> {
  try {
    // A declared oversize body is refused before anything else is spent on it.
    assertDeclaredLength(request.headers, MAX_SIGNUP_BYTES);
    const limit = await checkLimit("signUpByIp", clientIp(request.headers));
    if (!limit.ok) {
      throw new AppError("rate_limited", `Too many sign-ups from your network. Try again in ${formatWait(limit.retryAfterSeconds)}.`, {
        headers: rateLimitHeaders(limit),
        extra: { limit: limit.policy, retryAfterSeconds: limit.retryAfterSeconds },
      });
    }
    const input = await parseBody(request, signUpSchema, MAX_SIGNUP_BYTES);
    const { slug } = await signUp(input);
    // The account exists either way; a mail failure must not turn sign-up into an error.
    await sendVerificationEmail(input.email).catch((error: unknown) => console.error("[bulkhead] could not send the verification mail", error));
    return Response.json({ slug }, { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}
