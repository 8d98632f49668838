import { performance } from "node:perf_hooks";
import pg from "pg";
import { signUp } from "@/lib/auth/sign-up";
import { CONTEXT_BUDGET } from "@/lib/context/budget";
import { createPrismaClient, getPool, setPrismaClient } from "@/lib/db/client";
import { searchTurnKnowledge } from "@/lib/context/knowledge-source";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { chatTarget } from "./chat-path";
import { BENCH_USER, startAppServer, type AppServer } from "./lib/app-server";
import { runLoad } from "./lib/load";
import { LOCAL_REDIS_URL, redisAnswers } from "./lib/redis-probe";
import { machineInfo } from "./lib/results";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { signIn } from "./lib/session";
import { percentile, round2, summarize } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Issue 13, item 9: the chat path with knowledge on stays within 2 ms P50 of the path without
 * it at the same prompt size, the retrieval query itself excluded (and reported separately).
 *
 * One app server, one simulator, two workspaces on the enterprise plan:
 *   knowledge   the bench workspace, with KNOWLEDGE_CHUNKS passages of ~60 words written by
 *               SQL as the owner (documents, chunks, vocabulary); every question's words are
 *               in it, so each turn searches and places up to 8 passages after the prefix.
 *   padded      a second workspace with no knowledge, whose custom instructions are padded
 *               (a new configuration version written by SQL on this throwaway database: the
 *               editor caps instructions at 4,000 characters)
 *               until its upstream prompts are as long as the first's (checked below from the
 *               simulator's token counts), so both send the same prompt size.
 * Same questions, sequential, interleaved rounds. The retrieval query is timed on its own in
 * this process (searchTurnKnowledge on the app's login, the same call compose makes) and
 * subtracted: added = P50(knowledge) − P50(padded) − P50(retrieval).
 */
const TARGET_MS = 2;
const KNOWLEDGE_CHUNKS = 2_000;
const CHUNKS_PER_DOCUMENT = 20;
const WORDS_PER_CHUNK = 60;
const VOCABULARY = 3_000;
const PADDED_USER = { name: "Padded Bench", email: "padded-bench@example.com", password: "bench-password-1", workspaceName: "Padded Bench", slug: "padded-bench" } as const;

const SIZES = {
  full: { rounds: 6, perRound: 80, warmup: 40 },
  quick: { rounds: 3, perRound: 40, warmup: 20 },
};

export const chatKnowledge: Scenario = {
  name: "chat-knowledge",
  description: "Chat P50 with knowledge on vs a workspace without it at the same prompt size; the retrieval query reported separately",
  run,
};

/** The vocabulary word of a rank (md5 letters, 4–10 long): the same on every run, in SQL and here. */
const wordSql = (i: string) => `translate(substr(md5('kb' || ${i}), 1, 4 + ${i} % 7), '0123456789abcdef', 'klmnoprstuvwxyzq')`;

export async function seedKnowledge(ownerUrl: string, slug: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    const [t] = (await db.query<{ id: string; owner: string }>("SELECT t.id, m.user_id AS owner FROM tenants t JOIN memberships m ON m.tenant_id = t.id AND m.role = 'owner' WHERE t.slug = $1", [slug])).rows;
    if (!t) throw new Error(`no workspace ${slug}`);
    const documents = KNOWLEDGE_CHUNKS / CHUNKS_PER_DOCUMENT;
    await db.query(
      `INSERT INTO knowledge_documents (tenant_id, id, title, source_type, status, version, live_version, byte_size, chunk_count, created_by_id, updated_by_id, ready_at)
       SELECT $1::uuid, md5($1::text || d)::uuid, 'Handbook ' || d, 'markdown', 'ready', 1, 1, 10000, $3, $4, $4, now() FROM generate_series(1, $2::int) d`,
      [t.id, documents, CHUNKS_PER_DOCUMENT, t.owner],
    );
    await db.query(
      `INSERT INTO knowledge_chunks (tenant_id, document_id, version, ordinal, heading_path, text, token_count, visibility, search_vector)
       SELECT $1::uuid, md5($1::text || (1 + g / ${CHUNKS_PER_DOCUMENT}))::uuid, 1, g % ${CHUNKS_PER_DOCUMENT}, ARRAY['Section ' || (g % 9)], x.text,
              greatest(1, length(x.text) / 4), 'members', to_tsvector('english', x.text)
         FROM generate_series(0, ${KNOWLEDGE_CHUNKS - 1}) g,
              LATERAL (SELECT string_agg(${wordSql("r.i")}, ' ') AS text
                         FROM generate_series(1, ${WORDS_PER_CHUNK} + 0 * g) s,
                              LATERAL (SELECT floor(exp(random() * ln(${VOCABULARY})))::int + 0 * s AS i) r) x`,
      [t.id],
    );
    await db.query(
      `INSERT INTO knowledge_terms (tenant_id, term, chunks)
       SELECT $1::uuid, w, count(DISTINCT c.id) FROM knowledge_chunks c, regexp_split_to_table(c.text, ' ') w WHERE c.tenant_id = $1 GROUP BY w`,
      [t.id],
    );
    await db.query("ANALYZE knowledge_chunks");
    return (await db.query<{ w: string }>(`SELECT ${wordSql("i")} AS w FROM generate_series(1, ${VOCABULARY}) i ORDER BY i`)).rows.map((r) => r.w);
  } finally {
    await db.end();
  }
}

async function createPaddedWorkspace(app: AppServer): Promise<void> {
  const prisma = createPrismaClient(app.appUrl, 2);
  setPrismaClient(prisma);
  try {
    await signUp(PADDED_USER, { planId: "enterprise" });
  } finally {
    setPrismaClient(undefined);
    await prisma.$disconnect();
  }
  await pgRows(app.ownerUrl, "UPDATE users SET email_verified_at = now() WHERE email = $1", [PADDED_USER.email]);
}

/** A new configuration version with these instructions (as a save would make: versions never change, and the prefix is cached per version). */
async function saveInstructions(url: string, slug: string, instructions: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query("BEGIN");
    await db.query("CREATE TEMP TABLE next_config ON COMMIT DROP AS SELECT * FROM tenant_configs WHERE tenant_id = (SELECT id FROM tenants WHERE slug = $1) ORDER BY version DESC LIMIT 1", [slug]);
    await db.query("UPDATE next_config SET version = version + 1, custom_instructions = $1, created_at = now()", [instructions]);
    await db.query("INSERT INTO tenant_configs SELECT * FROM next_config");
    await db.query("COMMIT");
  } finally {
    await db.end();
  }
}

/** Mean upstream prompt tokens (input + cache) of what the simulator received since the last clear. */
function meanPromptTokens(sim: RunningSimulator): number {
  const usage = sim.received.all().flatMap((e) => (e.usage ? [e.usage] : []));
  if (usage.length === 0) return 0;
  return usage.reduce((s, u) => s + u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens, 0) / usage.length;
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const size = options.quick ? SIZES.quick : SIZES.full;
  const redisUrl = (await redisAnswers(LOCAL_REDIS_URL)) ? LOCAL_REDIS_URL : undefined;
  const sim = await startSimulator({ port: 0 });
  try {
    const app = await startAppServer({ anthropicBaseUrl: sim.url, redisUrl, verbose: options.verbose });
    try {
      const words = await seedKnowledge(app.ownerUrl, app.slug);
      await createPaddedWorkspace(app);
      // Three words of ranks 30–1,500 a question: in some passages each, rarely all together.
      const ask = (i: number) => {
        const w = (k: number) => words[30 + ((i * 7919 + k * 104_729) % 1_470)]!;
        return `Question ${i}: what does the handbook say about ${w(1)} ${w(2)} and ${w(3)}?`;
      };
      // Each measured round asks the next questions (runLoad numbers calls from 0 every round).
      let offset = 0;
      const question = (i: number) => ask(offset + i);
      const cookies = {
        knowledge: await signIn(app.baseUrl, BENCH_USER.email, BENCH_USER.password),
        padded: await signIn(app.baseUrl, PADDED_USER.email, PADDED_USER.password),
      };
      const targets = {
        knowledge: chatTarget(app.baseUrl, app.slug, cookies.knowledge, question),
        padded: chatTarget(app.baseUrl, PADDED_USER.slug, cookies.padded, question),
      };

      // Same prompt size: pad the second workspace's instructions by the difference, twice.
      const promptTokens = async (name: keyof typeof targets) => {
        sim.received.clear();
        const result = await runLoad(targets[name].prepare(1), size.warmup, 1);
        if (result.errors > 0) throw new Error(`${name} warm-up failed: ${JSON.stringify(result.errorSamples)}\n${app.logTail()}`);
        return meanPromptTokens(sim);
      };
      const withKnowledge = await promptTokens("knowledge");
      let padding = "";
      let padded = await promptTokens("padded");
      for (let i = 0; i < 3 && Math.abs(withKnowledge - padded) / withKnowledge > 0.01; i++) {
        const more = Math.round(withKnowledge - padded);
        const filler = Array.from({ length: Math.max(1, Math.ceil(Math.abs(more) / 2)) }, (_, k) => words[(k * 31) % words.length]).join(" ");
        padding = more > 0 ? `${padding} ${filler}`.trim() : padding.slice(0, Math.max(0, padding.length + more * 4));
        await saveInstructions(app.ownerUrl, PADDED_USER.slug, padding);
        padded = await promptTokens("padded");
      }
      console.error(`[bench] prompt tokens: knowledge ${Math.round(withKnowledge)}, padded ${Math.round(padded)} (${padding.length} characters of padding)`);

      const samples = { knowledge: [] as number[], padded: [] as number[] };
      const prompt = { knowledge: [] as number[], padded: [] as number[] };
      for (let round = 0; round < size.rounds; round++) {
        for (const name of round % 2 === 0 ? (["knowledge", "padded"] as const) : (["padded", "knowledge"] as const)) {
          offset = 1_000_000 + round * size.perRound;
          sim.received.clear();
          const result = await runLoad(targets[name].prepare(1), size.perRound, 1);
          if (result.errors > 0) throw new Error(`${name} failed: ${JSON.stringify(result.errorSamples)}`);
          samples[name].push(...result.samples);
          prompt[name].push(meanPromptTokens(sim));
        }
      }

      // The retrieval query alone, as compose makes it, on the app's login (RLS on).
      const prisma = createPrismaClient(app.appUrl, 2);
      setPrismaClient(prisma);
      const retrieval: number[] = [];
      const passages: number[] = [];
      try {
        const [scope] = await pgRows<{ tenant_id: string; user_id: string }>(
          app.ownerUrl,
          "SELECT m.tenant_id, m.user_id FROM memberships m JOIN tenants t ON t.id = m.tenant_id JOIN users u ON u.id = m.user_id WHERE t.slug = $1 AND u.email = $2",
          [app.slug, BENCH_USER.email],
        );
        const options = { budgetTokens: CONTEXT_BUDGET.knowledgeTokens, limit: CONTEXT_BUDGET.knowledgePassages };
        for (let i = 0; i < size.warmup; i++) await searchTurnKnowledge(getPool(), { tenantId: scope!.tenant_id, userId: scope!.user_id }, ask(i), options);
        for (let i = 0; i < size.rounds * size.perRound; i++) {
          const started = performance.now();
          const found = await searchTurnKnowledge(getPool(), { tenantId: scope!.tenant_id, userId: scope!.user_id }, ask(1_000_000 + i), options);
          retrieval.push(performance.now() - started);
          passages.push(found.length);
        }
      } finally {
        setPrismaClient(undefined);
        await prisma.$disconnect();
      }

      const k = summarize(samples.knowledge);
      const p = summarize(samples.padded);
      const r = summarize(retrieval);
      const added = round2(k.p50 - p.p50 - r.p50);
      const meanPrompt = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
      console.log(`\nChat with knowledge vs without at the same prompt size (sequential, ${size.rounds} interleaved rounds of ${size.perRound}; ms)`);
      console.log(
        formatTable(
          ["target", "n", "p50", "p90", "p99", "prompt tokens"],
          [
            ["knowledge on", String(k.count), ms(k.p50), ms(k.p90), ms(k.p99), String(meanPrompt(prompt.knowledge))],
            ["padded, none", String(p.count), ms(p.p50), ms(p.p90), ms(p.p99), String(meanPrompt(prompt.padded))],
            ["retrieval query", String(r.count), ms(r.p50), ms(r.p90), ms(r.p99), "-"],
          ],
        ),
      );
      console.log(`\nadded P50, retrieval excluded: ${ms(k.p50)} − ${ms(p.p50)} − ${ms(r.p50)} = ${ms(added)} ms (target ≤ ${TARGET_MS} ms): ${added <= TARGET_MS ? "met" : "NOT met"}`);
      const data = {
        machine: machineInfo(),
        quick: options.quick,
        config: { ...size, knowledgeChunks: KNOWLEDGE_CHUNKS, wordsPerChunk: WORDS_PER_CHUNK, paddingChars: padding.length, limiterStore: redisUrl ?? "memory" },
        knowledge: { ...k, promptTokens: meanPrompt(prompt.knowledge) },
        padded: { ...p, promptTokens: meanPrompt(prompt.padded) },
        retrieval: { ...r, meanPassages: round2(passages.reduce((a, b) => a + b, 0) / passages.length), p95: round2(percentile([...retrieval].sort((a, b) => a - b), 95)) },
        addedP50Ms: added,
        targetMs: TARGET_MS,
        meetsTarget: added <= TARGET_MS,
      };
      return { data, failures: 0 };
    } finally {
      await app.close();
    }
  } finally {
    await sim.close();
  }
}

async function pgRows<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[]): Promise<T[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<T>(sql, params)).rows;
  } finally {
    await db.end();
  }
}
