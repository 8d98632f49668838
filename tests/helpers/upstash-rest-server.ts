import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis as IORedis } from "ioredis";
import {
  batchSchema,
  commandSchema,
  createCommandExecutor,
  ioredisBackend,
  type CommandReply,
} from "@/lib/redis/ioredis-requester";

/**
 * A small server speaking Upstash's REST protocol over a real Redis, so that the
 * `upstash-rest` transport (the SDK's own HTTP client, base64 response encoding and
 * all) runs the same tests as the other two without network access.
 *
 * POST /            body: one command, e.g. ["SET", "k", "v"]   → { result } | 400 { error }
 * POST /pipeline    body: array of commands                     → [{ result } | { error }, …]
 * POST /multi-exec  body: array of commands, run atomically     → same, or 400 { error }
 *
 * Scripts get the same `#!lua` shebang treatment as the TCP transport (Redis 7.0 here).
 */

export type UpstashRestServer = {
  url: string;
  token: string;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Upstash's base64 mode: every string in a result is base64 (UTF-8), except a
 * top-level "OK", which the SDK's decoder expects verbatim. Numbers and nil stay.
 */
function encodeBase64(value: unknown, topLevel = true): unknown {
  if (typeof value === "string") {
    return topLevel && value === "OK" ? value : Buffer.from(value, "utf8").toString("base64");
  }
  if (Array.isArray(value)) return value.map((item) => encodeBase64(item, false));
  return value;
}

const encodeReply = (reply: CommandReply, base64: boolean): CommandReply =>
  base64 && "result" in reply ? { result: encodeBase64(reply.result) } : reply;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startUpstashRestServer(options: {
  token: string;
  redisUrl?: string;
}): Promise<UpstashRestServer> {
  const client = new IORedis(options.redisUrl ?? "redis://127.0.0.1:6379", {
    maxRetriesPerRequest: 1,
  });
  // A lost connection surfaces as failed commands (answered with an error body, as Upstash
  // would); without a listener ioredis would also print "Unhandled error event" each retry.
  client.on("error", () => {});
  const executor = createCommandExecutor(ioredisBackend(client));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      send(res, 401, { error: "Unauthorized" });
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, { error: "ERR only POST is supported by this test server" });
      return;
    }
    const base64 = req.headers["upstash-encoding"]?.toString().toLowerCase() === "base64";
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      send(res, 400, { error: "ERR failed to parse request body" });
      return;
    }

    if (path === "/pipeline" || path === "/multi-exec") {
      const commands = batchSchema.safeParse(body);
      if (!commands.success) {
        send(res, 400, { error: "ERR malformed batch body" });
        return;
      }
      const outcome = await executor.batch(commands.data, path === "/multi-exec");
      if ("error" in outcome) send(res, 400, { error: outcome.error });
      else send(res, 200, outcome.replies.map((reply) => encodeReply(reply, base64)));
      return;
    }
    if (path !== "/") {
      send(res, 404, { error: `ERR unsupported path ${path}` });
      return;
    }
    const command = commandSchema.safeParse(body);
    if (!command.success) {
      send(res, 400, { error: "ERR malformed command body" });
      return;
    }
    const reply = await executor.exec(command.data);
    send(res, "error" in reply ? 400 : 200, encodeReply(reply, base64));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Redis unreachable: the SDK treats any non-2xx as an error.
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) send(res, 500, { error: `ERR ${message}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      await client.quit();
    },
  };
}
