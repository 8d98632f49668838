import http from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmbedded } from "@/tests/helpers/embedded-database";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { KnowledgeDocumentView } from "@/lib/knowledge/documents";
import type { EmbeddingProvider } from "@/lib/knowledge/embeddings";

/**
 * Knowledge vectors on pgvector (0026_knowledge_vectors), on the embedded database `npm
 * start` runs, which has the extension (Debian's PostgreSQL 15 here does not: there the
 * migration creates nothing, tests/integration/knowledge.test.ts). Documents go through the
 * real path — createDocument, the pg-boss queue, ingestDocument with a deterministic
 * provider — and search through searchKnowledge with the pgvector ranker. The process is
 * told it is on the embedded database before lib/ is loaded, as lib/startup does.
 */
process.env.BULKHEAD_EMBEDDED_DB = "1";

// A local Voyage-compatible server (the provider's own tests: tests/integration/voyage-provider.test.ts),
// configured as production would be, so the turn's default ranker is the real wiring.
const voyageRequests: Array<{ input: string[]; input_type: string; model: string }> = [];
let voyage: http.Server;

type Account = { tenantId: string; userId: string };
let embedded: Awaited<ReturnType<typeof startTestEmbedded>>;
let prisma: PrismaClient;
let ownerPool: pg.Pool;
let lib: {
  documents: typeof import("@/lib/knowledge/documents");
  embeddings: typeof import("@/lib/knowledge/embeddings");
  search: typeof import("@/lib/knowledge/search");
  sql: typeof import("@/lib/db/sql");
  boss: typeof import("@/lib/jobs/boss");
};
let provider: ReturnType<typeof import("@/lib/knowledge/embeddings").fakeEmbeddingProvider>;
let owner: Account;
let member: Account;
let otherOwner: Account;
/** What the ingestion job embeds with: the test's provider, or undefined for the configured one. */
let ingestEmbedder: EmbeddingProvider | undefined;
const enc = (s: string) => new TextEncoder().encode(s);

/** As the database owner (PGlite keeps a superuser session under the app's login). */
async function ownerQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = await ownerPool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL ROLE postgres");
    const { rows } = await client.query<R>(sql, params);
    await client.query("COMMIT");
    return rows;
  } finally {
    client.release();
  }
}

async function seedTenant(slug: string, emails: Array<[string, "owner" | "member"]>): Promise<Account[]> {
  const [tenant] = await ownerQuery<{ id: string }>("INSERT INTO tenants (slug, name, plan_id) VALUES ($1, $1, 'professional') RETURNING id", [slug]);
  const accounts: Account[] = [];
  for (const [email, role] of emails) {
    const [user] = await ownerQuery<{ id: string }>("INSERT INTO users (email, name, password_hash) VALUES ($1, $1, 'x') RETURNING id", [email]);
    await ownerQuery("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)", [tenant!.id, user!.id, role]);
    accounts.push({ tenantId: tenant!.id, userId: user!.id });
  }
  return accounts;
}

async function ready(actor: Account, id: string): Promise<KnowledgeDocumentView> {
  const deadline = Date.now() + 30_000;
  let last: KnowledgeDocumentView | null = null;
  while (Date.now() < deadline) {
    last = await lib.documents.getDocument(actor, id);
    if (last?.status === "ready" && last.liveVersion === last.version) return last;
    if (last?.status === "failed") throw new Error(`ingestion failed: ${last.failureReason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`document ${id} never became ready; last: ${JSON.stringify(last)}`);
}

async function markdown(actor: Account, title: string, text: string, visibility: "members" | "admins" = "members") {
  return ready(actor, (await lib.documents.createDocument(actor, { title, fileName: `${title}.md`, bytes: enc(text), visibility })).id);
}

/** Fails instead of hanging (the bugs these tests guard against are waits that never end). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const search = (scope: Account, query: string, vectors: boolean) =>
  lib.search.searchKnowledge(ownerPool, { kind: "tenant", ...scope }, query, { budgetTokens: 4_000, vectors: vectors ? lib.embeddings.pgvectorRanker(provider) : null });

beforeAll(async () => {
  // The server first: its address configures the app, which reads its environment once, at import.
  let voyageModel: EmbeddingProvider | undefined;
  voyage = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const request = JSON.parse(body) as { input: string[]; input_type: "document" | "query"; model: string };
      voyageRequests.push(request);
      void voyageModel!.embed(request.input, request.input_type).then((vectors) =>
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({ object: "list", data: vectors.map((embedding, index) => ({ object: "embedding", embedding, index })), model: request.model, usage: { total_tokens: 1 } }),
        ),
      );
    });
  });
  await new Promise<void>((resolve) => voyage.listen(0, "127.0.0.1", resolve));
  process.env.VOYAGE_API_KEY = "test-voyage-key";
  process.env.VOYAGE_BASE_URL = `http://127.0.0.1:${(voyage.address() as AddressInfo).port}`;
  const { fakeEmbeddingProvider, EMBEDDING_DIMENSIONS } = await import("@/lib/knowledge/embeddings");
  voyageModel = fakeEmbeddingProvider(EMBEDDING_DIMENSIONS, { car: "automobile", cars: "automobile" });
  const client = await import("@/lib/db/client");
  lib = {
    documents: await import("@/lib/knowledge/documents"),
    embeddings: await import("@/lib/knowledge/embeddings"),
    search: await import("@/lib/knowledge/search"),
    sql: await import("@/lib/db/sql"),
    boss: await import("@/lib/jobs/boss"),
  };
  embedded = await startTestEmbedded("vectors", 13);
  prisma = client.createPrismaClient(embedded.appUrl, 4);
  client.setPrismaClient(prisma);
  ownerPool = client.getPool();
  // "car" means what "automobile" means to this provider, which full-text search cannot know.
  provider = lib.embeddings.fakeEmbeddingProvider(lib.embeddings.EMBEDDING_DIMENSIONS, { car: "automobile", cars: "automobile" });
  ingestEmbedder = provider;
  [owner, member] = (await seedTenant("vectors-a", [["owner@a.test", "owner"], ["member@a.test", "member"]])) as [Account, Account];
  [otherOwner] = (await seedTenant("vectors-b", [["owner@b.test", "owner"]])) as [Account];
  const { ingestDocument } = await import("@/lib/knowledge/ingest");
  lib.boss.registerJob("knowledge-ingest", async (payload, ctx) => {
    await ingestDocument(payload, ctx, { embedder: ingestEmbedder });
  });
  await lib.boss.startJobs({ work: true, schedules: false, connectionString: embedded.appUrl, max: 3, pollingIntervalSeconds: 0.5 });
}, 180_000);

afterAll(async () => {
  await lib?.boss.stopJobs();
  await prisma?.$disconnect();
  await embedded?.stop();
  await new Promise((r) => voyage?.close(r));
});

describe("knowledge vectors on pgvector (embedded database)", () => {
  it("creates the store with row-level security forced and no privilege for staff or auth", async () => {
    expect(await lib.embeddings.vectorStoreAvailable(ownerPool)).toBe(true);
    expect(await lib.embeddings.defaultEmbedder(ownerPool, provider)).toBe(provider);
    expect(await lib.embeddings.vectorSearchState(ownerPool, provider)).toEqual({ on: true, model: provider.model });
    const [table] = await ownerQuery<{ forced: boolean; enabled: boolean }>(
      "SELECT relforcerowsecurity AS forced, relrowsecurity AS enabled FROM pg_class WHERE relname = 'knowledge_embeddings'",
    );
    expect(table).toEqual({ forced: true, enabled: true });
    const grants = await ownerQuery<{ role: string; privilege: string }>(
      "SELECT grantee AS role, privilege_type AS privilege FROM information_schema.role_table_grants WHERE table_name = 'knowledge_embeddings' AND grantee LIKE 'bh_%' ORDER BY 1, 2",
    );
    expect(grants).toEqual([
      { role: "bh_tenant", privilege: "DELETE" },
      { role: "bh_tenant", privilege: "INSERT" },
      { role: "bh_tenant", privilege: "SELECT" },
    ]);
  });

  it("embeds every chunk at ingestion with its model, keeps only the live version's, and drops them with the document", async () => {
    const calls = provider.calls.length;
    const doc = await markdown(owner, "Fleet", "# Fleet\n\nThe automobile fleet is serviced every spring.\n\n## Parking\n\nStaff park in the north garage.");
    expect(provider.calls.slice(calls).map((c) => c.inputType)).toEqual(["document"]);
    const rows = await ownerQuery<{ model: string; dims: number }>(
      "SELECT e.model, vector_dims(e.embedding) AS dims FROM knowledge_embeddings e JOIN knowledge_chunks c ON c.tenant_id = e.tenant_id AND c.id = e.chunk_id WHERE c.document_id = $1",
      [doc.id],
    );
    expect(doc.chunkCount).toBe(2);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.model === provider.model && r.dims === lib.embeddings.EMBEDDING_DIMENSIONS)).toBe(true);

    await ready(owner, (await lib.documents.replaceDocument(owner, doc.id, { fileName: "fleet.md", bytes: enc("# Fleet\n\nOne paragraph now.") })).id);
    const [after] = await ownerQuery<{ n: string; live: string }>(
      "SELECT count(*) AS n, count(*) FILTER (WHERE c.version = 2) AS live FROM knowledge_embeddings e JOIN knowledge_chunks c ON c.tenant_id = e.tenant_id AND c.id = e.chunk_id WHERE c.document_id = $1",
      [doc.id],
    );
    expect(after).toEqual({ n: "1", live: "1" });
    const [total] = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM knowledge_embeddings WHERE tenant_id = $1", [owner.tenantId]);
    expect(total!.n).toBe("1");

    await lib.documents.deleteDocument(owner, doc.id);
    const [gone] = await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM knowledge_embeddings WHERE tenant_id = $1", [owner.tenantId]);
    expect(gone!.n).toBe("0");
  });

  it("retries a provider that fails, and on the last attempt makes the document live without vectors rather than failed", async () => {
    await lib.boss.currentBoss()!.updateQueue("knowledge-ingest", { retryLimit: 1, retryDelay: 1, retryBackoff: false });
    const calls: string[] = [];
    ingestEmbedder = { model: provider.model, dimensions: provider.dimensions, embed: async (texts) => (calls.push(texts[0]!), Promise.reject(new Error("the provider is down"))) };
    try {
      const doc = await markdown(owner, "Outage notes", "# Outage notes\n\nWritten while the embedding provider was down.");
      expect(calls.length).toBe(2); // the first attempt and the retry
      expect(doc).toMatchObject({ status: "ready", chunkCount: 1, failureReason: null });
      const [row] = await ownerQuery<{ n: string }>(
        "SELECT count(*)::text AS n FROM knowledge_embeddings e JOIN knowledge_chunks c ON c.tenant_id = e.tenant_id AND c.id = e.chunk_id WHERE c.document_id = $1",
        [doc.id],
      );
      expect(row!.n).toBe("0");
      expect((await search(member, "embedding provider down", false)).passages[0]?.documentId).toBe(doc.id);
    } finally {
      ingestEmbedder = provider;
    }
  });

  it("finds by meaning what full-text search misses, merged into the ranking by reciprocal rank fusion", async () => {
    const fleet = await markdown(owner, "Vehicle care", "# Vehicle care\n\nThe automobile fleet is serviced every spring by the garage.");
    await markdown(owner, "Holidays", "# Holidays\n\nThe office closes for two weeks in August.");
    const plain = await search(member, "car", false);
    expect(plain.passages.map((p) => p.documentId)).not.toContain(fleet.id);
    const merged = await search(member, "car", true);
    expect(merged.passages[0]).toMatchObject({ documentId: fleet.id, ranks: { exact: null, vector: 1 } });
    // A passage in both lists beats its place in either alone.
    const both = await search(member, "automobile fleet serviced", true);
    expect(both.passages[0]).toMatchObject({ documentId: fleet.id, ranks: { exact: 1, vector: 1 } });
    expect(both.passages[0]!.score).toBeGreaterThan(merged.passages[0]!.score);
  });

  it("searches full text only when the provider fails on the query, instead of failing the search", async () => {
    const down: EmbeddingProvider = { model: provider.model, dimensions: provider.dimensions, embed: () => Promise.reject(new Error("the provider is down")) };
    const result = await lib.search.searchKnowledge(ownerPool, { kind: "tenant", ...member }, "automobile fleet serviced", { budgetTokens: 4_000, vectors: lib.embeddings.pgvectorRanker(down) });
    expect(result.passages.length).toBeGreaterThan(0);
    expect(result.passages[0]!.ranks.exact).toBe(1);
    expect(result.passages.every((p) => p.ranks.vector === null)).toBe(true);
  });

  it("embeds the query before the search opens its transaction: no pooled connection waits on the provider", async () => {
    const client = await import("@/lib/db/client");
    const single = client.createPool(embedded.appUrl, 1);
    try {
      // A provider that needs the pool's only connection while it embeds: had the search taken it first, this would wait forever.
      const needsConnection: EmbeddingProvider = {
        model: provider.model,
        dimensions: provider.dimensions,
        embed: async (texts, type) => {
          await single.query("SELECT 1");
          return provider.embed(texts, type);
        },
      };
      const result = await within(10_000, lib.search.searchKnowledge(single, { kind: "tenant", ...member }, "car", { budgetTokens: 4_000, vectors: lib.embeddings.pgvectorRanker(needsConnection) }));
      expect(result.passages[0]?.ranks.vector).toBe(1);
    } finally {
      await single.end();
    }
  });

  it("answers a burst of scoped searches with vectors configured, on a fresh process whose pool is smaller than the burst (the store check rides each search's own connection)", async () => {
    const client = await import("@/lib/db/client");
    const small = client.createPrismaClient(embedded.appUrl, 2);
    client.setPrismaClient(small); // a pool whose store status nobody has asked yet
    try {
      const ranker = lib.embeddings.defaultVectorRanker();
      expect(ranker).not.toBeNull(); // vectors configured (the local Voyage-compatible server)
      const searches = Array.from({ length: 4 }, () =>
        lib.sql.withScopeSql({ kind: "tenant", ...member }, (db) => lib.search.searchKnowledge(db, { kind: "tenant", ...member }, "automobile", { budgetTokens: 4_000 })),
      );
      const results = await within(15_000, Promise.all(searches));
      expect(results.every((r) => r.passages.length > 0)).toBe(true);
    } finally {
      client.setPrismaClient(prisma);
      await small.$disconnect();
    }
  });

  it("chooses the exact statement for a small tenant and the index-ordered one above the bound, with the same answer on a small table", async () => {
    const recorded: string[] = [];
    const rankWith = (exactUpToChunks: number) =>
      lib.sql.withScopeSql({ kind: "tenant", ...member }, (db) => {
        const spy = { query: ((sql: string, params?: readonly unknown[], options?: { commit?: boolean }) => (recorded.push(sql), db.query(sql, params, options))) as typeof db.query };
        return lib.embeddings.pgvectorRanker(provider, { exactUpToChunks }).rank(spy, "automobile fleet", 5, { membersOnly: true });
      });
    const exact = await rankWith(1_000_000);
    expect(recorded.at(-1)).toBe(lib.embeddings.EXACT_NEAREST_SQL);
    const indexed = await rankWith(0);
    expect(recorded.at(-1)).toBe(lib.embeddings.INDEXED_NEAREST_SQL);
    expect(exact.length).toBeGreaterThan(0);
    expect(indexed).toEqual(exact); // a small table: the index's walk finds every row

    // The two statements' plans, with the planner steered off sorting: the exact one still never
    // walks the HNSW index (no index gives its order); the other can (which one the planner
    // takes for a large tenant is its estimate's choice: both answers are the tenant's own rows).
    const plan = async (sql: string) =>
      (
        await lib.sql.withScopeSql({ kind: "tenant", ...member }, async (db) => {
          await db.query("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)");
          return db.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, [lib.embeddings.vectorLiteral((await provider.embed(["automobile"], "query"))[0]!), provider.model, 5, true]);
        })
      )
        .map((r) => r["QUERY PLAN"])
        .join("\n");
    expect(await plan(lib.embeddings.EXACT_NEAREST_SQL)).not.toContain("knowledge_embeddings_hnsw_idx");
    expect(await plan(lib.embeddings.INDEXED_NEAREST_SQL)).toContain("knowledge_embeddings_hnsw_idx");
  });

  it("never reaches another tenant's vectors nor, for a member, an admin-only passage's", async () => {
    const text = "# Zebra protocol\n\nThe zebra protocol governs quarterly audits of the vault.";
    const mine = await markdown(owner, "Zebra", text);
    const theirs = await markdown(otherOwner, "Zebra", text);
    const secret = await markdown(owner, "Zebra secret", "# Zebra secret\n\nThe zebra vault code changes quarterly.", "admins");

    const ranker = lib.embeddings.pgvectorRanker(provider);
    const vectorIds = async (scope: Account, membersOnly = false) =>
      lib.sql.withScopeSql({ kind: "tenant", ...scope }, (db) => ranker.rank(db, "zebra protocol vault audits", 50, { membersOnly }));
    const documentsOf = async (ids: string[]) =>
      (await ownerQuery<{ document_id: string }>("SELECT DISTINCT document_id FROM knowledge_chunks WHERE id = ANY ($1::uuid[])", [ids])).map((r) => r.document_id).sort();

    const forMember = await documentsOf(await vectorIds(member));
    expect(forMember).toContain(mine.id);
    expect(forMember).not.toContain(theirs.id);
    expect(forMember).not.toContain(secret.id);
    expect(await documentsOf(await vectorIds(owner))).toContain(secret.id);
    const forOther = await documentsOf(await vectorIds(otherOwner));
    expect(forOther).toEqual([theirs.id]);

    // The table itself, read directly in a member's scope: only vectors of passages they may read.
    const direct = await lib.sql.withScopeSql({ kind: "tenant", ...member }, (db) =>
      db.query<{ chunk_id: string; tenant_id: string }>("SELECT chunk_id, tenant_id FROM knowledge_embeddings"),
    );
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.every((r) => r.tenant_id === member.tenantId)).toBe(true);
    expect(await documentsOf(direct.map((r) => r.chunk_id))).not.toContain(secret.id);

    // Vectors of another model are never compared with this one's.
    const otherModel: EmbeddingProvider = { model: "another-model", dimensions: provider.dimensions, embed: (texts, type) => provider.embed(texts, type) };
    expect(await lib.sql.withScopeSql({ kind: "tenant", ...member }, (db) => lib.embeddings.pgvectorRanker(otherModel).rank(db, "zebra", 10, { membersOnly: false }))).toEqual([]);
  });

  it("puts a passage found by meaning into a chat turn's context, with vectors configured as in production (a Voyage-compatible server)", async () => {
    ingestEmbedder = undefined; // the job embeds with the configured provider, as in production
    const garage = await markdown(owner, "Garage", "# Garage\n\nOur automobile pool is kept in the east garage.");
    expect(voyageRequests.at(-1)).toMatchObject({ input_type: "document", model: "voyage-3.5" });
    await ownerQuery(
      "INSERT INTO tenant_configs (tenant_id, version, company_name, persona, model_tier, max_tokens) VALUES ($1, 1, 'Vectors A', 'a helpful assistant', 'standard', 1024) ON CONFLICT DO NOTHING",
      [member.tenantId],
    );
    const { composeTurn } = await import("@/lib/pipeline/compose");
    const { getPlan } = await import("@/lib/tenancy/plans");
    const plan = await getPlan("professional");
    const caller = { tenantId: member.tenantId, userId: member.userId, planId: "professional" };
    // The turn's statement and the search share one transaction; the vector search's later statements must still find it open.
    const turn = await lib.sql.withScopeSql({ kind: "tenant", ...member }, (db) => composeTurn(db, caller, { message: "car" } as never, plan));
    expect(turn.sources.map((s) => s.documentId)).toContain(garage.id);
    expect(voyageRequests.at(-1)).toMatchObject({ input: ["car"], input_type: "query" });
  });

  it("lets a burst of turns search late (knowledge appeared since the last turn saw none) on a pool smaller than the burst", async () => {
    const client = await import("@/lib/db/client");
    const { composeTurn } = await import("@/lib/pipeline/compose");
    const { noteKnowledgePresence } = await import("@/lib/context/knowledge-source");
    const { getPlan } = await import("@/lib/tenancy/plans");
    const plan = await getPlan("professional");
    const small = client.createPrismaClient(embedded.appUrl, 2);
    client.setPrismaClient(small);
    try {
      // The process believes the tenant has no knowledge: each turn's statement ends its
      // transaction, learns otherwise, and searches in a fresh one.
      noteKnowledgePresence(member.tenantId, false);
      const caller = { tenantId: member.tenantId, userId: member.userId, planId: "professional" };
      const turns = Array.from({ length: 4 }, () =>
        lib.sql.withScopeSql({ kind: "tenant", ...member }, (db) => composeTurn(db, caller, { message: "automobile pool garage" } as never, plan, { vectors: null })),
      );
      const composed = await within(15_000, Promise.all(turns));
      expect(composed.every((t) => t.sources.length > 0)).toBe(true);
    } finally {
      client.setPrismaClient(prisma);
      await small.$disconnect();
    }
  });
});
