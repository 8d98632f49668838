type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined;

function read(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The client's address for per-IP limits: the first X-Forwarded-For hop (set by the load
 * balancer; `next start` fills it from the socket when absent), else X-Real-IP. Only as
 * trustworthy as the proxy in front: deploy behind one that overwrites the header.
 */
export function clientIp(headers: HeaderSource): string {
  const forwarded = read(headers, "x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || read(headers, "x-real-ip")?.trim();
  if (!ip) return "unknown";
  // IPv4-mapped IPv6 from the socket ("::ffff:1.2.3.4") is the same client as "1.2.3.4".
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "").slice(0, 64);
}
