import { notFound } from "next/navigation";
import { AppError } from "@/lib/api/errors";
import { getCurrentUser, requireUser, type CurrentUser } from "@/lib/auth/session";

/**
 * The staff console's door. The staff flag is read from the database on every request
 * (getCurrentUser), never trusted from the session token, so revoking it takes effect at once.
 * A signed-in person who is not staff gets the site's ordinary 404: the console's existence
 * is not revealed. Hiding the nav link is not access control; every page and action calls this.
 */

/** Pages and layouts: signed out → sign in (then back); not staff → 404. */
export async function requireStaff(): Promise<CurrentUser> {
  const user = await requireUser("/staff");
  if (!user.isStaff) notFound();
  return user;
}

/** Server actions and route handlers: AppError 401 signed out, 404 not staff. */
export async function getStaffOrThrow(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to continue.");
  if (!user.isStaff) throw new AppError("not_found", "Not found.");
  return user;
}
