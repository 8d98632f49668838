import { createHash } from "node:crypto";
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { z } from "zod";

/**
 * Lets the `@upstash/redis` client talk to a TCP Redis (ioredis) or to the embedded
 * store (ioredis-mock) through its custom `request({ path, body })` hook, and serves the
 * test Upstash REST server with the same command handling.
 *
 * Replies are returned as plain JSON values. The SDK's base64 response encoding lives
 * in its HttpClient only, so nothing here is base64-encoded and nothing is decoded.
 */

/** The SDK serialises every argument to a string, number or boolean before sending. */
const argSchema = z.union([z.string(), z.number(), z.boolean()]).transform(String);
export const commandSchema = z.tuple([z.string().min(1)], argSchema);
export const batchSchema = z.array(commandSchema);

export type RedisCommand = z.infer<typeof commandSchema>;
export type CommandReply = { result: unknown } | { error: string };
/** A batch either runs (one reply per command) or is refused as a whole (EXECABORT). */
export type BatchOutcome = { replies: CommandReply[] } | { error: string };

/** How commands reach the store: the only thing that differs between ioredis and the mock. */
export interface CommandBackend {
  /** Resolves the reply; rejects with `RedisReplyError` for an error reply, anything else for a transport failure. */
  send(name: string, args: readonly string[]): Promise<unknown>;
  batch(commands: readonly RedisCommand[], atomic: boolean): Promise<BatchOutcome>;
}

export class RedisReplyError extends Error {
  override name = "RedisReplyError";
}

export interface CommandExecutor {
  exec(command: RedisCommand): Promise<CommandReply>;
  batch(commands: readonly RedisCommand[], atomic: boolean): Promise<BatchOutcome>;
}

// ---------------------------------------------------------------------------------------
// Lua shebang handling.
//
// @upstash/ratelimit >= 2.1 scripts start with `#!lua flags=allow-key-locking`, which
// Redis 7.0 (and ioredis-mock) reject. EVAL runs the script with that line blanked (kept
// as an empty line so Lua error line numbers still match the SDK source); without a
// shebang Redis runs it in the pre-7 compatibility mode, where every flag-guarded
// behaviour is allowed. The SDK calls EVALSHA with the hash of the *original* text
// and falls back to EVAL on NOSCRIPT. So: an unknown hash goes to the store unchanged
// (Redis 7.0 cannot hold a flagged script, so it answers NOSCRIPT and the SDK sends the
// script); once seen, the original hash maps to the blanked script and later calls are
// EVALSHA of that script, with EVAL as a fallback after SCRIPT FLUSH or a restart.
// ---------------------------------------------------------------------------------------

const EVAL_FOR_EVALSHA: ReadonlyMap<string, string> = new Map([
  ["evalsha", "eval"],
  ["evalsha_ro", "eval_ro"],
]);
const EVAL_COMMANDS = new Set(["eval", "eval_ro"]);
const LUA_SHEBANG = /^#!lua\b[^\n]*/;
/** A bound on memory in case the application EVALs generated scripts. */
const MAX_REMEMBERED_SCRIPTS = 1000;

type StoredScript = { script: string; sha: string };

const sha1 = (text: string): string => createHash("sha1").update(text, "utf8").digest("hex");

class ScriptRegistry {
  private readonly byOriginalSha = new Map<string, StoredScript>();

  /** The script as the store can run it; remembers the original hash when it differs. */
  prepare(script: string): string {
    if (!LUA_SHEBANG.test(script)) return script;
    const stripped = script.replace(LUA_SHEBANG, "");
    if (this.byOriginalSha.size >= MAX_REMEMBERED_SCRIPTS) this.byOriginalSha.clear();
    this.byOriginalSha.set(sha1(script), { script: stripped, sha: sha1(stripped) });
    return stripped;
  }

  lookup(originalSha: string): StoredScript | undefined {
    return this.byOriginalSha.get(originalSha.toLowerCase());
  }
}

const isNoScript = (error: unknown): boolean =>
  error instanceof RedisReplyError && error.message.startsWith("NOSCRIPT");

const replyOf = async (run: () => Promise<unknown>): Promise<CommandReply> => {
  try {
    return { result: await run() };
  } catch (error) {
    if (error instanceof RedisReplyError) return { error: error.message };
    throw error;
  }
};

export function createCommandExecutor(backend: CommandBackend): CommandExecutor {
  const scripts = new ScriptRegistry();

  /** Same command, shebang removed; inside a batch a known hash becomes a plain EVAL so a NOSCRIPT cannot break the batch. */
  const rewrite = ([rawName, ...args]: RedisCommand): RedisCommand => {
    const name = rawName.toLowerCase();
    const [first, ...rest] = args;
    if (first === undefined) return [name];
    if (EVAL_COMMANDS.has(name)) return [name, scripts.prepare(first), ...rest];
    const evalName = EVAL_FOR_EVALSHA.get(name);
    const known = evalName === undefined ? undefined : scripts.lookup(first);
    if (evalName !== undefined && known !== undefined) return [evalName, known.script, ...rest];
    return [name, ...args];
  };

  return {
    async exec(command) {
      const [rawName, first, ...rest] = command;
      const name = rawName.toLowerCase();
      const evalName = EVAL_FOR_EVALSHA.get(name);
      const known = evalName === undefined || first === undefined ? undefined : scripts.lookup(first);
      if (evalName !== undefined && known !== undefined) {
        return replyOf(async () => {
          try {
            return await backend.send(name, [known.sha, ...rest]);
          } catch (error) {
            if (!isNoScript(error)) throw error;
            return backend.send(evalName, [known.script, ...rest]);
          }
        });
      }
      const [finalName, ...args] = rewrite(command);
      return replyOf(() => backend.send(finalName, args));
    },
    batch(commands, atomic) {
      return backend.batch(commands.map(rewrite), atomic);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Replies: the shape Upstash's REST API would return (JSON; nil is null, never undefined).
// ---------------------------------------------------------------------------------------

function toJsonReply(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (Array.isArray(value)) return value.map(toJsonReply);
  if (value instanceof Error) return value.message;
  // ioredis-mock hands HGETALL back as an object; the wire reply is a flat array.
  if (typeof value === "object") return Object.entries(value).flat().map(toJsonReply);
  return value;
}

/** Redis converts Lua values on return (true → 1, false → nil, numbers truncated); ioredis-mock does not. */
function fromLua(value: unknown): unknown {
  if (value === true) return 1;
  if (value === false) return null;
  if (typeof value === "number") return Math.trunc(value);
  if (Array.isArray(value)) return value.map(fromLua);
  return value;
}

const isEvalFamily = (name: string): boolean => EVAL_COMMANDS.has(name) || EVAL_FOR_EVALSHA.has(name);

// ---------------------------------------------------------------------------------------
// Backends.
// ---------------------------------------------------------------------------------------

const isIoredisReplyError = (error: unknown): boolean =>
  error instanceof Error && error.name === "ReplyError";

const asReplyError = (error: unknown): unknown =>
  isIoredisReplyError(error) && error instanceof Error ? new RedisReplyError(error.message) : error;

/** A real Redis server over TCP. */
export function ioredisBackend(client: IORedis): CommandBackend {
  return {
    async send(name, args) {
      try {
        // Upper case on purpose: ioredis applies its argument and reply transformers
        // (HGETALL → object, HSET/MSET from objects) only to lower-case command names.
        return toJsonReply(await client.call(name.toUpperCase(), [...args]));
      } catch (error) {
        throw asReplyError(error);
      }
    },
    async batch(commands, atomic) {
      const chain = atomic ? client.multi() : client.pipeline();
      for (const [name, ...args] of commands) chain.call(name.toUpperCase(), args);
      let rows: [Error | null, unknown][] | null;
      try {
        rows = await chain.exec();
      } catch (error) {
        if (isIoredisReplyError(error) && error instanceof Error) return { error: error.message };
        throw error;
      }
      if (rows === null) return { error: "EXECABORT Transaction discarded" };
      const replies = rows.map(([error, result]): CommandReply => {
        if (error === null) return { result: toJsonReply(result) };
        if (isIoredisReplyError(error)) return { error: error.message };
        throw error;
      });
      return { replies };
    },
  };
}

/** Real Redis command names: the mock is an object with many non-command methods too. */
const KNOWN_COMMANDS: ReadonlySet<string> = new Set(IORedis.prototype.getBuiltinCommands());

type MockMethod = (...args: string[]) => Promise<unknown>;

function mockMethod(client: IORedis, name: string): MockMethod {
  const candidate: unknown = Reflect.get(client, name);
  if (!KNOWN_COMMANDS.has(name) || typeof candidate !== "function") {
    throw new RedisReplyError(`ERR unknown command '${name}' (not supported by the in-memory store)`);
  }
  return (...args) => Promise.resolve(Reflect.apply(candidate, client, args));
}

function mockReply(name: string, value: unknown): unknown {
  // Arithmetic on a non-number yields NaN in the mock where Redis answers an error.
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new RedisReplyError("ERR value is not an integer or out of range");
  }
  return toJsonReply(isEvalFamily(name) ? fromLua(value) : value);
}

const mockError = (error: unknown): RedisReplyError =>
  error instanceof RedisReplyError
    ? error
    : new RedisReplyError(error instanceof Error ? error.message : String(error));

/**
 * The embedded store. ioredis-mock has no generic `call`, so commands go to its
 * methods by name. Every failure is a command error: there is no network to fail.
 */
export function ioredisMockBackend(client: IORedis): CommandBackend {
  const send = async (name: string, args: readonly string[]): Promise<unknown> => {
    const lower = name.toLowerCase();
    try {
      const method = mockMethod(client, lower);
      return mockReply(lower, await method(...args));
    } catch (error) {
      throw mockError(error);
    }
  };
  return {
    send,
    async batch(commands, atomic) {
      if (!atomic) {
        // In order, like a pipeline on the wire; each command may fail on its own.
        const replies: CommandReply[] = [];
        for (const [name, ...args] of commands) replies.push(await replyOf(() => send(name, args)));
        return { replies };
      }
      // MULTI/EXEC runs inside the mock so that no other command interleaves.
      const names = commands.map(([name]) => name.toLowerCase());
      let rows: [Error | null, unknown][] | null;
      try {
        for (const name of names) mockMethod(client, name);
        rows = await client.multi(commands.map(([, ...args], i) => [names[i], ...args])).exec();
      } catch (error) {
        return { error: `EXECABORT Transaction discarded because of previous errors: ${mockError(error).message}` };
      }
      if (rows === null) return { error: "EXECABORT Transaction discarded" };
      return {
        replies: rows.map(([error, result], i): CommandReply =>
          error === null ? { result: mockReply(names[i] ?? "", result) } : { error: mockError(error).message },
        ),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------
// The requester the SDK calls.
// ---------------------------------------------------------------------------------------

/**
 * `@upstash/redis` custom requester: `path[0]` is `pipeline` or `multi-exec` for
 * batches (body: array of commands), otherwise the body is one command.
 */
export function createIoredisRequester(backend: CommandBackend): Requester {
  const executor = createCommandExecutor(backend);
  return {
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const route = req.path?.[0];
      if (route === "pipeline" || route === "multi-exec") {
        const commands = batchSchema.safeParse(req.body);
        if (!commands.success) throw new errors.UpstashError("ERR malformed batch body");
        const outcome = await executor.batch(commands.data, route === "multi-exec");
        // The HTTP client throws on a refused batch (HTTP 400); do the same.
        if ("error" in outcome) throw new errors.UpstashError(outcome.error);
        // The SDK reads a batch response as an array of replies, although the
        // Requester type describes a single reply.
        return outcome.replies as unknown as UpstashResponse<TResult>;
      }
      if (req.path !== undefined && req.path.length > 0) {
        return { error: `ERR unsupported request path /${req.path.join("/")}` };
      }
      const command = commandSchema.safeParse(req.body);
      if (!command.success) return { error: "ERR malformed command body" };
      // The reply is whatever the store returned; the SDK's command deserialises it into TResult.
      return (await executor.exec(command.data)) as UpstashResponse<TResult>;
    },
  };
}
