import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { toAppError } from "@/lib/api/errors";
import { signUp } from "@/lib/auth/sign-up";
import { getPool } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { Role } from "@/lib/db/generated/enums";
import { withTenant } from "@/lib/db/scope";
import { withScopeSql } from "@/lib/db/sql";
import { currentBoss, registerJob, startJobs, stopJobs } from "@/lib/jobs/boss";
import { getJobQueueStatus } from "@/lib/jobs/status";
import { SYSTEM_ACTOR_ID } from "@/lib/jobs/system-actor";
import { createDocument, deleteDocument, getDocument, listDocuments, replaceDocument, setDocumentVisibility, type KnowledgeDocumentView } from "@/lib/knowledge/documents";
import { defaultEmbedder, fakeEmbeddingProvider, inMemoryVectorRanker, vectorSearchState, vectorStoreAvailable } from "@/lib/knowledge/embeddings";
import { ingestDocument } from "@/lib/knowledge/ingest";
import { searchKnowledge } from "@/lib/knowledge/search";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * The knowledge base end to end on a real PostgreSQL: ingestion through pg-boss (this file
 * runs its own boss on the run's database, working only the ingestion queue, schedules off),
 * replacement and deletion, and isolation between tenants, roles and the staff scope.
 */
let prisma: PrismaClient;
type Account = { tenantId: string; userId: string };
let owner: Account;
let admin: Account;
let member: Account;
let other: Account;
const enc = (s: string) => new TextEncoder().encode(s);

async function account(name: string): Promise<Account> {
  const { tenantId, userId } = await signUp({ name, email: `${unique(name.toLowerCase())}@example.test`, password: "correct-horse-9", workspaceName: `${name} Co` });
  return { tenantId, userId };
}

async function join(tenantOwner: Account, who: Account, role: Role): Promise<Account> {
  await withTenant(tenantOwner, (tx) => tx.membership.create({ data: { tenantId: tenantOwner.tenantId, userId: who.userId, role } }));
  return { tenantId: tenantOwner.tenantId, userId: who.userId };
}

async function waitFor(actor: Account, id: string, done: (d: KnowledgeDocumentView) => boolean, timeoutMs = 20_000): Promise<KnowledgeDocumentView> {
  const deadline = Date.now() + timeoutMs;
  let last: KnowledgeDocumentView | null = null;
  while (Date.now() < deadline) {
    last = await getDocument(actor, id);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`document ${id} never reached the expected state; last: ${JSON.stringify(last)}`);
}

const ready = (actor: Account, id: string) => waitFor(actor, id, (d) => d.status === "ready");
const search = (scope: Account | { tenantId: string; userId: string }, query: string, options = {}) =>
  searchKnowledge(getPool(), { kind: "tenant", ...scope }, query, { budgetTokens: 4_000, ...options });

async function markdown(actor: Account, title: string, text: string, visibility: "members" | "admins" = "members") {
  return createDocument(actor, { title, fileName: `${title}.md`, bytes: enc(text), visibility });
}

beforeAll(async () => {
  prisma = useAppDatabase();
  owner = await account("Kora");
  admin = await join(owner, await account("Kai"), "admin");
  member = await join(owner, await account("Kim"), "member");
  other = await account("Kurt");
  const { ingestDocument: ingest } = await import("@/lib/knowledge/ingest");
  registerJob("knowledge-ingest", async (payload, ctx) => {
    await ingest(payload, ctx);
  });
  await startJobs({ work: true, schedules: false, connectionString: inject("appUrl"), max: 3, pollingIntervalSeconds: 0.5 });
  // Fast retries for this file (the queue's policy is 5 s doubling); jobs take the queue's settings.
  await currentBoss()!.updateQueue("knowledge-ingest", { retryLimit: 2, retryDelay: 1, retryBackoff: true, retryDelayMax: 2 });
});

afterAll(async () => {
  await stopJobs();
  await ownerQuery("ALTER TABLE knowledge_chunks DROP CONSTRAINT IF EXISTS test_kaboom");
  await prisma.$disconnect();
});

describe("ingestion through pg-boss", () => {
  it("takes a document from queued to ready, with chunks, vocabulary and heading paths, audited", async () => {
    const doc = await markdown(admin, "Refund policy", "# Refunds\n\nCustomers receive a full refund within thirty days.\n\n## Exceptions\n\nGift cards are never refunded.");
    expect(doc.status).toBe("queued");
    const done = await ready(admin, doc.id);
    expect(done).toMatchObject({ liveVersion: 1, version: 1, chunkCount: 2, pageCount: 1, failureReason: null });
    const chunks = await ownerQuery<{ heading_path: string[]; version: number }>("SELECT heading_path, version FROM knowledge_chunks WHERE document_id = $1 ORDER BY ordinal", [doc.id]);
    expect(chunks).toEqual([
      { heading_path: ["Refunds"], version: 1 },
      { heading_path: ["Refunds", "Exceptions"], version: 1 },
    ]);
    const terms = await ownerQuery<{ term: string }>("SELECT term FROM knowledge_terms WHERE tenant_id = $1 AND term IN ('refund', 'gift', 'exceptions')", [owner.tenantId]);
    expect(terms.map((t) => t.term).sort()).toEqual(["exceptions", "gift", "refund"]);
    const [audit] = await ownerQuery<{ action: string; actor_id: string }>("SELECT action, actor_id FROM audit_logs WHERE target = $1", [`knowledge_document:${doc.id}`]);
    expect(audit).toEqual({ action: "knowledge.document_created", actor_id: admin.userId });

    const found = await search(member, "gift cards refunded");
    expect(found.passages[0]).toMatchObject({ documentId: doc.id, documentTitle: "Refund policy", headingPath: ["Refunds", "Exceptions"] });
    expect(found.passages[0]!.ranks.exact).toBe(1);
  });

  it("ingests the PDF and DOCX fixtures", async () => {
    const dir = path.join(import.meta.dirname, "..", "fixtures", "knowledge");
    const pdf = await createDocument(admin, { title: "Handbook", fileName: "handbook.pdf", bytes: new Uint8Array(await readFile(path.join(dir, "handbook.pdf"))) });
    const docx = await createDocument(admin, { title: "Onboarding", fileName: "onboarding.docx", bytes: new Uint8Array(await readFile(path.join(dir, "onboarding.docx"))) });
    expect((await ready(admin, pdf.id)).pageCount).toBe(2);
    await ready(admin, docx.id);
    expect((await search(member, "receipts thirty days")).passages.map((p) => p.documentId)).toContain(pdf.id);
    expect((await search(member, "lost badge reception")).passages[0]).toMatchObject({ documentId: docx.id, headingPath: ["Onboarding guide", "Security badges"] });
  });

  it("fails a document that has no text at once, with the reason, without retrying", async () => {
    const doc = await markdown(admin, "Empty", "# Only headings\n\n## Nothing else\n");
    const failed = await waitFor(admin, doc.id, (d) => d.status === "failed");
    expect(failed.failureReason).toBe("The document has no text to index.");
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await getDocument(admin, doc.id))!.attempts).toBe(1);
  });

  it("retries a failure that is not the content's with backoff, and recovers when it clears", async () => {
    await ownerQuery("ALTER TABLE knowledge_chunks ADD CONSTRAINT test_kaboom CHECK (text NOT LIKE '%KABOOM-RECOVER%') NOT VALID");
    const doc = await markdown(admin, "Flaky", "This passage says KABOOM-RECOVER and cannot be stored at first.");
    const retrying = await waitFor(admin, doc.id, (d) => d.attempts >= 1 && d.status === "queued");
    expect(retrying.failureReason).toBeNull();
    await ownerQuery("ALTER TABLE knowledge_chunks DROP CONSTRAINT test_kaboom");
    const done = await ready(admin, doc.id);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
  });

  it("marks the document failed after the last retry, and pg-boss keeps the job as failed", async () => {
    await ownerQuery("ALTER TABLE knowledge_chunks ADD CONSTRAINT test_kaboom CHECK (text NOT LIKE '%KABOOM-ALWAYS%') NOT VALID");
    try {
      const doc = await markdown(admin, "Broken", "This passage says KABOOM-ALWAYS and can never be stored.");
      const failed = await waitFor(admin, doc.id, (d) => d.status === "failed", 30_000);
      expect(failed.failureReason).toBe("Indexing failed after 3 attempts. Replace the document to try again.");
      expect(failed.attempts).toBe(3);
      expect(failed.liveVersion).toBeNull();
      const jobs = await ownerQuery<{ state: string; retry_count: number }>(
        "SELECT state, retry_count FROM pgboss.job WHERE name = 'knowledge-ingest' AND data->>'documentId' = $1",
        [doc.id],
      );
      expect(jobs).toEqual([{ state: "failed", retry_count: 2 }]);
      // The staff console's counts (lib/jobs/status.ts) show it.
      const ingest = (await getJobQueueStatus()).find((q) => q.name === "knowledge-ingest");
      expect(ingest!.failed).toBeGreaterThanOrEqual(1);
    } finally {
      await ownerQuery("ALTER TABLE knowledge_chunks DROP CONSTRAINT IF EXISTS test_kaboom");
    }
  });
});

describe("replace and delete", () => {
  it("keeps exactly one live version: the old chunks go when the new version is ready", async () => {
    const doc = await markdown(admin, "Parking", "Parking uses the north garage, level two.");
    await ready(admin, doc.id);
    const replaced = await replaceDocument(admin, doc.id, { fileName: "parking.md", bytes: enc("Parking moved to the south lot behind building C.") });
    expect(replaced).toMatchObject({ version: 2, liveVersion: 1, status: "queued" });
    const done = await ready(admin, doc.id);
    expect(done).toMatchObject({ version: 2, liveVersion: 2 });
    expect(await ownerQuery("SELECT DISTINCT version FROM knowledge_chunks WHERE document_id = $1", [doc.id])).toEqual([{ version: 2 }]);
    expect(await ownerQuery("SELECT version FROM knowledge_sources WHERE document_id = $1", [doc.id])).toEqual([{ version: 2 }]);
    expect((await search(member, "north garage")).passages.filter((p) => p.documentId === doc.id)).toEqual([]);
    expect((await search(member, "south lot")).passages[0]?.documentId).toBe(doc.id);
  });

  it("a replacement that fails leaves the previous version live and searchable", async () => {
    const doc = await markdown(admin, "Lunch", "Lunch is served in the canteen from noon.");
    await ready(admin, doc.id);
    await replaceDocument(admin, doc.id, { fileName: "lunch.md", bytes: enc("# Heading only\n") });
    const failed = await waitFor(admin, doc.id, (d) => d.status === "failed");
    expect(failed).toMatchObject({ version: 2, liveVersion: 1 });
    expect((await search(member, "canteen noon")).passages[0]?.documentId).toBe(doc.id);
  });

  it("a job for a superseded version changes nothing", async () => {
    const doc = await markdown(admin, "Superseded", "Version one text about printers.");
    await ready(admin, doc.id);
    await replaceDocument(admin, doc.id, { fileName: "s.md", bytes: enc("Version two text about scanners.") });
    await ready(admin, doc.id);
    expect(await ingestDocument({ tenantId: owner.tenantId, documentId: doc.id, version: 1 }, { finalAttempt: true, retryCount: 0 })).toBe("skipped");
    expect((await getDocument(admin, doc.id))!.liveVersion).toBe(2);
  });

  it("deleting removes the document with its chunks and sources, audited", async () => {
    const doc = await markdown(admin, "Temporary", "Temporary words about umbrellas.");
    await ready(admin, doc.id);
    await deleteDocument(admin, doc.id);
    for (const table of ["knowledge_documents", "knowledge_chunks", "knowledge_sources"]) {
      const column = table === "knowledge_documents" ? "id" : "document_id";
      expect(await ownerQuery(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [doc.id])).toEqual([]);
    }
    const actions = await ownerQuery<{ action: string }>("SELECT action FROM audit_logs WHERE target = $1 ORDER BY id", [`knowledge_document:${doc.id}`]);
    expect(actions.map((a) => a.action)).toEqual(["knowledge.document_created", "knowledge.document_deleted"]);
  });

  it("members cannot write: create, replace, delete and visibility are refused", async () => {
    const doc = await markdown(admin, "Guarded", "Guarded text about fire drills.");
    // Thunks: each attempt starts only when awaited, so no refusal is left unhandled meanwhile.
    for (const attempt of [
      () => markdown(member, "Mine", "member text"),
      () => replaceDocument(member, doc.id, { fileName: "x.md", bytes: enc("taken over") }),
      () => deleteDocument(member, doc.id),
      () => setDocumentVisibility(member, doc.id, "admins"),
    ]) {
      const error = await attempt().then(() => null, (e: unknown) => toAppError(e));
      expect(error?.code).toBe("forbidden");
    }
  });
});

describe("isolation", () => {
  let mine: KnowledgeDocumentView;
  let theirs: KnowledgeDocumentView;
  beforeAll(async () => {
    mine = await markdown(owner, "Zebracorn A", "The zebracorn protocol of tenant A: rotate the keys weekly.");
    theirs = await markdown(other, "Zebracorn B", "The zebracorn protocol of tenant B: rotate the keys weekly.");
    await ready(owner, mine.id);
    await ready(other, theirs.id);
  });

  it("identical terms in two tenants' documents never cross", async () => {
    expect((await search(member, "zebracorn protocol")).passages.map((p) => p.documentId)).toEqual([mine.id]);
    expect((await search(other, "zebracorn protocol")).passages.map((p) => p.documentId)).toEqual([theirs.id]);
  });

  it("a scope naming a foreign tenant with this tenant's user finds nothing (membership-checked)", async () => {
    const result = await search({ tenantId: other.tenantId, userId: member.userId }, "zebracorn protocol");
    expect(result.passages).toEqual([]);
    expect(await withScopeSql({ kind: "tenant", tenantId: other.tenantId, userId: member.userId }, (db) => db.query("SELECT id FROM knowledge_chunks"))).toEqual([]);
  });

  it("the platform scope of a tenant (no user) sees that tenant's passages only", async () => {
    const result = await search({ tenantId: other.tenantId, userId: "" }, "zebracorn protocol");
    expect(result.passages.map((p) => p.documentId)).toEqual([theirs.id]);
  });

  it("the staff role has no privilege on any knowledge table or the ranking function", async () => {
    for (const sql of [
      "SELECT count(*) FROM knowledge_documents",
      "SELECT count(*) FROM knowledge_chunks",
      "SELECT count(*) FROM knowledge_terms",
      "SELECT count(*) FROM knowledge_sources",
      "SELECT * FROM knowledge_rank('english', 'zebracorn', '{}', 5, 100, false)",
    ]) {
      const error = await withScopeSql({ kind: "staff", userId: SYSTEM_ACTOR_ID }, (db) => db.query(sql)).then(() => null, (e: unknown) => e as Error);
      expect(error?.message, sql).toMatch(/permission denied/);
    }
  });
});

describe("visibility", () => {
  let secret: KnowledgeDocumentView;
  beforeAll(async () => {
    secret = await markdown(admin, "Salary bands", "Salary bands for the quokka team are confidential.", "admins");
    await ready(admin, secret.id);
  });

  it("members cannot see admin-only documents, through search, the list or plain SQL", async () => {
    expect((await search(admin, "quokka salary")).passages.map((p) => p.documentId)).toEqual([secret.id]);
    expect((await search(member, "quokka salary")).passages).toEqual([]);
    expect((await listDocuments(member)).map((d) => d.id)).not.toContain(secret.id);
    expect((await listDocuments(admin)).map((d) => d.id)).toContain(secret.id);
    const scope = { kind: "tenant" as const, ...member };
    for (const table of ["knowledge_documents", "knowledge_chunks", "knowledge_sources"]) {
      const column = table === "knowledge_documents" ? "id" : "document_id";
      expect(await withScopeSql(scope, (db) => db.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [secret.id])), table).toEqual([]);
    }
    // The vocabulary is read by knowledge_rank() alone: not even an admin can list it.
    for (const who of [member, admin]) {
      const error = await withScopeSql({ kind: "tenant", ...who }, (db) => db.query("SELECT term FROM knowledge_terms")).then(() => null, (e: unknown) => e as Error);
      expect(error?.message).toMatch(/permission denied/);
    }
  });

  it("a scope with no user sees admin-only documents only when asked to", async () => {
    const platform = { tenantId: owner.tenantId, userId: "" };
    expect((await search(platform, "quokka salary")).passages).toEqual([]);
    expect((await search(platform, "quokka salary", { includeAdminOnly: true })).passages.map((p) => p.documentId)).toEqual([secret.id]);
  });

  it("opening a document to members changes its chunks with it, audited", async () => {
    await setDocumentVisibility(admin, secret.id, "members");
    expect((await search(member, "quokka salary")).passages.map((p) => p.documentId)).toEqual([secret.id]);
    expect(await ownerQuery("SELECT DISTINCT visibility FROM knowledge_chunks WHERE document_id = $1", [secret.id])).toEqual([{ visibility: "members" }]);
    const [entry] = await ownerQuery<{ details: unknown }>("SELECT details FROM audit_logs WHERE target = $1 AND action = 'knowledge.visibility_changed'", [`knowledge_document:${secret.id}`]);
    expect(entry?.details).toMatchObject({ from: "admins", to: "members" });
    await setDocumentVisibility(admin, secret.id, "admins");
    expect((await search(member, "quokka salary")).passages).toEqual([]);
  });
});

describe("ranking", () => {
  let warranty: KnowledgeDocumentView;
  beforeAll(async () => {
    warranty = await markdown(admin, "Warranty", "# Warranty\n\nEvery laptop carries a three year warranty from the manufacturer.\n\n" + "Filler sentence about nothing in particular. ".repeat(60));
    await ready(admin, warranty.id);
  });

  it("finds a misspelt word through trigram-similar terms (fuzzy list only)", async () => {
    const result = await search(member, "waranty laptp");
    expect(result.passages[0]).toMatchObject({ documentId: warranty.id, ranks: { exact: null, vector: null } });
    expect(result.passages[0]!.ranks.fuzzy).toBe(1);
  });

  it("corrects only the words the vocabulary lacks, keeping the known ones, and adds no fuzzy list when all are known", async () => {
    const corrected = await search(member, "manufacturer laptp");
    expect(corrected.passages[0]).toMatchObject({ documentId: warranty.id, ranks: { fuzzy: 1 } });
    const known = await search(member, "manufacturer laptop");
    expect(known.passages[0]).toMatchObject({ documentId: warranty.id, ranks: { exact: 1, fuzzy: null } });
  });

  it("answers a question whose words are not all in one passage from its rarest known words", async () => {
    const question = "what does the manufacturer promise when my laptop breaks";
    const result = await search(member, question);
    expect(result.passages[0]).toMatchObject({ documentId: warranty.id, ranks: { exact: 1, fuzzy: null } });
    // No chunk has every word (websearch's AND): the passage came from the fallback.
    expect(await ownerQuery("SELECT id FROM knowledge_chunks WHERE search_vector @@ websearch_to_tsquery('english', $1)", [question])).toEqual([]);
  });

  it("stays within the token budget, counting what it leaves out", async () => {
    const all = await search(member, "filler sentence", { budgetTokens: 100_000, limit: 10 });
    expect(all.passages.length).toBeGreaterThan(1);
    const budget = all.passages[0]!.tokens;
    const cut = await search(member, "filler sentence", { budgetTokens: budget, limit: 10 });
    expect(cut.usedTokens).toBeLessThanOrEqual(budget);
    expect(cut.passages.map((p) => p.chunkId)).toEqual([all.passages[0]!.chunkId]);
    expect(cut.droppedForBudget).toBe(all.passages.length - 1);
  });

  it("has the vector store exactly where the server has pgvector (0026), and embeds nothing without it", async () => {
    const [server] = await ownerQuery<{ available: boolean; table: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available, to_regclass('public.knowledge_embeddings') IS NOT NULL AS table",
    );
    expect(await vectorStoreAvailable(getPool())).toBe(server!.table);
    expect(server!.table).toBe(server!.available);
    // Debian's PostgreSQL 15 here: no extension, so no store, and a provider is not used for ingestion.
    const provider = fakeEmbeddingProvider();
    expect(await defaultEmbedder(getPool(), provider)).toBe(server!.table ? provider : null);
    // What the admin console's Knowledge tab says.
    expect(await vectorSearchState(getPool(), provider)).toEqual(server!.table ? { on: true, model: provider.model } : { on: false, reason: "no_store" });
    expect(await vectorSearchState(getPool(), null)).toEqual({ on: false, reason: "no_provider" });
  });

  it("merges a vector list by reciprocal rank fusion when a ranker is given", async () => {
    const vectors = inMemoryVectorRanker(fakeEmbeddingProvider());
    const result = await search(member, "manufacturer warranty laptop", { vectors });
    expect(result.passages[0]!.documentId).toBe(warranty.id);
    expect(result.passages[0]!.ranks.vector).not.toBeNull();
    const withoutVectors = await search(member, "manufacturer warranty laptop");
    expect(withoutVectors.passages[0]!.ranks.vector).toBeNull();
    expect(result.passages[0]!.score).toBeGreaterThan(withoutVectors.passages[0]!.score);
  });
});

describe("access paths by how common the words are (0024)", () => {
  // A tenant of its own, so its chunk total is known: 30 sections, "gadget" in every one,
  // "widget" in the even ones and "gizmo" in the odd ones (never together), "sprocket" in one.
  // With 5 candidates a word is "common" above max(total / 3, 5) = 10 chunks.
  let lead: Account;
  let reader: Account;
  let handbook: KnowledgeDocumentView;
  let hidden: KnowledgeDocumentView;
  const opts = { candidates: 5, limit: 3 };
  const rankIds = async (query: string, candidates = 5, limit = 3) =>
    withScopeSql({ kind: "tenant", ...reader }, async (sql) =>
      (
        await sql.query<{ chunk_id: string }>(
          "SELECT chunk_id FROM knowledge_rank('english', $1, $2::text[], $3, $4, true) WHERE list = 'exact' ORDER BY rank",
          [query, query.split(" "), limit, candidates],
        )
      ).map((r) => r.chunk_id),
    );
  const textOf = async (ids: string[]) =>
    (await ownerQuery<{ id: string; text: string }>("SELECT id, text FROM knowledge_chunks WHERE id = ANY ($1::uuid[])", [ids])).map((r) => r.text);

  beforeAll(async () => {
    lead = await account("Lena");
    reader = await join(lead, await account("Lars"), "member");
    const sections = Array.from({ length: 30 }, (_, i) =>
      `## Section ${i}\n\nThe gadget section ${i} ${i % 2 === 0 ? "widget" : "gizmo"} ${i === 7 ? "sprocket" : ""} ${"padding words about procedures ".repeat(40)}`,
    );
    handbook = await markdown(lead, "Handbook", `# Handbook\n\n${sections.join("\n\n")}`);
    hidden = await markdown(lead, "Board notes", "# Board\n\nThe gadget budget for the board only.", "admins");
    await ready(lead, handbook.id);
    await ready(lead, hidden.id);
    const [n] = await ownerQuery<{ n: number }>("SELECT count(*)::int AS n FROM knowledge_chunks WHERE tenant_id = $1", [lead.tenantId]);
    expect(n!.n).toBeGreaterThanOrEqual(31);
  });

  it("a query of common words only is answered by the key-order path: its list is exactly that path's, all matches, none admin-only", async () => {
    const ids = await rankIds("gadget");
    const [scanned] = await ownerQuery<{ ids: string[] }>("SELECT knowledge_rank_scanned($1, to_tsquery('english', 'gadget'), false, '{}', 5, 3) AS ids", [lead.tenantId]);
    expect(ids.length).toBe(3);
    expect(ids).toEqual(scanned!.ids);
    expect((await textOf(ids)).every((t) => /gadget/.test(t))).toBe(true);
    const viaSearch = await search(reader, "gadget", opts);
    expect(viaSearch.passages.map((p) => p.documentId)).not.toContain(hidden.id);
    expect(viaSearch.passages.length).toBe(3);
  });

  it("a common word beside a rare one: the index narrows by the rare word, every result has both", async () => {
    const result = await search(reader, "gadget sprocket", opts);
    expect(result.passages.length).toBe(1);
    expect(result.passages[0]!.text).toMatch(/sprocket/);
    expect(result.passages[0]!.text).toMatch(/gadget/);
  });

  it("common words that never meet: the key-order path finds too few, the index path confirms none, the fallback lists either", async () => {
    expect(await ownerQuery("SELECT id FROM knowledge_chunks WHERE tenant_id = $1 AND search_vector @@ to_tsquery('english', 'widget & gizmo')", [lead.tenantId])).toEqual([]);
    const ids = await rankIds("widget gizmo");
    expect(ids.length).toBeGreaterThan(0);
    expect((await textOf(ids)).every((t) => /widget|gizmo/.test(t))).toBe(true);
  });

  it("the fallback list takes the rarest words first", async () => {
    // No chunk has all three; "sprocket" (one chunk) is the rarest, so its section leads.
    // Both known words together would give the list passages with only "widget" too.
    const result = await search(reader, "sprocket widget zeppelin", { candidates: 2, limit: 3 });
    expect(result.passages.map((p) => p.text.includes("sprocket"))).toEqual([true]);
  });

  it("new chunks are searchable from the index itself: no GIN pending list to read through after an ingestion", async () => {
    const options = await ownerQuery<{ relname: string; reloptions: string[] | null }>(
      "SELECT relname, reloptions FROM pg_class WHERE relname IN ('knowledge_chunks_search_idx', 'knowledge_terms_trgm_idx') ORDER BY relname",
    );
    expect(options).toEqual([
      { relname: "knowledge_chunks_search_idx", reloptions: ["fastupdate=off"] },
      { relname: "knowledge_terms_trgm_idx", reloptions: ["fastupdate=off"] },
    ]);
    // Nothing to merge: the handbook's chunks, just ingested, went into the index itself.
    const [merged] = await ownerQuery<{ n: number }>("SELECT gin_clean_pending_list('knowledge_chunks_search_idx'::regclass)::int AS n");
    expect(merged!.n).toBe(0);
  });

    it("the ranking helpers are the owner's only: the tenant role cannot call them with a tenant of its choosing", async () => {
    await expect(
      withScopeSql({ kind: "tenant", ...reader }, (sql) => sql.query("SELECT knowledge_rank_scanned($1, to_tsquery('gadget'), true, '{}', 5, 5)", [owner.tenantId])),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withScopeSql({ kind: "tenant", ...reader }, (sql) => sql.query("SELECT knowledge_rank_indexed($1, to_tsquery('gadget'), to_tsquery('gadget'), true, '{}', 5, 5)", [owner.tenantId])),
    ).rejects.toThrow(/permission denied/);
  });
});

