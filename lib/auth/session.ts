import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getAuthSecret } from "@/lib/auth/secret";
import { sessionTokenUserId } from "@/lib/auth/session-token";
import { signInPath } from "@/lib/auth/safe-next";
import type { SessionUser } from "@/lib/auth/sign-in";
import { withUser } from "@/lib/db/scope";

export type CurrentUser = SessionUser;

/**
 * The signed-in user, or null. Server only (reads the request's cookies). The JWT is
 * checked against the database once per request, so a deleted user or revoked staff
 * flag takes effect at once instead of when the token expires.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const id = await getSessionUserId();
  if (!id) return null;
  return withUser(id, (tx) => tx.user.findUnique({ where: { id }, select: { id: true, email: true, name: true, isStaff: true } }));
});

/**
 * The user id from the session token alone (no database read). Callers that then read
 * the database anyway check the user there (lib/tenancy/workspace.ts identifyMember).
 */
export const getSessionUserId = cache(async (): Promise<string | null> => {
  // Reading cookies first marks the page dynamic during `next build`, before the secret
  // is read (which may create .data/auth-secret).
  const store = await cookies();
  const raw = store.get(SECURE_COOKIE)?.value ?? store.get(COOKIE)?.value;
  if (!raw) return null;
  // Decode only: getServerSession also re-encodes a refreshed token, which a route
  // handler could not even set.
  return sessionTokenUserId(raw, getAuthSecret());
});

const COOKIE = "next-auth.session-token";
const SECURE_COOKIE = "__Secure-next-auth.session-token";

/**
 * The signed-in user; otherwise redirects to /signin?next=<next>. Server components are
 * not told the request path, so the caller passes the page it is rendering.
 */
export async function requireUser(next?: string): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (user) return user;
  redirect(signInPath(next));
}
