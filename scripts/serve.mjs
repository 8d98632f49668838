// The production server that `npm start` runs (scripts/start.ts spawns it with the
// peer-address preload). Plain JS so it starts without a TypeScript loader of its own.
//
// One process, two front doors (ARCHITECTURE.md, "The data plane"):
//   /v1/*      the tenant API, on plain node:http (lib/gateway/server.ts), ahead of Next's
//              router: a Next.js route handler alone costs more than a whole gateway does;
//   the rest   Next.js (pages, the chat route, the admin console), as `next start` serves it.
// lib/ is loaded for the gateway through tsx's scoped import (no global hooks: Next's own
// compiled chunks load untouched). Module state the two share — the database pool, the Redis
// client, the Claude client and simulator — lives on globalThis, so there is one of each.
import http from "node:http";
import next from "next";
import { tsImport } from "tsx/esm/api";

function argument(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const port = Number(argument("-p", process.env.PORT ?? "3000"));
const hostname = argument("-H", "0.0.0.0");

const { createGateway } = await tsImport("../lib/gateway/server.ts", import.meta.url);
const gateway = createGateway();
const app = next({ dev: false, dir: process.cwd(), hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

function isGatewayPath(url) {
  return url === "/v1" || url.startsWith("/v1/") || url.startsWith("/v1?");
}

const server = http.createServer((req, res) => {
  if (isGatewayPath(req.url ?? "")) void gateway(req, res);
  else void handle(req, res);
});
// Long generations stream for minutes: no request timeout beyond the pipeline's own.
server.requestTimeout = 0;
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => {
  console.log(`[bulkhead] serving on ${hostname}:${port} (tenant API at /v1, app via Next.js)`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
