import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { authOptions } from "@/lib/auth/options";
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
  // Touch the request first: during `next build` this marks the page dynamic before
  // next-auth reads the secret (which may create .data/auth-secret).
  await headers();
  const session = await getServerSession(authOptions);
  return session?.user?.id ?? null;
});

/**
 * The signed-in user; otherwise redirects to /signin?next=<next>. Server components are
 * not told the request path, so the caller passes the page it is rendering.
 */
export async function requireUser(next?: string): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (user) return user;
  redirect(signInPath(next));
}
