import http from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAuthSecret } from "@/lib/auth/secret";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { CHAT_PATH, serveChat } from "@/lib/gateway/chat-door";
import { createClaudeClient, setClaudeClient } from "@/lib/llm/anthropic-client";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * The chat's lean front door (lib/gateway/chat-door.ts) on a real node:http server, as
 * scripts/serve.mjs mounts it: the same checks as the Next route — session from the cookie,
 * membership from the database, same-origin, JSON only — then the turn, streamed as NDJSON.
 */
let prisma: PrismaClient;
let sim: RunningSimulator;
let server: http.Server;
let base: string;
let slug: string;
let cookie: string;
let userId: string;

beforeAll(async () => {
  prisma = useAppDatabase();
  sim = await startSimulator({ port: 0 });
  setClaudeClient(createClaudeClient({ baseURL: sim.url }));
  const r = await signUp({ name: "Door", email: `${unique("door")}@door.test`, password: "long-enough-1", workspaceName: "Door Corp" });
  userId = r.userId;
  await ownerQuery("UPDATE users SET email_verified_at = now() WHERE id = $1", [r.userId]);
  [{ slug }] = (await ownerQuery<{ slug: string }>("SELECT slug FROM tenants WHERE id = $1", [r.tenantId])) as [{ slug: string }];
  cookie = `next-auth.session-token=${await encode({ token: { userId: r.userId, sessionVersion: 0 }, secret: getAuthSecret() })}`;
  server = http.createServer((req, res) => {
    const match = CHAT_PATH.exec(req.url ?? "");
    if (!match) return void res.writeHead(404).end();
    void serveChat(req, res, match[1]!);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  setClaudeClient(undefined);
  await sim.close();
  await prisma.$disconnect();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", cookie, ...headers }, body });

describe("the chat's lean front door", () => {
  it("streams a turn for a signed-in member, with the API routes' security headers, and stores it", async () => {
    const res = await post(`/api/w/${slug}/chat`, JSON.stringify({ message: "Hello through the door" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const events = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; conversationId?: string });
    expect(events[0]?.type).toBe("start");
    expect(events.at(-1)?.type).toBe("done");
    const [stored] = await ownerQuery<{ n: string }>("SELECT count(*)::text AS n FROM messages WHERE conversation_id = $1 AND user_id = $2", [events[0]!.conversationId, userId]);
    expect(Number(stored?.n)).toBe(2);
  });

  it("refuses what the Next route refuses: no session, a foreign workspace, a cross-site post, a non-JSON body, a bad field", async () => {
    expect((await fetch(`${base}/api/w/${slug}/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    expect((await post(`/api/w/not-${slug}/chat`, JSON.stringify({ message: "x" }))).status).toBe(404);
    expect((await post(`/api/w/${slug}/chat`, JSON.stringify({ message: "x" }), { origin: "https://evil.example", "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(`/api/w/${slug}/chat`, "message=x", { "content-type": "text/plain" })).status).toBe(415);
    const bad = await post(`/api/w/${slug}/chat`, JSON.stringify({ message: 42 }));
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.code).toBe("validation_failed");
    const forged = `next-auth.session-token=${await encode({ token: { userId, sessionVersion: 0 }, secret: "another-secret-entirely-0123456789" })}`;
    expect((await post(`/api/w/${slug}/chat`, JSON.stringify({ message: "x" }), { cookie: forged })).status).toBe(401);
  });
});
