import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createApiKey } from "@/lib/api-keys/keys";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { signUp } from "@/lib/auth/sign-up";
import { BENCH_WORKSPACE_NAME } from "@/lib/bench/proxy-request";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";
import { env } from "@/lib/env";
import { createDatabase, databaseUrl, dropDatabase, TEST_SERVER_URL } from "@/tests/helpers/local-database";
import { onCleanup } from "./cleanup";

/**
 * The app as production runs it, for one bench run: a throwaway database on the local
 * PostgreSQL (refused if not local), migrated, one tenant and user created through signUp,
 * then `next start` on a free port with BULKHEAD_BENCH=1 and Claude pointed at the bench's
 * simulator. `close()` stops the server and drops the database.
 *
 * The tenant is on a `bench` plan added to the throwaway database only: every limit and
 * quota check still runs, but none can refuse, since a bench sends far more requests per
 * minute from one user than any real plan admits.
 */
export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

export const BENCH_USER = {
  name: "Bench User",
  email: "bench@example.com",
  password: "bench-password-1",
  workspaceName: BENCH_WORKSPACE_NAME,
  slug: "bench",
} as const;

// The bench's own database only: the enterprise plan (the largest per-tenant in-flight cap,
// lib/limits/policies.ts) with no effective rate or quota limits, so the bench measures the
// path, not the plan. Its 'bench' plan row stays for scenarios that name it.
const BENCH_PLAN_SQL = `
INSERT INTO plans (id, name, requests_per_minute, tokens_per_minute, monthly_token_quota, monthly_price_micros, user_share_pct, max_tokens_cap, allowed_tiers)
VALUES ('bench', 'Bench (no effective limits)', 2000000000, 2000000000, 1000000000000000, 0, 100, 8192, '{economy,standard,premium}');
UPDATE plans SET requests_per_minute = 2000000000, tokens_per_minute = 2000000000, monthly_token_quota = 1000000000000000, user_share_pct = 100, max_tokens_cap = 8192
 WHERE id = 'enterprise'`;

export interface AppServerOptions {
  anthropicBaseUrl: string;
  /** The rate limiter's Redis (redis://…); unset means the per-process in-memory store. */
  redisUrl?: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Echo the server's output as it comes (else only the tail is shown on failure). */
  verbose?: boolean;
  /**
   * A second instance on the database of a running one (same tenants and keys): nothing is
   * created, migrated or seeded, and closing it leaves the database to its first instance.
   */
  shareDatabaseOf?: AppServer;
  /**
   * Settings of the bench's database (ALTER DATABASE … SET), in place before the server opens
   * its connections: e.g. track_functions = 'all' for PostgreSQL's own timing of the ledger's
   * functions. A setting the server refuses (one only a superuser may set) is reported and skipped.
   */
  databaseSettings?: Record<string, string>;
}

export interface AppServer {
  baseUrl: string;
  slug: string;
  /** A tenant API key of the bench workspace (scopes messages, usage:read). */
  apiKey: string;
  databaseName: string;
  /** The app's own database login, for another instance or a bench's own seeding. */
  appUrl: string;
  ownerUrl: string;
  /** The server process's resident memory, in bytes (null where /proc is missing). */
  rssBytes(): number | null;
  poolSize: number;
  /** The server's last output lines, for error reports. */
  logTail(): string;
  /** CPU time (user + system) the server process has used so far, in ms; null where /proc is missing. */
  cpuMs(): number | null;
  /** Resolves once the server process has exited (after `signal` or `close`). */
  exited: Promise<void>;
  /** Sends the server a signal (SIGTERM: a graceful stop); close() still drops the database. */
  signal(name: NodeJS.Signals): void;
  close(): Promise<void>;
}

const LOG_TAIL_LINES = 200;

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    throw new Error("No production build in .next: run `npm run build` (or `npm run bench`, which builds first).");
  }
  const shared = options.shareDatabaseOf;
  const databaseName = shared?.databaseName ?? `bulkhead_bench_${process.pid}_${Date.now().toString(36)}`;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    forget();
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error("[bench] cleanup step failed:", error));
    cleanups.length = 0;
  };
  const forget = onCleanup(cleanup);

  try {
    const ownerUrl = databaseUrl(TEST_SERVER_URL, databaseName);
    const appUrl = new URL(ownerUrl);
    appUrl.username = APP_DB_ROLE;
    let apiKey: string;
    if (shared) {
      apiKey = shared.apiKey;
    } else {
      await createDatabase(TEST_SERVER_URL, databaseName);
      cleanups.push(() => dropDatabase(TEST_SERVER_URL, databaseName));
      await migrateDatabase(ownerUrl);
      await applyDatabaseSettings(ownerUrl, databaseName, options.databaseSettings ?? {});
      apiKey = await seed(appUrl.toString());
      await verifyBenchUser(ownerUrl);
    }

    const dataDir = await mkdtemp(path.join(tmpdir(), "bulkhead-bench-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const tail: string[] = [];
    const child = spawn(
      process.execPath,
      // The product's own server (scripts/serve.mjs): /v1 on plain node:http, the rest through Next.js.
      [...(options.nodeArgs ?? []), path.join("scripts", "serve.mjs"), "-p", String(port), "-H", "127.0.0.1"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          NODE_ENV: "production",
          NEXT_TELEMETRY_DISABLED: "1",
          DATABASE_APP_URL: appUrl.toString(),
          NEXTAUTH_URL: baseUrl,
          NEXTAUTH_SECRET: "bench-secret",
          ANTHROPIC_API_KEY: "bench",
          ANTHROPIC_BASE_URL: options.anthropicBaseUrl,
          BULKHEAD_BENCH: "1",
          BULKHEAD_DATA_DIR: dataDir,
          // Only the store chosen here, whatever the shell has configured.
          REDIS_URL: options.redisUrl ?? "",
          UPSTASH_REDIS_REST_URL: "",
          UPSTASH_REDIS_REST_TOKEN: "",
        },
      },
    );
    const keep = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (options.verbose) process.stderr.write(text);
      tail.push(...text.split("\n").filter(Boolean));
      if (tail.length > LOG_TAIL_LINES) tail.splice(0, tail.length - LOG_TAIL_LINES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    cleanups.push(() => stopProcess(child));

    try {
      await waitForHealth(`${baseUrl}/api/health`, child);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- server output ---\n${tail.join("\n")}`);
    }

    let closed: Promise<void> | null = null;
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
      baseUrl,
      slug: BENCH_USER.slug,
      apiKey,
      databaseName,
      appUrl: appUrl.toString(),
      ownerUrl,
      rssBytes: () => processRssBytes(child.pid),
      poolSize: env.DATABASE_POOL_SIZE,
      logTail: () => tail.join("\n"),
      cpuMs: () => processCpuMs(child.pid),
      exited,
      signal: (name) => void child.kill(name),
      close: () => (closed ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** VmRSS from /proc/<pid>/status (Linux); null elsewhere. */
export function processRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let clockTicks: number | undefined;

/** utime + stime from /proc/<pid>/stat (Linux); null elsewhere or once the process is gone. */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "pid (comm) ": state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

async function migrateDatabase(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await migrate(pgRunner(client), await readMigrations(path.join(ROOT, "prisma", "migrations")));
    await client.query(BENCH_PLAN_SQL);
  } finally {
    await client.end();
  }
}

/** Through the app's own sign-up, as the app's own login (bh_app): the same rows a real user gets. */
async function seed(appUrl: string): Promise<string> {
  const prisma = createPrismaClient(appUrl, 2);
  setPrismaClient(prisma);
  try {
    const { tenantId, userId } = await signUp(BENCH_USER, { planId: "enterprise" });
    const created = await createApiKey({ tenantId, userId }, { name: "bench", scopes: ["messages", "usage:read"] }, "cli");
    return created.key;
  } finally {
    setPrismaClient(undefined);
    await prisma.$disconnect();
  }
}

async function applyDatabaseSettings(ownerUrl: string, databaseName: string, settings: Record<string, string>): Promise<void> {
  if (Object.keys(settings).length === 0) return;
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    for (const [name, value] of Object.entries(settings)) {
      if (!/^[a-z_.]+$/.test(name)) throw new Error(`not a setting name: ${name}`);
      await client
        .query(`ALTER DATABASE ${client.escapeIdentifier(databaseName)} SET ${name} = ${client.escapeLiteral(value)}`)
        .catch((error: unknown) => console.error(`[bench] ${name} = ${value} not set on the bench database: ${error instanceof Error ? error.message : error}`));
    }
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL's own count and time of a function's calls in the bench database (needs
 * track_functions; null when nothing was counted). Backends publish their counts within a
 * second or so of their last transaction, so a difference of two readings is a mean over the
 * calls published in between, not an exact set.
 */
export async function functionStats(ownerUrl: string, schema: string, name: string): Promise<{ calls: number; totalMs: number } | null> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ calls: string; total: number }>(
      "SELECT calls, total_time AS total FROM pg_stat_user_functions WHERE schemaname = $1 AND funcname = $2",
      [schema, name],
    );
    return rows[0] ? { calls: Number(rows[0].calls), totalMs: rows[0].total } : null;
  } finally {
    await client.end();
  }
}

/** As if the bench user had followed the verification link (a free plan's quota waits for it). */
async function verifyBenchUser(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query("UPDATE users SET email_verified_at = now() WHERE email = $1", [BENCH_USER.email]);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`The app did not become healthy within ${timeoutMs / 1000}s`);
}

/** SIGTERM (lets --cpu-prof write its profile), then SIGKILL if it lingers. */
async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** `--profile`: a fresh directory for the app server's CPU profile and the node flags that write it there; null without. */
export async function cpuProfile(enabled: boolean): Promise<{ dir: string; nodeArgs: string[] } | null> {
  if (!enabled) return null;
  const dir = await mkdtemp(path.join(tmpdir(), "bulkhead-bench-profile-"));
  return { dir, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] };
}

/** bench/lib/plain-proxy.mjs in a process of its own, forwarding to `upstream`: the floor a Node.js gateway starts from. */
export async function startPlainProxy(upstream: string): Promise<{ baseUrl: string; cpuMs(): number | null; close(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(ROOT, "bench", "lib", "plain-proxy.mjs"), upstream], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error("plain-proxy.mjs did not start listening within 10 s")), 10_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`plain-proxy.mjs exited with code ${code}`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, cpuMs: () => processCpuMs(child.pid), close: () => stopProcess(child) };
}
