import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";

/** The app's own client (login bh_app) against this run's throwaway database. */
export function useAppDatabase(): PrismaClient {
  const client = createPrismaClient(inject("appUrl"), 8);
  // Also the pool behind it, which the hot paths' plain SQL (lib/db/sql.ts) uses.
  setPrismaClient(client);
  return client;
}

/** Owner connection for checks the app itself could never make (counting every row). */
export async function ownerQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: inject("ownerUrl") });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

let counter = 0;
/** Unique names so test files can share one database without colliding. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${process.pid.toString(36)}${Date.now().toString(36)}${counter}`;
}
