import { isIP } from "node:net";
import { env } from "@/lib/env";

type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined;

function read(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The client's address for per-IP limits.
 *
 * X-Forwarded-For is a list anyone can start: a client writes what it likes, and each
 * proxy appends the address it received the request from. `npm start` appends the socket
 * address itself (scripts/peer-address.mjs), so the right-most entry is always the TCP
 * peer. With `trustedHops` proxies of ours in front, the peer is the nearest of them and
 * each one appended its own peer: the client is the entry `trustedHops` places left of the
 * right-most — the right-most one no trusted proxy wrote. Everything further left is the
 * client's own claim and is never believed. With 0 hops (the default) that is the socket
 * address and the header's other entries are ignored.
 *
 * Under `next dev` (no preload) Next fills the header from the socket only when the client
 * sent none, so there a client can still choose its address: a development-only gap.
 */
export function clientIp(headers: HeaderSource, trustedHops: number = env.TRUSTED_PROXY_HOPS): string {
  const chain = (read(headers, "x-forwarded-for") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (chain.length === 0) return "unknown";
  // Fewer entries than trusted hops means a proxy did not append: take the furthest we have.
  const candidate = chain[Math.max(0, chain.length - 1 - trustedHops)]!;
  return normaliseIp(candidate);
}

function normaliseIp(raw: string): string {
  // IPv4-mapped IPv6 from the socket ("::ffff:1.2.3.4") is the same client as "1.2.3.4".
  const ip = raw.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "").replace(/^\[(.*)\]$/, "$1");
  // A proxy may write "1.2.3.4:5678"; anything else that is not an address is one shared
  // bucket, so junk cannot mint a fresh limit per request.
  const withoutPort = /^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip) ? ip.slice(0, ip.lastIndexOf(":")) : ip;
  return isIP(withoutPort) ? withoutPort.toLowerCase() : "invalid";
}
