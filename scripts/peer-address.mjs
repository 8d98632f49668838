// Preloaded into `next start` by scripts/start.ts (node --import). Plain JS: it runs before
// anything else in that process, without tsx.
//
// `next start` fills X-Forwarded-For from the socket only when the request has none
// (next/dist/server/base-server.js: `??=`), so a client that sends its own header hides
// its real address from the app. Here every request gets the TCP peer appended, as a
// proxy would: the right-most entry is always the socket address, and lib/api/client-ip.ts
// walks left from it only across the TRUSTED_PROXY_HOPS that the operator vouches for.
import http from "node:http";

/** @param {import("node:http").IncomingMessage} req */
export function appendPeerAddress(req) {
  const peer = req.socket?.remoteAddress;
  if (!peer) return;
  const existing = req.headers["x-forwarded-for"];
  const prior = Array.isArray(existing) ? existing.join(", ") : existing;
  req.headers["x-forwarded-for"] = prior && prior.trim() !== "" ? `${prior}, ${peer}` : peer;
}

const createServer = http.createServer;
http.createServer = function patchedCreateServer(...args) {
  const server = createServer.apply(this, args);
  // prependListener: runs before Next's own request listener sees the headers.
  server.prependListener("request", appendPeerAddress);
  return server;
};
