import pg from "pg";
import { appDatabaseUrl } from "@/lib/db/urls";
import type { Scope } from "@/lib/db/scope";
import { env } from "@/lib/env";

/**
 * The chat request path's database access, in plain SQL on a `pg` pool with the same login
 * (bh_app) and the same scoping as lib/db/scope.ts. Measured on the chat path, a Prisma
 * interactive transaction cost about 1 ms before its first query and 0.5–1 ms per
 * statement; here a scoped transaction is BEGIN + set_config in ONE round trip, then one
 * statement per step. Everything else in the app stays on Prisma.
 */
export type SqlClient = pg.PoolClient;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ROLE: Record<Scope["kind"], string> = { tenant: "bh_tenant", user: "bh_tenant", auth: "bh_auth", staff: "bh_staff" };

const globalForSql = globalThis as unknown as { bulkheadSqlPool?: pg.Pool };

export function getSqlPool(): pg.Pool {
  globalForSql.bulkheadSqlPool ??= new pg.Pool({ connectionString: appDatabaseUrl(), max: env.DATABASE_POOL_SIZE, allowExitOnIdle: true });
  return globalForSql.bulkheadSqlPool;
}

/** Scripts and tests point the hot path at an explicit database. */
export function setSqlPool(pool: pg.Pool | undefined): void {
  globalForSql.bulkheadSqlPool = pool;
}

function idOrEmpty(id: string | undefined): string {
  if (id === undefined || id === "") return "";
  // Interpolated into the BEGIN batch below (a multi-statement query cannot take
  // parameters): only a canonical uuid may pass.
  if (!UUID.test(id)) throw new Error("scope ids must be uuids");
  return id;
}

/** BEGIN and the scope in one round trip, then `fn`, then COMMIT (ROLLBACK on error). */
export async function withScopeSql<T>(scope: Scope, fn: (client: SqlClient) => Promise<T>, pool: pg.Pool = getSqlPool()): Promise<T> {
  const tenantId = idOrEmpty(scope.kind === "tenant" ? scope.tenantId : undefined);
  const userId = idOrEmpty(scope.kind === "auth" ? undefined : scope.userId);
  const client = await pool.connect();
  let healthy = true;
  try {
    await client.query(
      `BEGIN; SELECT set_config('role', '${ROLE[scope.kind]}', true), set_config('app.tenant_id', '${tenantId}', true), set_config('app.user_id', '${userId}', true)`,
    );
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      healthy = false;
    });
    throw error;
  } finally {
    // A connection that could not even roll back is discarded, not reused.
    client.release(healthy ? undefined : true);
  }
}
