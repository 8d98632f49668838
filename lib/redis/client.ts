import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import RedisMock from "ioredis-mock";
import { createIoredisRequester, ioredisBackend, ioredisMockBackend } from "./ioredis-requester";
import { resolveRedisTransport, type RedisTransport } from "./transport";

/**
 * One `@upstash/redis` client whatever the store: Upstash over REST, a TCP Redis, or the
 * embedded per-process store. Callers (rate limits, quotas) never see the difference.
 */

// On globalThis, as the client itself (below): `npm start` loads lib/ twice, Next's bundle for
// the pages and tsx's for the lean doors (scripts/serve.mjs), and a client one copy made must
// be known to the other as the TCP client it is (a module-level map made the data plane's
// one-trip admission silently fall back to four round trips whenever Next touched Redis first).
const shared = globalThis as typeof globalThis & {
  __bulkheadRedisParts?: { closers: WeakMap<Redis, () => Promise<void>>; tcpClients: WeakMap<Redis, IORedis> };
};
const { closers, tcpClients } = (shared.__bulkheadRedisParts ??= { closers: new WeakMap(), tcpClients: new WeakMap() });

/**
 * The ioredis connection behind a client made for a TCP Redis (undefined for Upstash REST and
 * the in-memory store): for the data plane's own Lua script (lib/limits/api-admission.ts),
 * which sends one EVALSHA straight on the socket instead of through the REST-shaped requester.
 */
export function tcpClientOf(redis: Redis): IORedis | undefined {
  return tcpClients.get(redis);
}
let memoryStores = 0;

function createTcpClient(url: string): IORedis {
  const client = new IORedis(url, {
    // Importing this module (e.g. during `next build`) must not open a connection.
    lazyConnect: true,
    // Rate limiting needs a quick answer: fail a command after one reconnect attempt
    // instead of queueing it through ~20 (the ioredis default) while Redis is down.
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Bounds any command (not only rate-limit checks, which have their own timeout)
    // when a connection is open but Redis does not answer.
    commandTimeout: 5_000,
    // Commands issued in the same tick leave in one socket write (the data plane sends its
    // rate-limit checks and the key's revocation check together).
    enableAutoPipelining: true,
  });
  // ioredis reports every failed reconnect; one line per outage is enough. The URL is
  // not logged because it may carry a password.
  let reported = false;
  client.on("error", (error: Error) => {
    if (reported) return;
    reported = true;
    console.warn(`[redis] TCP Redis unavailable: ${error.message}`);
  });
  client.on("ready", () => {
    reported = false;
  });
  return client;
}

async function closeTcpClient(client: IORedis): Promise<void> {
  if (client.status === "ready") {
    await client.quit();
  } else {
    client.disconnect();
  }
}

export function createRedis(transport: RedisTransport): Redis {
  switch (transport.kind) {
    case "upstash-rest": {
      const redis = new Redis({ url: transport.url, token: transport.token });
      closers.set(redis, async () => {});
      return redis;
    }
    case "redis-tcp": {
      const client = createTcpClient(transport.url);
      const redis = new Redis(createIoredisRequester(ioredisBackend(client)));
      closers.set(redis, () => closeTcpClient(client));
      tcpClients.set(redis, client);
      return redis;
    }
    case "memory": {
      // ioredis-mock shares data between instances with the same host; a distinct
      // host per store keeps each created store independent.
      const client = new RedisMock({ host: `bulkhead-memory-${++memoryStores}` });
      const redis = new Redis(createIoredisRequester(ioredisMockBackend(client)));
      closers.set(redis, async () => {
        client.disconnect();
      });
      return redis;
    }
  }
}

/** Releases the connection behind a client made by `createRedis` (tests, shutdown). */
export async function closeRedis(redis: Redis): Promise<void> {
  const close = closers.get(redis);
  closers.delete(redis);
  await close?.();
}

// On globalThis so that Next's dev reloads reuse one connection instead of opening
// one per reload.
const holder = globalThis as typeof globalThis & { __bulkheadRedis?: Redis };

export function getRedis(): Redis {
  holder.__bulkheadRedis ??= createRedis(resolveRedisTransport());
  return holder.__bulkheadRedis;
}
