import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { signInSchema } from "@/lib/auth/schemas";
import { rateLimitedCode, SIGN_IN_ERROR } from "@/lib/auth/sign-in-errors";
import { withAuth } from "@/lib/db/scope";
import { checkLimit } from "@/lib/limits/rate-limit";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isStaff: boolean;
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
 * (one answer for both), or throws SignInError when limited. Limits apply per IP and per
 * email before any password work, so a guessing run costs the attacker, not the server.
 */
export async function verifyCredentials(credentials: unknown, ip: string): Promise<SessionUser | null> {
  const parsed = signInSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;

  const [byIp, byEmail] = await Promise.all([checkLimit("signInByIp", ip), checkLimit("signInByEmail", email)]);
  const blocked = [byIp, byEmail].filter((r) => !r.ok);
  if (blocked.length > 0) {
    throw new SignInError(rateLimitedCode(Math.max(...blocked.map((r) => r.retryAfterSeconds))));
  }

  const user = await findCredentials(email);
  if (!user) return burnPasswordCheck(password).then(() => null);
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, name: user.name, isStaff: user.isStaff };
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
