import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createPrismaClient, getPool, setPrismaClient } from "@/lib/db/client";
import { withScopeSql } from "@/lib/db/sql";
import { EMBEDDING_DIMENSIONS, pgvectorRanker, type EmbeddingProvider } from "@/lib/knowledge/embeddings";
import { machineInfo } from "./lib/results";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { round2, summarize } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Knowledge vectors on the embedded database (PGlite with pgvector, what `npm start` runs):
 * the nearest-chunk ranking of lib/knowledge/embeddings.ts pgvectorRanker as a member of
 * the tenant, for tenants of 1,000 and 5,000 chunks, exact (the tenant's rows sorted by
 * distance) and through the HNSW index. These are the figures behind
 * VECTOR_POLICY.exactUpToChunks. Random unit vectors of 1,024 dimensions, one model; the
 * query vector is fixed (no provider call is timed).
 */
const SIZES = [1_000, 5_000];
const QUERIES = 30;
const LIMIT = 24; // what searchKnowledge asks for: 3 × its default limit of 8

export const vectors: Scenario = {
  name: "vectors",
  description: "Knowledge vector ranking on the embedded database: exact vs HNSW at 1,000 and 5,000 chunks in a tenant",
  run,
};

const randomVector = () => {
  const v = Array.from({ length: EMBEDDING_DIMENSIONS }, () => Math.random() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  process.env.BULKHEAD_EMBEDDED_DB = "1";
  const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
  const dir = await mkdtemp(path.join(tmpdir(), "bulkhead-bench-vectors-"));
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: 40_000 + ((process.pid + 29) % 20_000) });
  const prisma = createPrismaClient(embedded.appUrl, 2);
  setPrismaClient(prisma);
  const query = randomVector();
  const provider: EmbeddingProvider = { model: "bench-random", dimensions: EMBEDDING_DIMENSIONS, embed: async (texts) => texts.map(() => query) };
  try {
    const owner = async (sql: string, params: unknown[] = []) => {
      const client = await getPool().connect();
      try {
        await client.query("BEGIN");
        await client.query("SET LOCAL ROLE postgres"); // PGlite keeps a superuser session under the app's login
        const { rows } = await client.query(sql, params);
        await client.query("COMMIT");
        return rows as Record<string, string>[];
      } finally {
        client.release();
      }
    };
    const rows: string[][] = [];
    const data: Record<string, unknown> = {};
    for (const size of SIZES) {
      const [tenant] = await owner("INSERT INTO tenants (slug, name, plan_id) VALUES ($1, $1, 'professional') RETURNING id", [`vectors-${size}`]);
      const [user] = await owner("INSERT INTO users (email, name, password_hash) VALUES ($1, 'Bench', 'x') RETURNING id", [`member-${size}@vectors.bench`]);
      await owner("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')", [tenant!.id, user!.id]);
      const [doc] = await owner(
        `INSERT INTO knowledge_documents (tenant_id, title, source_type, status, version, live_version, byte_size, chunk_count, created_by_id, updated_by_id, ready_at)
         VALUES ($1, 'Bench', 'markdown', 'ready', 1, 1, 1, $2, $3, $3, now()) RETURNING id`,
        [tenant!.id, size, user!.id],
      );
      const started = performance.now();
      for (let from = 0; from < size; from += 250) {
        const count = Math.min(250, size - from);
        const ids = await owner(
          `INSERT INTO knowledge_chunks (tenant_id, document_id, version, ordinal, text, token_count, visibility, search_vector)
           SELECT $1, $2, 1, g, 'chunk ' || g, 2, 'members', to_tsvector('simple', 'chunk ' || g) FROM generate_series($3::int, $4::int) g RETURNING id`,
          [tenant!.id, doc!.id, from, from + count - 1],
        );
        await owner(
          "INSERT INTO knowledge_embeddings (tenant_id, chunk_id, model, embedding) SELECT $1, u.id, $2, u.e::vector FROM unnest($3::uuid[], $4::text[]) AS u(id, e)",
          [tenant!.id, provider.model, ids.map((r) => r.id), ids.map(() => `[${randomVector().join(",")}]`)],
        );
      }
      if (options.verbose) console.error(`[bench] vectors: ${size} chunks loaded in ${round2((performance.now() - started) / 1000)} s`);
      await owner("ANALYZE knowledge_embeddings");
      const scope = { kind: "tenant" as const, tenantId: tenant!.id!, userId: user!.id! };
      for (const [path, exactUpToChunks] of [["exact", Number.MAX_SAFE_INTEGER], ["hnsw", 0]] as const) {
        const ranker = pgvectorRanker(provider, { exactUpToChunks });
        const samples: number[] = [];
        let found = 0;
        for (let i = 0; i < QUERIES + 3; i++) {
          const t = performance.now();
          const ids = await withScopeSql(scope, (db) => ranker.rank(db, "q", LIMIT, { membersOnly: true }));
          if (i >= 3) samples.push(performance.now() - t); // the first three warm the caches
          found = ids.length;
        }
        const s = summarize(samples);
        rows.push([String(size), path, ms(s.p50), ms(s.p90), ms(s.max), String(found)]);
        data[`${size}-${path}`] = { p50: round2(s.p50), p90: round2(s.p90), max: round2(s.max), found };
      }
    }
    console.log(`\nKnowledge vector ranking, embedded database, ${QUERIES} queries each, ${LIMIT} nearest (ms)`);
    console.log(formatTable(["chunks", "path", "p50", "p90", "max", "found"], rows));
    return { data: { machine: machineInfo(), limit: LIMIT, queries: QUERIES, results: data }, failures: 0 };
  } finally {
    setPrismaClient(undefined);
    await prisma.$disconnect();
    await embedded.close();
    await rm(dir, { recursive: true, force: true });
  }
}
