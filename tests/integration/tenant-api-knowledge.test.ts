import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inject } from "vitest";
import { ApiKeyCache } from "@/lib/api-keys/cache";
import { createApiKey } from "@/lib/api-keys/keys";
import { signUp } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TenantContext } from "@/lib/db/scope";
import { createGateway } from "@/lib/gateway/server";
import { registerJob, startJobs, stopJobs } from "@/lib/jobs/boss";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * The tenant API's knowledge endpoints on real PostgreSQL with pg-boss ingesting: a key
 * with knowledge:write adds a document from text, the search endpoint ranks it, and
 * identical terms in two workspaces never cross.
 */
let prisma: PrismaClient;
let server: http.Server;
let baseURL: string;

interface Tenant {
  ctx: TenantContext;
  writer: string;
  reader: string;
}

async function tenant(name: string): Promise<Tenant> {
  const r = await signUp({ name, email: `${unique(name.toLowerCase())}@kapi.test`, password: "long-enough-1", workspaceName: `${name} Corp` });
  const ctx = { tenantId: r.tenantId, userId: r.userId };
  const writer = await createApiKey(ctx, { name: "ingest", scopes: ["knowledge:write"] });
  const reader = await createApiKey(ctx, { name: "search", scopes: ["messages"] });
  return { ctx, writer: writer.key, reader: reader.key };
}

const post = (path: string, key: string, body: unknown) =>
  fetch(`${baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify(body) });

async function ready(tenantId: string, id: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const [row] = await ownerQuery<{ status: string; failure_reason: string | null }>("SELECT status, failure_reason FROM knowledge_documents WHERE tenant_id = $1 AND id = $2", [tenantId, id]);
      expect(row?.failure_reason ?? null).toBeNull();
      expect(row?.status).toBe("ready");
    },
    { timeout: 20_000, interval: 200 },
  );
}

beforeAll(async () => {
  prisma = useAppDatabase();
  const { ingestDocument } = await import("@/lib/knowledge/ingest");
  registerJob("knowledge-ingest", async (payload, ctx) => {
    await ingestDocument(payload, ctx);
  });
  await startJobs({ work: true, schedules: false, connectionString: inject("appUrl"), max: 3, pollingIntervalSeconds: 0.5 });
  const gateway = createGateway({ keys: new ApiKeyCache({ ttlMs: 50 }) });
  server = http.createServer((req, res) => void gateway(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await stopJobs();
  await prisma.$disconnect();
});

describe("/v1/knowledge", () => {
  it("adds a document from text, ranks it in search, and never crosses workspaces", async () => {
    const [a, b] = [await tenant("Kalpha"), await tenant("Kbravo")];
    const term = unique("zanzibarium");
    const created = await post("/v1/knowledge/documents", a.writer, { title: "Returns policy", text: `# Returns\n\nOur ${term} policy: refunds within 30 days.` });
    expect(created.status).toBe(201);
    const doc = await created.json();
    expect(doc).toMatchObject({ title: "Returns policy", status: "queued", visibility: "members" });
    const other = await post("/v1/knowledge/documents", b.writer, { title: "Bravo secret", text: `The ${term} of Bravo is confidential.` });
    const otherDoc = await other.json();
    await ready(a.ctx.tenantId, doc.id);
    await ready(b.ctx.tenantId, otherDoc.id);

    const found = await (await post("/v1/knowledge/search", a.reader, { query: term })).json();
    expect(found.data.length).toBeGreaterThan(0);
    expect(found.data.every((p: { document_id: string }) => p.document_id === doc.id)).toBe(true);
    expect(found.data[0]).toMatchObject({ document_title: "Returns policy" });
    expect(found.data[0].text).toContain(term);
    const fromB = await (await post("/v1/knowledge/search", b.reader, { query: term })).json();
    expect(fromB.data.map((p: { document_id: string }) => p.document_id)).toEqual([otherDoc.id]);

    // A new version replaces the old once ready: one live version.
    const replaced = await post("/v1/knowledge/documents", a.writer, { title: "Returns policy", text: `Our ${term} policy: refunds within 60 days.`, replace: doc.id });
    expect(replaced.status).toBe(200);
    await ready(a.ctx.tenantId, doc.id);
    const again = await (await post("/v1/knowledge/search", a.reader, { query: term })).json();
    expect(again.data.map((p: { text: string }) => p.text).join(" ")).toContain("60 days");
    expect(again.data.map((p: { text: string }) => p.text).join(" ")).not.toContain("30 days");
  });

  it("refuses a write without the scope, a bad body, and a search without a query", async () => {
    const a = await tenant("Kcharlie");
    expect((await post("/v1/knowledge/documents", a.reader, { title: "x", text: "y" })).status).toBe(403);
    const bad = await post("/v1/knowledge/documents", a.writer, { title: "x", body: "y" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/body: Extra inputs are not permitted|text/);
    expect((await post("/v1/knowledge/search", a.reader, {})).status).toBe(400);
    expect((await post("/v1/knowledge/search", a.writer, { query: "x" })).status).toBe(403);
  });

  it("a key whose creator is no longer an admin cannot write", async () => {
    const a = await tenant("Kdelta");
    await ownerQuery("UPDATE memberships SET role = 'member' WHERE tenant_id = $1 AND user_id = $2", [a.ctx.tenantId, a.ctx.userId]);
    const res = await post("/v1/knowledge/documents", a.writer, { title: "x", text: "y" });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain("no longer an admin");
  });
});
