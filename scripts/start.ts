import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { createPrismaClient, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { appDatabaseUrl } from "@/lib/db/urls";
import { env } from "@/lib/env";
import { describeRedisTransport } from "@/lib/redis/transport";
import { decideDemo, describeDemo, describeListenHost, listenHost, localProbeHost, parseStartArgs } from "@/lib/startup/plan";
import { lockDownDataDir } from "@/lib/startup/data-dir";
import { freePort } from "@/lib/startup/free-port";
import { writePidFile } from "@/lib/startup/pid-file";
import { DEMO_PASSWORD, DEMO_USERS, demoPresent, seedDemoOnce } from "@/prisma/seed";

/**
 * `npm start`: one command on a bare machine. Uses the real services that are configured
 * and embedded ones for the rest, migrates, seeds the demo once where it belongs (the
 * embedded database, or `--demo`; see lib/startup/plan.ts), starts the server (scripts/serve.mjs: the tenant API and Next.js in one process).
 */
interface Database {
  appUrl: string;
  label: string;
  close(): Promise<void>;
}

async function prepareDatabase(dataDir: string): Promise<Database> {
  if (env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      await migrate(pgRunner(client), await readMigrations());
    } finally {
      await client.end();
    }
    return { appUrl: appDatabaseUrl(), label: `PostgreSQL (DATABASE_URL, host ${new URL(env.DATABASE_URL).host})`, close: async () => {} };
  }
  const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
  const pgDir = path.join(dataDir, "pg");
  const embedded = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort() });
  const via = embedded.appUrl.includes("?host=") ? "Unix socket, this user only" : "loopback TCP";
  return { appUrl: embedded.appUrl, label: `embedded PostgreSQL (PGlite, ${pgDir}, ${via})`, close: embedded.close };
}

function redisLabel(): string {
  const kind = describeRedisTransport();
  if (kind === "upstash-rest") return "Upstash Redis (UPSTASH_REDIS_REST_URL)";
  if (kind === "redis-tcp") return "Redis over TCP (REDIS_URL)";
  return "in-memory store — per process only, limits are not shared between instances";
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The app did not become healthy within ${timeoutMs / 1000}s`);
}

async function main(): Promise<void> {
  const args = parseStartArgs(process.argv.slice(2));
  const dataDir = path.resolve(env.BULKHEAD_DATA_DIR ?? ".data");
  const demo = decideDemo({ embedded: !env.DATABASE_URL, demoFlag: args.demo, nodeEnv: env.NODE_ENV });
  await lockDownDataDir(dataDir);
  const db = await prepareDatabase(dataDir);
  if (!env.DATABASE_URL) await writePidFile(dataDir);

  const prisma = createPrismaClient(db.appUrl, 4);
  setPrismaClient(prisma);
  const seededNow = demo.seed ? await seedDemoOnce() : false;
  const present = seededNow || (await demoPresent());
  await prisma.$disconnect();

  const port = env.PORT;
  const host = listenHost(env.HOSTNAME);
  const baseUrl = env.NEXTAUTH_URL ?? `http://localhost:${port}`;
  // The preload appends the socket address to X-Forwarded-For (see the file for why).
  const preload = pathToFileURL(path.resolve("scripts", "peer-address.mjs")).href;
  // scripts/serve.mjs: the tenant API (/v1) on plain node:http, everything else through Next.js.
  const server = path.join("scripts", "serve.mjs");
  const child = spawn(process.execPath, ["--import", preload, server, "-p", String(port), "-H", host], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_APP_URL: db.appUrl,
      NEXTAUTH_URL: baseUrl,
      BULKHEAD_DATA_DIR: dataDir,
      BULKHEAD_EMBEDDED_DB: env.DATABASE_URL ? "" : "1",
    },
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // The server finishes the writes of answers it already sent before it exits
    // (scripts/serve.mjs); the embedded database must still be there for them.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 6_000))]);
    }
    await db.close().catch(() => {});
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  child.on("exit", (code) => void shutdown(code ?? 1));

  await waitForHealth(`http://${localProbeHost(host)}:${port}/api/health`, child);
  const claude = env.ANTHROPIC_API_KEY ? "Anthropic API (ANTHROPIC_API_KEY)" : "Claude simulator (no ANTHROPIC_API_KEY) — replies are simulated";
  const lines = [
    "",
    `  Bulkhead is running at ${baseUrl}`,
    "",
    `  Database  ${db.label}`,
    `  Limits    ${redisLabel()}`,
    `  Claude    ${claude}`,
    `  Listening ${describeListenHost(host)}, port ${port}`,
    `  Demo      ${describeDemo(demo, { present, seededNow })}`,
    "",
    ...(present && demo.seed
      ? [`  Demo logins (password for all: ${DEMO_PASSWORD})`, ...DEMO_USERS.map((u) => `    ${u.email.padEnd(24)} ${u.description}`), ""]
      : present
        ? []
        : ["  First staff user: npm run staff:create -- --email you@example.com", ""]),
  ];
  console.log(lines.join("\n"));
}

main().catch((error: unknown) => {
  console.error("[bulkhead] failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
