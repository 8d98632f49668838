import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";
import { createDatabase, databaseUrl, dropDatabase, TEST_SERVER_URL } from "@/tests/helpers/local-database";

declare module "vitest" {
  export interface ProvidedContext {
    ownerUrl: string;
    appUrl: string;
  }
}

/** One throwaway database per test run, migrated once, dropped at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const name = `bulkhead_test_${process.pid}_${Date.now().toString(36)}`;
  await createDatabase(TEST_SERVER_URL, name);
  const ownerUrl = databaseUrl(TEST_SERVER_URL, name);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await migrate(pgRunner(client), await readMigrations());
  } finally {
    await client.end();
  }
  const app = new URL(ownerUrl);
  app.username = APP_DB_ROLE;
  project.provide("ownerUrl", ownerUrl);
  project.provide("appUrl", app.toString());
  return async () => {
    await dropDatabase(TEST_SERVER_URL, name);
  };
}
