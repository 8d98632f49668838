import http, { request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { clientIp } from "@/lib/api/client-ip";

const xff = (value: string) => new Headers({ "x-forwarded-for": value });

describe("clientIp without trusted proxies (the default)", () => {
  it("uses the socket address, the right-most entry the server appended, and ignores what the client wrote", () => {
    expect(clientIp(xff("6.6.6.6, 203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientIp(xff("1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.7"), 0)).toBe("203.0.113.7");
  });

  it("ignores X-Real-IP, which the client controls just as well", () => {
    expect(clientIp(new Headers({ "x-real-ip": "6.6.6.6" }), 0)).toBe("unknown");
  });

  it("maps IPv4-mapped IPv6 socket addresses to the IPv4 address", () => {
    expect(clientIp(xff("::ffff:203.0.113.7"), 0)).toBe("203.0.113.7");
  });
});

describe("clientIp with trusted proxy hops", () => {
  it("takes the right-most address that no trusted proxy wrote (one hop)", () => {
    // client claims 6.6.6.6; the load balancer appended the real client 198.51.100.4; our server appended the balancer 10.0.0.2
    expect(clientIp(xff("6.6.6.6, 198.51.100.4, 10.0.0.2"), 1)).toBe("198.51.100.4");
  });

  it("walks two hops left for two proxies", () => {
    expect(clientIp(xff("6.6.6.6, 198.51.100.4, 10.0.0.9, 10.0.0.2"), 2)).toBe("198.51.100.4");
  });

  it("rotating the client's own entries does not change the answer", () => {
    const a = clientIp(xff("1.1.1.1, 198.51.100.4, 10.0.0.2"), 1);
    const b = clientIp(xff("9.9.9.9, 8.8.8.8, 198.51.100.4, 10.0.0.2"), 1);
    expect(a).toBe(b);
  });

  it("takes the furthest entry when a configured proxy did not append", () => {
    expect(clientIp(xff("10.0.0.2"), 2)).toBe("10.0.0.2");
  });

  it("reduces junk and ports to something that cannot mint a fresh bucket per request", () => {
    expect(clientIp(xff("not-an-ip, 10.0.0.2"), 1)).toBe("invalid");
    expect(clientIp(xff("198.51.100.4:5123, 10.0.0.2"), 1)).toBe("198.51.100.4");
    expect(clientIp({ "x-forwarded-for": ["198.51.100.4", "10.0.0.2"] }, 1)).toBe("198.51.100.4");
  });
});

describe("scripts/peer-address.mjs (preloaded into next start)", () => {
  it("appends the socket address after a client-supplied X-Forwarded-For, so the client cannot choose its address", async () => {
    await import("@/scripts/peer-address.mjs");
    const seen = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      // Through the module object, as Next's start-server calls it (a named import is a snapshot).
      const server = http.createServer((req, res) => {
        resolve(req.headers);
        res.end();
        server.close();
      });
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        request({ host: "127.0.0.1", port, headers: { "x-forwarded-for": "6.6.6.6" } }).on("error", reject).end();
      });
    });
    expect(seen["x-forwarded-for"]).toBe("6.6.6.6, 127.0.0.1");
    expect(clientIp(seen as Record<string, string>, 0)).toBe("127.0.0.1");
  });
});
