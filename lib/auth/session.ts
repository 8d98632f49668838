import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getAuthSecret } from "@/lib/auth/secret";
import { sessionTokenClaims, type SessionClaims } from "@/lib/auth/session-token";
import { signInPath } from "@/lib/auth/safe-next";
import type { SessionUser } from "@/lib/auth/sign-in";
import { withUser } from "@/lib/db/scope";
import { env } from "@/lib/env";

export type CurrentUser = SessionUser;

/**
 * The signed-in user, or null. Server only (reads the request's cookies). The JWT is
 * checked against the database once per request, so a deleted user, a revoked staff flag
 * or an ended session (sign-out everywhere, password change: session_version moved on)
 * takes effect at once instead of when the token expires.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const claims = await getSessionClaims();
  if (!claims) return null;
  const { userId: id } = claims;
  const user = await withUser(id, (tx) => tx.user.findUnique({ where: { id }, select: { id: true, email: true, name: true, isStaff: true, sessionVersion: true } }));
  if (!user || user.sessionVersion !== claims.sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name, isStaff: user.isStaff };
});

/**
 * The session token's claims alone (no database read). Callers must check them against the
 * database before trusting them: identifyMember (one statement with the membership) or
 * getCurrentUser. There is deliberately no bare "user id from the cookie" helper.
 */
export const getSessionClaims = cache(async (): Promise<SessionClaims | null> => {
  // Reading cookies first marks the page dynamic during `next build`, before the secret
  // is read (which may create .data/auth-secret).
  const store = await cookies();
  const raw = store.get(sessionCookieName())?.value;
  if (!raw) return null;
  // Decode only: getServerSession also re-encodes a refreshed token, which a route
  // handler could not even set.
  return sessionTokenClaims(raw, getAuthSecret());
});

/**
 * next-auth names the cookie by NEXTAUTH_URL's scheme (useSecureCookies). On https only
 * the `__Secure-` cookie is read: a browser accepts that prefix only from a secure origin,
 * while a plain-named cookie can be planted over http by anyone on the network path.
 */
export function sessionCookieName(baseUrl: string | undefined = env.NEXTAUTH_URL): string {
  return baseUrl?.startsWith("https://") ? SECURE_COOKIE : COOKIE;
}

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
