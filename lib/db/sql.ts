import { createHash } from "node:crypto";
import type pg from "pg";
import { getPool } from "@/lib/db/client";
import { scopeSettings, SET_SCOPE_SQL } from "@/lib/db/roles";
import type { Scope } from "@/lib/db/scope";
import { env } from "@/lib/env";

/**
 * Hand-written SQL for the hot paths (the turn pipeline), on the process pool that Prisma
 * uses too (lib/db/client.ts), with the same login and the same scoping as lib/db/scope.ts.
 *
 * Why not Prisma here: measured on the chat path, a Prisma interactive transaction cost
 * about 1 ms before its first statement and 0.5–1 ms per statement. Here every value is a
 * bound parameter, statements are prepared once per connection, and the pool's pipeline
 * mode sends BEGIN, the scope and the first statement together (and a last statement with
 * its COMMIT), so a one-statement step is one round trip. bench/chat-path.ts and
 * bench/ledger.ts measure the path.
 */
export interface ScopedSql {
  /** Runs one statement; `commit` ends the transaction in the same round trip. */
  query<R extends pg.QueryResultRow>(sql: string, params?: readonly unknown[], options?: { commit?: boolean }): Promise<R[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkScopeIds(scope: Scope): void {
  for (const id of [scope.kind === "tenant" ? scope.tenantId : "", scope.kind === "auth" ? "" : scope.userId]) {
    if (id !== "" && !UUID.test(id)) throw new Error("scope ids must be uuids");
  }
}

/**
 * Hot-path statements are prepared once per connection (named by a hash of their text), so
 * PostgreSQL plans the turn's few statements once, not on every call; the texts are fixed
 * strings in lib/, so the set of names is small and bounded.
 */
const statementNames = new Map<string, string>();
/**
 * Not on the embedded database: pglite-socket multiplexes every connection onto one PGlite
 * session, where a second connection's Parse of the same name fails ("already exists").
 */
const PREPARE = env.BULKHEAD_EMBEDDED_DB !== "1";
function prepared(text: string, values: readonly unknown[]): pg.QueryConfig {
  if (!PREPARE) return { text, values: values as unknown[] };
  let name = statementNames.get(text);
  if (!name) {
    name = `bh_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return { name, text, values: values as unknown[] };
}

/**
 * The embedded database's socket server (pglite-socket) runs every connection's messages on
 * one PGlite session, one message at a time, and keeps to one connection only while a
 * transaction is open. A statement in its own implicit transaction (Parse, Bind, Execute,
 * Sync) can therefore have another connection's unnamed statement parsed between its Parse
 * and its Bind ("unnamed prepared statement does not exist"). There it runs inside BEGIN and
 * COMMIT, sent as simple queries: from BEGIN on, the session serves this connection alone.
 * COMMIT after a failed statement rolls back, as its implicit transaction would have.
 */
async function inEmbeddedTransaction<R extends pg.QueryResultRow>(client: pg.PoolClient, sql: string, params: readonly unknown[]): Promise<R[]> {
  await client.query("BEGIN");
  try {
    return (await client.query<R>({ text: sql, values: params as unknown[] })).rows;
  } finally {
    await client.query("COMMIT");
  }
}

/** node-postgres keeps its socket on `connection.stream` (not in its types). */
function socketOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  return stream?.cork && stream.uncork ? (stream as { cork(): void; uncork(): void }) : undefined;
}

/** An error the server answered with (it carries a SQLSTATE), as opposed to a broken connection. */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/** Awaits pipelined queries together; the first failure wins, none is left unhandled. */
async function settleAll(queries: Promise<pg.QueryResult>[]): Promise<pg.QueryResult[]> {
  const results = await Promise.allSettled(queries);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
}

/**
 * One statement alone, in its own implicit transaction: one Parse/Bind/Execute and ONE Sync,
 * so PostgreSQL answers it with one flush and the app reads it in one go. For statements
 * that set their scope themselves (the `scoped.*` ledger functions of
 * 0023_scoped_ledger_calls), where withScopeSql would add BEGIN, the scope and COMMIT, each
 * with its own Sync and reply.
 */
export async function querySelfScoped<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[], pool: pg.Pool = getPool()): Promise<R[]> {
  const client = await pool.connect();
  let healthy = true;
  try {
    if (!PREPARE) return await inEmbeddedTransaction<R>(client, sql, params);
    return (await client.query<R>(prepared(sql, params))).rows;
  } catch (error) {
    // A statement error leaves the connection usable; a broken socket does not.
    if (!(error instanceof Error && "code" in error && typeof (error as { code?: unknown }).code === "string")) healthy = false;
    throw error;
  } finally {
    client.release(healthy ? undefined : true);
  }
}

/**
 * Several such statements on one connection, written in one socket write and answered in
 * order; each is its own implicit transaction (its own Sync), so one failing leaves the
 * others alone. One promise per statement, each settled as soon as its own reply is in (the
 * first need not wait for the others); the connection goes back once all are.
 */
export async function querySelfScopedEach(statements: readonly { sql: string; params: readonly unknown[] }[], pool: pg.Pool = getPool()): Promise<Promise<pg.QueryResultRow[]>[]> {
  const client = await pool.connect();
  if (!PREPARE) {
    // The embedded database: each in its own BEGIN … COMMIT, one after the other (inEmbeddedTransaction).
    let chain: Promise<unknown> = Promise.resolve();
    const results = statements.map((s) => {
      const result = chain.then(() => inEmbeddedTransaction(client, s.sql, s.params));
      chain = result.catch(() => {});
      return result;
    });
    void chain.then(() => client.release());
    return results;
  }
  const socket = socketOf(client);
  const queries: Promise<pg.QueryResult>[] = [];
  socket?.cork();
  try {
    for (const s of statements) queries.push(client.query(prepared(s.sql, s.params)));
  } finally {
    socket?.uncork();
  }
  void Promise.allSettled(queries).then((settled) => {
    const broken = settled.some((r) => r.status === "rejected" && !(r.reason instanceof Error && typeof (r.reason as { code?: unknown }).code === "string"));
    client.release(broken ? true : undefined);
  });
  return queries.map((q) => q.then((r) => r.rows));
}

/** A scoped transaction whose BEGIN and COMMIT travel with its first and last statement. */
export async function withScopeSql<T>(scope: Scope, fn: (db: ScopedSql) => Promise<T>, pool: pg.Pool = getPool()): Promise<T> {
  checkScopeIds(scope);
  const settings = scopeSettings(scope);
  const client = await pool.connect();
  let begun = false;
  let ended = false;
  let healthy = true;
  let released = false;
  // Back to the pool as soon as the transaction has ended, not when `fn` returns: work that
  // follows a committing statement (a turn's late knowledge search in a fresh transaction)
  // must never hold this connection while it waits for another.
  const release = () => {
    if (released) return;
    released = true;
    // A connection that could not even roll back is discarded, not reused.
    client.release(healthy ? undefined : true);
  };
  const db: ScopedSql = {
    async query<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = [], options: { commit?: boolean } = {}) {
      if (ended) throw new Error("transaction already ended");
      const queries: Promise<pg.QueryResult>[] = [];
      // One socket write for the whole pipeline: node-postgres writes each query on its own
      // (a syscall each, which the chat-path profile showed as the largest cost of the
      // pipeline); corked, they leave together when the last one is queued.
      const socket = socketOf(client);
      socket?.cork();
      try {
        if (!begun) queries.push(client.query("BEGIN"), client.query(prepared(SET_SCOPE_SQL, settings)));
        begun = true;
        queries.push(client.query<R>(prepared(sql, params)));
        // COMMIT after a failed statement ends the transaction as a rollback, without error.
        if (options.commit) queries.push(client.query("COMMIT"));
      } finally {
        socket?.uncork();
      }
      let broken = false;
      try {
        const results = await settleAll(queries);
        return results[results.length - (options.commit ? 2 : 1)]!.rows as R[];
      } catch (error) {
        broken = !isServerError(error);
        throw error;
      } finally {
        if (options.commit) {
          ended = true;
          // A statement the server refused before COMMIT is a rollback, and the connection is
          // fine; one that broke (no SQLSTATE: reset, ended) is discarded.
          if (broken) healthy = false;
          release();
        }
      }
    },
  };
  try {
    const result = await fn(db);
    if (begun && !ended) await client.query("COMMIT");
    return result;
  } catch (error) {
    if (begun && !ended) {
      await client.query("ROLLBACK").catch(() => {
        healthy = false;
      });
    }
    throw error;
  } finally {
    release();
  }
}
