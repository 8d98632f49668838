import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { signInSchema } from "@/lib/auth/schemas";
import { rateLimitedCode, SIGN_IN_ERROR } from "@/lib/auth/sign-in-errors";
import { withAuth } from "@/lib/db/scope";
import { checkLimit } from "@/lib/limits/rate-limit";
import { failureBackoffSeconds, recordFailure, type FailureCounter } from "@/lib/auth/failure-backoff";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isStaff: boolean;
}

/** What sign-in hands next-auth: the user and the session version the token will carry. */
export interface SignedInUser extends SessionUser {
  sessionVersion: number;
}

/** Thrown with a code from SIGN_IN_ERROR; next-auth passes `message` to the page as `?error=`. */
export class SignInError extends Error {
  constructor(code: string) {
    super(code);
    this.name = "SignInError";
  }
}

/**
 * Checks an email and password. Returns the user, null for a wrong email or password
 * (one answer for both), or throws SignInError when backed off.
 *
 * Lockout counts failures, not attempts (lib/auth/failure-backoff.ts): wrong passwords
 * for this account from this address, and wrong passwords from this address overall.
 * Someone guessing at an account from elsewhere fills only their own counters, so the
 * owner's right password from their own address is never refused for it. A separate,
 * generous per-address cap on all attempts bounds the scrypt work one client can cause.
 */
export async function verifyCredentials(credentials: unknown, ip: string): Promise<SignedInUser | null> {
  const parsed = signInSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;

  const attempts = await checkLimit("signInByIp", ip);
  if (!attempts.ok) throw new SignInError(rateLimitedCode(attempts.retryAfterSeconds));
  const counters = signInFailureCounters(email, ip);
  const wait = await failureBackoffSeconds(counters);
  if (wait > 0) throw new SignInError(rateLimitedCode(wait));

  const user = await findCredentials(email);
  const ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password);
  if (!user || !ok) {
    await recordFailure(counters);
    return null;
  }
  return { id: user.id, email: user.email, name: user.name, isStaff: user.isStaff, sessionVersion: user.sessionVersion };
}

export function signInFailureCounters(email: string, ip: string): FailureCounter[] {
  return [
    { policy: "signInFailuresByEmailAndIp", id: `${email}|${ip}` },
    { policy: "signInFailuresByIp", id: ip },
  ];
}

/** next-auth copies a thrown error's message into the URL: only our codes may get there. */
export function toSignInErrorCode(error: unknown): string {
  if (error instanceof SignInError) return error.message;
  console.error("[bulkhead] sign-in failed unexpectedly", error);
  return SIGN_IN_ERROR.unavailable;
}

interface CredentialsRow {
  id: string;
  email: string;
  name: string;
  is_staff: boolean;
  password_hash: string;
  session_version: number;
}

/**
 * One user's hash by exact email, through the narrow SECURITY DEFINER function (0010):
 * no database role can SELECT users.password_hash, so no other query can leak one.
 */
async function findCredentials(email: string) {
  const rows = await withAuth((tx) => tx.$queryRaw<CredentialsRow[]>`SELECT * FROM auth_credentials(${email})`);
  const row = rows[0];
  return row
    ? { id: row.id, email: row.email, name: row.name, isStaff: row.is_staff, passwordHash: row.password_hash, sessionVersion: row.session_version }
    : null;
}
