import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/db/generated/client";
import { appDatabaseUrl } from "@/lib/db/urls";
import { env } from "@/lib/env";

const globalForDb = globalThis as unknown as { bulkheadPrisma?: PrismaClient };

export function createPrismaClient(connectionString: string, max = env.DATABASE_POOL_SIZE): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max });
  return new PrismaClient({ adapter });
}

/**
 * The process-wide client, connected as the application login (bh_app). Do not use it
 * directly: go through lib/db/scope.ts, which sets role, tenant and user first.
 * Kept on globalThis so Next's dev reloads do not open a pool per reload.
 */
export function getPrisma(): PrismaClient {
  globalForDb.bulkheadPrisma ??= createPrismaClient(appDatabaseUrl());
  return globalForDb.bulkheadPrisma;
}

/** Scripts and tests point the app at an explicit database (seed, throwaway test DB). */
export function setPrismaClient(client: PrismaClient | undefined): void {
  globalForDb.bulkheadPrisma = client;
}
