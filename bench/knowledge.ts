import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import path from "node:path";
import pg from "pg";
import { createPrismaClient, getPool, setPrismaClient } from "@/lib/db/client";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { pgRunner } from "@/lib/db/sql-runners";
import { APP_DB_ROLE } from "@/lib/db/urls";
import { registerJob, startJobs, stopJobs } from "@/lib/jobs/boss";
import { createDocument, listDocuments } from "@/lib/knowledge/documents";
import { ingestDocument } from "@/lib/knowledge/ingest";
import { searchKnowledge } from "@/lib/knowledge/search";
import { createDatabase, databaseUrl, dropDatabase, TEST_SERVER_URL } from "@/tests/helpers/local-database";
import { ROOT } from "./lib/app-server";
import { onCleanup } from "./lib/cleanup";
import { machineInfo, writeResults } from "./lib/results";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { percentile, round2 } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Issue 13, item 9: knowledge retrieval and ingestion.
 *
 * Retrieval: searchKnowledge() as a member of the measured tenant (the app's login, its pool,
 * RLS on), sequential queries, after a warm-up. The measured tenant holds `chunksPerTenant`
 * chunks (quick and full: 100,000); the full run adds `otherTenants` tenants of
 * `--other-chunks` each (default 999 × 1,000, about 1.1M chunks with the measured tenant;
 * `--other-chunks 10000` for the issue's 10M, hours to load here), so
 * the tenant-leading GIN index is measured with the whole table around it. Text is synthetic:
 * ~180 words a chunk drawn log-uniformly from a 40,000-word vocabulary (a word's frequency ~
 * 1/rank, as in prose), written by SQL as the owner (loading 10M chunks through the ingestion
 * job would take hours here); the other tenants are copies of the measured one's chunks
 * (copyTenant), so every word's posting list spans all tenants.
 *
 * Query mix (each drawn from the vocabulary by frequency rank):
 *   two-mid    two words of rank 200–2,000 (AND)       rare     one word of rank 10,000–40,000
 *   common     one word of rank 1–50 (most chunks)     phrase   four words of mixed rank
 *   misspelt   a rank 500–5,000 word with one letter changed (the fuzzy path)
 *
 * Ingestion: multi-page PDFs through the real path — createDocument, the pg-boss queue,
 * ingestDocument (unpdf, chunking, one swap transaction) — pages per second from the first
 * upload to the last document ready, with the worker in this process.
 *
 * Run alone: `npx tsx bench/knowledge.ts [--quick] [--other-tenants N] [--other-chunks N] [--chunks N] [--keep-db | --reuse-db NAME]`
 * (--reuse-db measures a database kept by an earlier --keep-db run, migrated to this code).
 */
const TARGET_P95_MS = 20;
const VOCABULARY = 40_000;
const WORDS_PER_CHUNK = 180;
const CHUNKS_PER_DOCUMENT = 50;
const LOAD_BATCH = 20_000;

interface Sizes {
  chunksPerTenant: number;
  otherTenants: number;
  queriesPerKind: number;
  pdfs: number;
  pagesPerPdf: number;
}

const QUICK: Sizes = { chunksPerTenant: 100_000, otherTenants: 0, queriesPerKind: 60, pdfs: 12, pagesPerPdf: 10 };
const FULL: Sizes = { chunksPerTenant: 100_000, otherTenants: 999, queriesPerKind: 200, pdfs: 40, pagesPerPdf: 20 };

export const knowledge: Scenario = {
  name: "knowledge",
  description: "Knowledge search P95 at 100,000 chunks in one tenant (full: + 999 tenants of 1,000, about 1.1M chunks) and PDF ingestion pages/s",
  run: (options) => run(options, {}),
};

type QueryKind = "two-mid" | "rare" | "common" | "phrase" | "misspelt";

interface Timing {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  meanPassages: number;
}

function timing(samples: number[], passages: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round2(percentile(sorted, 50)),
    p95: round2(percentile(sorted, 95)),
    p99: round2(percentile(sorted, 99)),
    max: round2(sorted.at(-1) ?? Number.NaN),
    meanPassages: round2(passages.reduce((a, b) => a + b, 0) / Math.max(1, passages.length)),
  };
}

async function withOwner<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/**
 * The vocabulary word of a rank: letters from md5, 4–10 long, the same on every run. Computed
 * inline per word: indexing a 40,000-element array column detoasts the whole array each time.
 */
const wordOf = (i: string) => `translate(substr(md5('v' || ${i}), 1, 4 + ${i} % 7), '0123456789abcdef', 'klmnoprstuvwxyzq')`;

/** One measured tenant with an owner and a member, `others` more tenants with no users. */
async function seed(db: pg.Client, others: number): Promise<{ tenantId: string; ownerId: string; memberId: string }> {
  const [tenant] = (await db.query<{ id: string }>("INSERT INTO tenants (slug, name, plan_id) VALUES ('kb-bench', 'Knowledge bench', 'professional') RETURNING id")).rows;
  const [owner] = (await db.query<{ id: string }>("INSERT INTO users (email, name, password_hash) VALUES ('owner@kb.bench', 'Owner', 'x') RETURNING id")).rows;
  const [member] = (await db.query<{ id: string }>("INSERT INTO users (email, name, password_hash) VALUES ('member@kb.bench', 'Member', 'x') RETURNING id")).rows;
  await db.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'member')", [tenant!.id, owner!.id, member!.id]);
  if (others > 0) {
    await db.query("INSERT INTO tenants (slug, name, plan_id) SELECT 'kb-other-' || i, 'Other ' || i, 'starter' FROM generate_series(1, $1::int) i", [others]);
  }
  await db.query(`CREATE TABLE bench_vocab AS SELECT array_agg(${wordOf("i")} ORDER BY i) AS words FROM generate_series(1, ${VOCABULARY}) i`);
  return { tenantId: tenant!.id, ownerId: owner!.id, memberId: member!.id };
}

/**
 * A tenant's documents and chunks, by SQL as the owner. The GIN indexes are dropped during
 * the load and rebuilt after (as a bulk import would; with the migrations' storage
 * parameters, 0024); vocabulary rows are the whole word list.
 */
async function loadTenant(db: pg.Client, tenantId: string, chunks: number, createdBy: string): Promise<void> {
  const documents = Math.ceil(chunks / CHUNKS_PER_DOCUMENT);
  await db.query(
    `INSERT INTO knowledge_documents (tenant_id, id, title, source_type, status, version, live_version, byte_size, chunk_count, created_by_id, updated_by_id, ready_at)
     SELECT $1::uuid, md5($1::text || d)::uuid, 'Document ' || d, 'markdown', 'ready', 1, 1, 60000, $3, $4, $4, now() FROM generate_series(1, $2::int) d`,
    [tenantId, documents, CHUNKS_PER_DOCUMENT, createdBy],
  );
  for (let from = 0; from < chunks; from += LOAD_BATCH) {
    const to = Math.min(chunks, from + LOAD_BATCH);
    await db.query(
      `INSERT INTO knowledge_chunks (tenant_id, document_id, version, ordinal, heading_path, text, token_count, visibility, search_vector)
       SELECT $1::uuid, md5($1::text || (1 + g / ${CHUNKS_PER_DOCUMENT}))::uuid, 1, g % ${CHUNKS_PER_DOCUMENT}, ARRAY['Section ' || (g % 7)], x.text,
              greatest(1, length(x.text) / 4), 'members', to_tsvector('english', x.text)
         FROM generate_series($2::int, $3::int - 1) g,
              LATERAL (SELECT string_agg(${wordOf("r.i")}, ' ') AS text
                         FROM generate_series(1, ${WORDS_PER_CHUNK} + 0 * g) s,
                              LATERAL (SELECT floor(exp(random() * ln(${VOCABULARY})))::int + 0 * s AS i) r) x`,
      [tenantId, from, to],
    );
  }
  // The vocabulary with the chunk count a word of that rank is expected to have (log-uniform draws).
  await db.query(
    `INSERT INTO knowledge_terms (tenant_id, term, chunks)
     SELECT DISTINCT ON (u.w) $1::uuid, u.w, least($2::int, greatest(1, round($2::int * ${WORDS_PER_CHUNK} / (u.i * ln(${VOCABULARY})))))::int
       FROM bench_vocab, unnest(words) WITH ORDINALITY AS u(w, i) ORDER BY u.w, u.i`,
    [tenantId, chunks],
  );
}

/**
 * Another tenant's knowledge as a copy of the first `chunks` chunks of `from` (text, lexemes,
 * vocabulary): the same words in every tenant, so every word's posting list in the
 * tenant-leading GIN index holds rows of all of them — the hardest case for the index — and
 * about 50× faster to write than generating text per word.
 */
async function copyTenant(db: pg.Client, from: string, to: string, chunks: number, createdBy: string): Promise<void> {
  const documents = Math.ceil(chunks / CHUNKS_PER_DOCUMENT);
  await db.query(
    `INSERT INTO knowledge_documents (tenant_id, id, title, source_type, status, version, live_version, byte_size, chunk_count, created_by_id, updated_by_id, ready_at)
     SELECT $1::uuid, md5($1::text || d)::uuid, 'Document ' || d, 'markdown', 'ready', 1, 1, 60000, $3, $4, $4, now() FROM generate_series(1, $2::int) d`,
    [to, documents, CHUNKS_PER_DOCUMENT, createdBy],
  );
  await db.query(
    `INSERT INTO knowledge_chunks (tenant_id, document_id, version, ordinal, heading_path, text, token_count, visibility, search_vector)
     SELECT $2::uuid, md5($2::text || (1 + (n - 1) / ${CHUNKS_PER_DOCUMENT}))::uuid, 1, (n - 1) % ${CHUNKS_PER_DOCUMENT}, c.heading_path, c.text, c.token_count, 'members', c.search_vector
       FROM (SELECT k.*, row_number() OVER () AS n
               FROM (SELECT * FROM knowledge_chunks WHERE tenant_id = $1::uuid ORDER BY tenant_id, id LIMIT $3) k) c`,
    [from, to, chunks],
  );
  await db.query(
    `INSERT INTO knowledge_terms (tenant_id, term, chunks)
     SELECT $2::uuid, term, greatest(1, (chunks::bigint * $3 / $4)::int) FROM knowledge_terms WHERE tenant_id = $1::uuid`,
    [from, to, chunks, Math.max(chunks, 1)],
  );
}

async function dropIndexes(db: pg.Client): Promise<void> {
  await db.query("DROP INDEX knowledge_chunks_search_idx");
  await db.query("DROP INDEX knowledge_terms_trgm_idx");
}

async function createIndexes(db: pg.Client): Promise<void> {
  await db.query("SET maintenance_work_mem = '2GB'");
  await db.query("CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (tenant_id, search_vector) WITH (fastupdate = off)");
  await db.query("CREATE INDEX knowledge_terms_trgm_idx ON knowledge_terms USING gin (tenant_id, term gin_trgm_ops) WITH (fastupdate = off)");
  await db.query("ANALYZE knowledge_chunks");
  await db.query("ANALYZE knowledge_terms");
}

/** Deterministic pseudo-random ranks so every run asks the same queries. */
function* ranks(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    yield x / 2_147_483_648;
  }
}

async function buildQueries(db: pg.Client, perKind: number): Promise<Array<{ kind: QueryKind; text: string }>> {
  const words = (await db.query<{ words: string[] }>("SELECT words FROM bench_vocab")).rows[0]!.words;
  const r = ranks(42);
  const pick = (lo: number, hi: number) => words[lo - 1 + Math.floor(r.next().value * (hi - lo))]!;
  const misspell = (w: string) => {
    const i = 1 + Math.floor(r.next().value * (w.length - 2));
    return w.slice(0, i) + (w[i] === "z" ? "k" : "z") + w.slice(i + 1);
  };
  const out: Array<{ kind: QueryKind; text: string }> = [];
  for (let i = 0; i < perKind; i++) {
    out.push({ kind: "two-mid", text: `${pick(200, 2_000)} ${pick(200, 2_000)}` });
    out.push({ kind: "rare", text: pick(10_000, VOCABULARY) });
    out.push({ kind: "common", text: pick(1, 50) });
    out.push({ kind: "phrase", text: [pick(1, 100), pick(100, 1_000), pick(1_000, 5_000), pick(5_000, 20_000)].join(" ") });
    out.push({ kind: "misspelt", text: misspell(pick(500, 5_000).padEnd(5, "k")) });
  }
  return out;
}

async function measureSearch(scope: { kind: "tenant"; tenantId: string; userId: string }, queries: Array<{ kind: QueryKind; text: string }>) {
  for (const q of queries.slice(0, 25)) await searchKnowledge(getPool(), scope, q.text, { budgetTokens: 2_000, limit: 8 });
  const samples = new Map<QueryKind | "all", { t: number[]; n: number[] }>();
  const add = (k: QueryKind | "all", t: number, n: number) => {
    const s = samples.get(k) ?? { t: [], n: [] };
    s.t.push(t);
    s.n.push(n);
    samples.set(k, s);
  };
  for (const q of queries) {
    const started = performance.now();
    const result = await searchKnowledge(getPool(), scope, q.text, { budgetTokens: 2_000, limit: 8 });
    const elapsed = performance.now() - started;
    add(q.kind, elapsed, result.passages.length);
    add("all", elapsed, result.passages.length);
  }
  return Object.fromEntries([...samples].map(([k, s]) => [k, timing(s.t, s.n)]));
}

/** A PDF of `pages` pages of ~400 words each (Helvetica, no compression): what unpdf reads. */
function makePdf(pages: number, seed: number): Uint8Array {
  const r = ranks(seed);
  const words = ["policy", "employee", "travel", "expense", "receipt", "manager", "approval", "laptop", "security", "badge", "office", "holiday", "leave", "contract", "customer", "refund"];
  const objects: string[] = ["<< /Type /Catalog /Pages 2 0 R >>", `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${3 + 2 * i} 0 R`).join(" ")}] /Count ${pages} >>`];
  const font = 3 + 2 * pages;
  for (let p = 0; p < pages; p++) {
    const lines: string[] = [];
    for (let l = 0; l < 40; l++) lines.push(Array.from({ length: 10 }, () => words[Math.floor(r.next().value * words.length)]).join(" ") + ".");
    const stream = ["BT", "/F1 10 Tf", "50 760 Td", "12 TL", ...lines.map((line) => `(${line}) Tj T*`), "ET"].join("\n");
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${4 + 2 * p} 0 R >>`);
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  }
  objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

async function measureIngestion(owner: { tenantId: string; userId: string }, appUrl: string, sizes: Sizes) {
  registerJob("knowledge-ingest", async (payload, ctx) => {
    await ingestDocument(payload, ctx);
  });
  await startJobs({ work: true, schedules: false, connectionString: appUrl, max: 3, pollingIntervalSeconds: 0.5 });
  try {
    const pdfs = Array.from({ length: sizes.pdfs }, (_, i) => makePdf(sizes.pagesPerPdf, 1_000 + i));
    const started = performance.now();
    const ids = new Set<string>();
    for (const [i, bytes] of pdfs.entries()) ids.add((await createDocument(owner, { title: `Bench PDF ${i}`, fileName: `bench-${i}.pdf`, bytes })).id);
    for (;;) {
      const docs = (await listDocuments(owner)).filter((d) => ids.has(d.id));
      const failed = docs.filter((d) => d.status === "failed");
      if (failed.length > 0) throw new Error(`ingestion failed: ${failed[0]!.failureReason}`);
      if (docs.length === ids.size && docs.every((d) => d.status === "ready")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const pages = sizes.pdfs * sizes.pagesPerPdf;
    return { documents: sizes.pdfs, pages, seconds: round2(seconds), pagesPerSecond: round2(pages / seconds), workerConcurrency: 2 };
  } finally {
    await stopJobs();
  }
}

interface Overrides {
  otherTenants?: number;
  chunks?: number;
  keepDatabase?: boolean;
  /**
   * Chunks in each other tenant. Default 1,000 (the full run: 1,000 tenants, about 1.1M chunks,
   * some 16 minutes to load here); 10,000 gives the issue's 10M, which takes hours here.
   */
  otherChunks?: number;
  /** A database an earlier run kept (--keep-db): migrated to the current code, not reloaded. */
  reuseDatabase?: string;
}

async function run(options: ScenarioOptions, overrides: Overrides): Promise<ScenarioResult> {
  const base = options.quick ? QUICK : FULL;
  const sizes: Sizes = { ...base, otherTenants: overrides.otherTenants ?? base.otherTenants, chunksPerTenant: overrides.chunks ?? base.chunksPerTenant };
  const otherChunks = Math.min(sizes.chunksPerTenant, overrides.otherChunks ?? 1_000);
  const reuse = overrides.reuseDatabase;
  const databaseName = reuse ?? `bulkhead_bench_kb_${process.pid}_${Date.now().toString(36)}`;
  if (!reuse) await createDatabase(TEST_SERVER_URL, databaseName);
  const keep = overrides.keepDatabase || reuse !== undefined;
  const dropOnInterrupt = onCleanup(() => (keep ? Promise.resolve() : dropDatabase(TEST_SERVER_URL, databaseName)));
  const ownerUrl = databaseUrl(TEST_SERVER_URL, databaseName);
  const appUrl = new URL(ownerUrl);
  appUrl.username = APP_DB_ROLE;
  const prisma = createPrismaClient(appUrl.toString(), 4);
  setPrismaClient(prisma);
  try {
    const loadStarted = performance.now();
    const { tenantId, ownerId, memberId, totalChunks, queries } = await withOwner(ownerUrl, async (db) => {
      await migrate(pgRunner(db), await readMigrations(path.join(ROOT, "prisma", "migrations")));
      if (reuse) {
        const [ids] = (
          await db.query<{ tenant_id: string; owner_id: string; member_id: string }>(
            `SELECT t.id AS tenant_id, (SELECT id FROM users WHERE email = 'owner@kb.bench') AS owner_id, (SELECT id FROM users WHERE email = 'member@kb.bench') AS member_id
               FROM tenants t WHERE t.slug = 'kb-bench'`,
          )
        ).rows;
        if (!ids) throw new Error(`${reuse} is not a database kept by this bench`);
        const [count] = (await db.query<{ n: string }>("SELECT count(*) AS n FROM knowledge_chunks")).rows;
        return { tenantId: ids.tenant_id, ownerId: ids.owner_id, memberId: ids.member_id, totalChunks: Number(count!.n), queries: await buildQueries(db, sizes.queriesPerKind) };
      }
      const seeded = await seed(db, sizes.otherTenants);
      await dropIndexes(db);
      await loadTenant(db, seeded.tenantId, sizes.chunksPerTenant, seeded.ownerId);
      const others = (await db.query<{ id: string }>("SELECT id FROM tenants WHERE slug LIKE 'kb-other-%' ORDER BY slug")).rows;
      for (const [i, t] of others.entries()) {
        await copyTenant(db, seeded.tenantId, t.id, otherChunks, seeded.ownerId);
        if ((i + 1) % 50 === 0) console.error(`[bench] loaded ${i + 1} of ${others.length} other tenants`);
      }
      await createIndexes(db);
      const [count] = (await db.query<{ n: string }>("SELECT count(*) AS n FROM knowledge_chunks")).rows;
      return { ...seeded, totalChunks: Number(count!.n), queries: await buildQueries(db, sizes.queriesPerKind) };
    });
    const loadSeconds = round2((performance.now() - loadStarted) / 1000);
    console.error(`[bench] ${totalChunks.toLocaleString("en-US")} chunks loaded and indexed in ${loadSeconds} s`);

    const search = await measureSearch({ kind: "tenant", tenantId, userId: memberId }, queries);
    const ingestion = await measureIngestion({ tenantId, userId: ownerId }, appUrl.toString(), sizes);

    const rows = Object.entries(search).map(([kind, t]) => [kind, String(t.count), ms(t.p50), ms(t.p95), ms(t.p99), ms(t.max), String(t.meanPassages)]);
    console.log(`\nKnowledge search, ${sizes.chunksPerTenant.toLocaleString("en-US")} chunks in the tenant, ${totalChunks.toLocaleString("en-US")} in the table (ms)`);
    console.log(formatTable(["queries", "n", "p50", "p95", "p99", "max", "passages"], rows));
    const all = search.all!;
    console.log(`\nP95 ${ms(all.p95)} ms (target ≤ ${TARGET_P95_MS} ms): ${all.p95 <= TARGET_P95_MS ? "met" : "NOT met"}`);
    console.log(`Ingestion: ${ingestion.pages} PDF pages in ${ingestion.documents} documents, ${ingestion.seconds} s → ${ingestion.pagesPerSecond} pages/s`);

    const data = {
      machine: machineInfo(),
      quick: options.quick,
      sizes: { ...sizes, otherChunksPerTenant: sizes.otherTenants > 0 ? otherChunks : 0, totalChunks },
      loadSeconds,
      targets: { retrievalP95Ms: TARGET_P95_MS },
      search,
      meetsTarget: all.p95 <= TARGET_P95_MS,
      ingestion,
    };
    return { data, failures: 0 };
  } finally {
    setPrismaClient(undefined);
    await prisma.$disconnect();
    dropOnInterrupt();
    if (keep) console.error(`[bench] kept database ${databaseName} (again: --reuse-db ${databaseName}; drop it when done)`);
    else await dropDatabase(TEST_SERVER_URL, databaseName);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? Number(argv[i + 1]) : undefined;
  };
  const startedAt = new Date();
  run({ quick: argv.includes("--quick"), profile: false, verbose: false }, {
    otherTenants: flag("--other-tenants"),
    chunks: flag("--chunks"),
    otherChunks: flag("--other-chunks"),
    keepDatabase: argv.includes("--keep-db"),
    reuseDatabase: argv.includes("--reuse-db") ? argv[argv.indexOf("--reuse-db") + 1] : undefined,
  })
    .then(async (result) => console.log(`results: ${(await writeResults("knowledge", startedAt, { startedAt: startedAt.toISOString(), ...result.data })).join(", ")}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
