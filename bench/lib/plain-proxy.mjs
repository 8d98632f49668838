// The floor for any Node.js gateway (api-streams' reference): a plain node:http server in a
// process of its own that forwards each request to one upstream on a kept-alive agent and
// pipes the response back, parsing and checking nothing. Usage: node plain-proxy.mjs <upstream URL>
// Prints "listening <port>" once it accepts connections (port 0: one the system chose).
import http from "node:http";

const upstream = new URL(process.argv[2] ?? "");
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: "lifo" });

const server = http.createServer((req, res) => {
  const out = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
