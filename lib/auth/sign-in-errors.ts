/**
 * next-auth v4 hands sign-in failures to the page as a short code (`?error=…`, or the
 * `error` of `signIn(..., { redirect: false })`). Our authorize() throws these codes; the
 * page turns every code, ours or next-auth's, into a sentence.
 */
import { formatWait } from "@/lib/format";

export const SIGN_IN_ERROR = {
  /** next-auth's own code when authorize() returns null. */
  invalidCredentials: "CredentialsSignin",
  rateLimitedPrefix: "RateLimited:",
  unavailable: "SignInUnavailable",
} as const;

export function rateLimitedCode(retryAfterSeconds: number): string {
  return `${SIGN_IN_ERROR.rateLimitedPrefix}${Math.max(1, Math.ceil(retryAfterSeconds))}`;
}

export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  if (code.startsWith(SIGN_IN_ERROR.rateLimitedPrefix)) {
    const seconds = Number(code.slice(SIGN_IN_ERROR.rateLimitedPrefix.length));
    if (Number.isInteger(seconds) && seconds > 0) {
      return `Too many sign-in attempts. Try again in ${formatWait(seconds)}.`;
    }
    return "Too many sign-in attempts. Try again in a little while.";
  }
  switch (code) {
    case SIGN_IN_ERROR.invalidCredentials:
      return "That email and password don't match an account. Check them and try again.";
    case SIGN_IN_ERROR.unavailable:
      return "Sign-in is temporarily unavailable. Please try again in a moment.";
    case "SessionRequired":
      return "Please sign in to continue.";
    case "AccessDenied":
      return "You don't have access to that. Sign in with another account.";
    case "Configuration":
      return "Sign-in is misconfigured on the server. Please contact support.";
    default:
      return "Sign-in failed. Please try again.";
  }
}
