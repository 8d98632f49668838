import { z } from "zod";

/**
 * The only reader of process.env (besides instrumentation.ts's NEXT_RUNTIME test, which
 * the bundler must see literally; tests/unit/env-readers.test.ts keeps it so).
 * Everything else imports `env` from here.
 * Unset values mean "use the embedded default" (see ARCHITECTURE.md).
 */
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .pipe(z.string().url().optional())
  .optional();

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Interface `npm start` binds; unset means 127.0.0.1 (this machine only). */
  HOSTNAME: optionalString,
  /**
   * How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the
   * default) ignores the header and uses the socket address: a client can write anything
   * into it, so it is only believed as far as proxies we run have vouched for it.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Owner connection: migrations, role setup. */
  DATABASE_URL: optionalUrl,
  /** The application's login (no table privileges of its own). Derived from DATABASE_URL when unset. */
  DATABASE_APP_URL: optionalUrl,
  DATABASE_APP_PASSWORD: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** The longest a query waits for a connection of the pool (all in use) or for a new one to open, before it fails (default: lib/db/client.ts). */
  DATABASE_POOL_TIMEOUT_MS: optionalString.transform((v) => (v === undefined ? undefined : Number(v))).pipe(z.number().int().min(100).max(600_000).optional()),
  /** An upstream stream silent this long is cut (billed as estimated, reported as an error). */
  STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(45_000),
  /** No stream runs longer than this; the sweeper treats rows in flight past it as abandoned. */
  STREAM_TOTAL_TIMEOUT_MS: z.coerce.number().int().min(10_000).max(3_600_000).default(600_000),
  REDIS_URL: optionalUrl,
  UPSTASH_REDIS_REST_URL: optionalUrl,
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  SIMULATOR_PORT: z.coerce.number().int().min(1).max(65535).default(4010),
  /**
   * "1": the app's in-process simulator honours `[[sim:…]]` fault markers in user messages
   * (demos, e2e tests). Off by default: any member could inject faults or make it echo the
   * whole system prompt.
   */
  SIMULATOR_FAULTS: z.enum(["0", "1"]).default("0").transform((v) => v === "1"),
  /** "1": the app's in-process simulator keeps its received log (every tenant's prompts; tests only). */
  SIMULATOR_RECEIVED_LOG: z.enum(["0", "1"]).default("0").transform((v) => v === "1"),
  NEXTAUTH_SECRET: optionalString,
  NEXTAUTH_URL: optionalUrl,
  /** Real mail (smtp://user:pass@host:587, smtps://…). Unset: mail goes to the dev mailbox (lib/mail/mailer.ts). */
  SMTP_URL: optionalUrl,
  /** The From address of mail the app sends. */
  MAIL_FROM: optionalString,
  /**
   * "1" when scripts/start.ts serves the embedded database: the dev mailbox page exists only
   * then, and hot-path statements are not prepared (PGlite has one session for all connections).
   */
  BULKHEAD_EMBEDDED_DB: optionalString,
  BULKHEAD_DATA_DIR: optionalString,
  /** "1" in the app server `npm run bench` starts: mounts the bench proxy, no background jobs. */
  BULKHEAD_BENCH: optionalString,
  /**
   * Where background jobs run (lib/jobs/boss.ts): "in-process" (the default; `npm start`) or
   * "worker" (the app server only enqueues; `npm run worker` processes run them).
   */
  BULKHEAD_JOBS: z.enum(["in-process", "worker"]).default("in-process"),
  /** Embeddings for knowledge search (lib/knowledge/voyage.ts); unset means full-text search only. */
  VOYAGE_API_KEY: optionalString,
  /** A Voyage-compatible server, without /v1; unset means https://api.voyageai.com. */
  VOYAGE_BASE_URL: optionalUrl,
  /** The embedding model; unset means voyage-3.5. */
  VOYAGE_MODEL: optionalString,
});

export type Env = z.infer<typeof schema>;

function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export const env: Env = parseEnv(process.env);
