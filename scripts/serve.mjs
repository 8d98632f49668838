// The production server that `npm start` runs (scripts/start.ts spawns it with the
// peer-address preload). Plain JS so it starts without a TypeScript loader of its own.
//
// One process, three front doors (ARCHITECTURE.md, "The data plane"):
//   /v1/*                   the tenant API, on plain node:http (lib/gateway/server.ts), ahead
//                           of Next's router: a Next.js route handler alone costs more than a
//                           whole gateway does;
//   POST /api/w/<slug>/chat the chat turn, the same route definition as Next's
//                           (lib/gateway/chat-door.ts), also ahead of the router;
//   the rest                Next.js (pages, other routes, the admin console), as `next start`.
// lib/ is loaded for both lean doors through ONE tsx namespace (no global hooks: Next's own
// compiled chunks load untouched), so the gateway and the chat door share one copy of lib/
// (reservation and settlement batches, caches). A second tsImport would load a second copy.
// Module state shared with Next's copy — the database pool, the Redis client, the Claude
// client and simulator, the scheduler — lives on globalThis, so there is one of each.
import http from "node:http";
import next from "next";
import { register } from "tsx/esm/api";

function argument(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const port = Number(argument("-p", process.env.PORT ?? "3000"));
const hostname = argument("-H", "0.0.0.0");

const lean = register({ namespace: "bulkhead-lean-doors" });
const { createGateway } = await lean.import("../lib/gateway/server.ts", import.meta.url);
const gateway = createGateway();
const app = next({ dev: false, dir: process.cwd(), hostname, port });
await app.prepare();
const handle = app.getRequestHandler();
// After Next has set up its runtime: the chat door's route definition imports next/headers,
// which needs the AsyncLocalStorage Next installs.
const { CHAT_PATH, serveChat, writesInFlight } = await lean.import("../lib/gateway/chat-door.ts", import.meta.url);

function isGatewayPath(url) {
  return url === "/v1" || url.startsWith("/v1/") || url.startsWith("/v1?");
}

function onChatError(res, error) {
  console.error("[bulkhead] chat door failed", error);
  if (!res.headersSent) {
    res.writeHead(500, { "content-type": "application/json" });
    res.end('{"error":{"code":"internal_error","message":"Something went wrong. Please try again."}}');
  } else res.end();
}

const server = http.createServer((req, res) => {
  const url = req.url ?? "";
  if (isGatewayPath(url)) return void gateway(req, res);
  const chat = req.method === "POST" ? CHAT_PATH.exec(url) : null;
  if (chat) return void serveChat(req, res, chat[1]).catch((error) => onChatError(res, error));
  void handle(req, res);
});
// Long generations stream for minutes: no request timeout beyond the pipeline's own.
server.requestTimeout = 0;
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => {
  console.log(`[bulkhead] serving on ${hostname}:${port} (tenant API at /v1, app via Next.js)`);
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // Once every response has ended (each answer's write started before its response did),
    // the writes still on their way go in before the process does.
    void new Promise((resolve) => server.close(resolve))
      .then(() => writesInFlight())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
