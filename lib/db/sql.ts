import pg from "pg";
import { appDatabaseUrl } from "@/lib/db/urls";
import type { Scope } from "@/lib/db/scope";
import { env } from "@/lib/env";

/**
 * The chat request path's database access, in plain SQL on a `pg` pool with the same login
 * (bh_app) and the same scoping as lib/db/scope.ts.
 *
 * Why not Prisma here: measured on the chat path, a Prisma interactive transaction cost
 * about 1 ms before its first statement and 0.5–1 ms per statement, and every round trip
 * gets slower when the machine is busy. Here a scoped transaction rides along with its
 * first statement (BEGIN; set_config…; statement) and its last (statement; COMMIT), so a
 * one-statement step is one round trip. Multi-statement text cannot carry bind
 * parameters, so values are sent as literals escaped by node-postgres' escapeLiteral
 * (standard_conforming_strings is on in every supported PostgreSQL).
 * Everything else in the app stays on Prisma.
 */
export interface ScopedSql {
  /** Runs one statement; `commit` ends the transaction in the same round trip. */
  query<R extends pg.QueryResultRow>(sql: string, params?: readonly unknown[], options?: { commit?: boolean }): Promise<R[]>;
}

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function scopeId(id: string | undefined): string {
  if (id === undefined || id === "") return "";
  if (!UUID.test(id)) throw new Error("scope ids must be uuids");
  return id;
}

const escapeLiteral = pg.Client.prototype.escapeLiteral;

/** One value as a SQL literal. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("non-finite number in SQL");
    return String(value);
  }
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (typeof value === "string") return escapeLiteral(value);
  return escapeLiteral(JSON.stringify(value));
}

/** Replaces $1…$n with literals (the statement texts here contain no other `$`). */
export function inline(sql: string, params: readonly unknown[] = []): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new Error(`missing SQL parameter $${n}`);
    return literal(params[index]);
  });
}

function lastRows<R extends pg.QueryResultRow>(result: pg.QueryResult<R> | pg.QueryResult<R>[], fromEnd: number): R[] {
  if (!Array.isArray(result)) return result.rows;
  return result[result.length - 1 - fromEnd]?.rows ?? [];
}

/** A scoped transaction whose BEGIN and COMMIT travel with its first and last statement. */
export async function withScopeSql<T>(scope: Scope, fn: (db: ScopedSql) => Promise<T>, pool: pg.Pool = getSqlPool()): Promise<T> {
  const tenantId = scopeId(scope.kind === "tenant" ? scope.tenantId : undefined);
  const userId = scopeId(scope.kind === "auth" ? undefined : scope.userId);
  const begin = `BEGIN; SELECT set_config('role', '${ROLE[scope.kind]}', true), set_config('app.tenant_id', '${tenantId}', true), set_config('app.user_id', '${userId}', true);`;
  const client = await pool.connect();
  let begun = false;
  let committed = false;
  let healthy = true;
  const db: ScopedSql = {
    async query<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = [], options: { commit?: boolean } = {}) {
      if (committed) throw new Error("transaction already committed");
      const text = `${begun ? "" : begin} ${inline(sql, params)}${options.commit ? "; COMMIT" : ""}`;
      begun = true;
      const result = (await client.query(text)) as unknown as pg.QueryResult<R> | pg.QueryResult<R>[];
      if (options.commit) committed = true;
      return lastRows(result, options.commit ? 1 : 0);
    },
  };
  try {
    const result = await fn(db);
    if (begun && !committed) await client.query("COMMIT");
    return result;
  } catch (error) {
    if (begun && !committed) {
      await client.query("ROLLBACK").catch(() => {
        healthy = false;
      });
    }
    throw error;
  } finally {
    // A connection that could not even roll back is discarded, not reused.
    client.release(healthy ? undefined : true);
  }
}
