import { env } from "@/lib/env";

export const APP_DB_ROLE = "bh_app";

/** The owner connection string (migrations). Undefined means "embedded". */
export function ownerDatabaseUrl(): string | undefined {
  return env.DATABASE_URL;
}

/**
 * The application's login. It has no table privileges of its own (see the first
 * migration), so it is safe to derive it from the owner URL by swapping the user.
 */
export function appDatabaseUrl(): string {
  if (env.DATABASE_APP_URL) return env.DATABASE_APP_URL;
  if (!env.DATABASE_URL) {
    throw new Error("No database configured: DATABASE_URL is unset (scripts/start.ts sets it for the embedded database).");
  }
  const url = new URL(env.DATABASE_URL);
  url.username = APP_DB_ROLE;
  url.password = env.DATABASE_APP_PASSWORD ?? "";
  return url.toString();
}
