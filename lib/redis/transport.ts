import { env, type Env } from "@/lib/env";

/**
 * Which store sits behind the one `@upstash/redis` client (ARCHITECTURE.md, "Environments").
 * Upstash REST wins when both it and REDIS_URL are set: it is the production setup, and
 * REDIS_URL is the self-hosted alternative.
 */
export type RedisTransport =
  | { kind: "upstash-rest"; url: string; token: string }
  | { kind: "redis-tcp"; url: string }
  | { kind: "memory" };

export type RedisTransportKind = RedisTransport["kind"];

type RedisEnv = Pick<Env, "REDIS_URL" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN">;

export function resolveRedisTransport(config: RedisEnv = env): RedisTransport {
  const { UPSTASH_REDIS_REST_URL: restUrl, UPSTASH_REDIS_REST_TOKEN: token, REDIS_URL: tcpUrl } =
    config;
  // Half an Upstash configuration is a deployment mistake. Silently dropping to the
  // per-process memory store would make every instance enforce its own limits.
  if ((restUrl === undefined) !== (token === undefined)) {
    throw new Error(
      "Set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither of them.",
    );
  }
  if (restUrl !== undefined && token !== undefined) {
    return { kind: "upstash-rest", url: restUrl, token };
  }
  if (tcpUrl !== undefined) return { kind: "redis-tcp", url: tcpUrl };
  return { kind: "memory" };
}

/** For the start banner; "memory" means limits are per process only. */
export function describeRedisTransport(): RedisTransportKind {
  return resolveRedisTransport().kind;
}
