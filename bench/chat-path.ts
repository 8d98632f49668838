import { performance } from "node:perf_hooks";
import { benchMessagesRequest } from "@/lib/bench/proxy-request";
import { startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { BENCH_USER, cpuProfile, startAppServer } from "./lib/app-server";
import { checkChatNdjson, checkSse } from "./lib/checks";
import { runLoad, type Call, type CallOutcome, type LoadResult } from "./lib/load";
import { LOCAL_REDIS_URL, redisAnswers } from "./lib/redis-probe";
import { machineInfo } from "./lib/results";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { signIn } from "./lib/session";
import { round2 } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Issue 3 item 7: what the chat path costs on top of the framework. Three targets against
 * ONE simulator, same concurrency levels, same run:
 *   simulator  POST /v1/messages on the simulator directly (the client + simulator floor)
 *   proxy      POST /api/bench/proxy: a bare route that pipes a fixed request (framework floor)
 *   chat       POST /api/w/<slug>/chat with a session: the real path
 */
const LEVELS = [
  { concurrency: 1, requests: 300 },
  { concurrency: 10, requests: 1000 },
  { concurrency: 50, requests: 1500 },
];
const QUICK_LEVELS = [
  { concurrency: 1, requests: 60 },
  { concurrency: 10, requests: 200 },
  { concurrency: 50, requests: 300 },
];
const WARMUP = { requests: 100, concurrency: 4 };
const QUICK_WARMUP = { requests: 30, concurrency: 4 };

/** Conversations in rotation, and turns before one is replaced by a fresh conversation. */
const CONVERSATIONS = 20;
const TURNS_PER_CONVERSATION = 10;
const OVERHEAD_TARGET_MS = 3;

export interface Target {
  name: "simulator" | "proxy" | "chat";
  /** A fresh call function per run (the chat target keeps per-run conversation state). */
  prepare(concurrency: number): Call;
}

export const chatPath: Scenario = {
  name: "chat-path",
  description: "Chat path vs bare proxy route vs simulator: P50/P99/mean latency and req/s at concurrency 1, 10, 50",
  run,
};

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const levels = options.quick ? QUICK_LEVELS : LEVELS;
  const warmup = options.quick ? QUICK_WARMUP : WARMUP;
  const machine = machineInfo();
  const profile = await cpuProfile(options.profile);

  // Production limits go through Redis: measure with the local one when it is there.
  const redisUrl = (await redisAnswers(LOCAL_REDIS_URL)) ? LOCAL_REDIS_URL : undefined;
  if (!redisUrl) console.error(`[bench] no Redis at ${LOCAL_REDIS_URL}: the rate limiter uses its in-memory store`);

  const sim = await startSimulator({ port: 0 });
  try {
    const app = await startAppServer({
      anthropicBaseUrl: sim.url,
      redisUrl,
      nodeArgs: profile?.nodeArgs ?? [],
      verbose: options.verbose,
    });
    try {
      const cookie = await signIn(app.baseUrl, BENCH_USER.email, BENCH_USER.password);
      const targets = [simulatorTarget(sim.url), proxyTarget(app.baseUrl), chatTarget(app.baseUrl, app.slug, cookie)];
      await checkTargets(targets, sim, app.logTail);

      for (const target of targets) {
        const result = await runLoad(target.prepare(warmup.concurrency), warmup.requests, warmup.concurrency);
        if (result.errors > 0) throw new Error(`warm-up of ${target.name} failed: ${JSON.stringify(result.errorSamples)}\n${app.logTail()}`);
      }

      const runs: Run[] = [];
      for (const level of levels) {
        for (const target of targets) {
          sim.received.clear();
          const cpuBefore = { server: app.cpuMs(), bench: process.cpuUsage() };
          const result = await runLoad(target.prepare(level.concurrency), level.requests, level.concurrency);
          const cpu = cpuPerRequest(cpuBefore, app.cpuMs(), result.requests);
          const upstream = upstreamStats(sim);
          runs.push({ target: target.name, ...result, upstream, cpu });
          console.error(
            `[bench] ${target.name.padEnd(9)} c=${String(level.concurrency).padEnd(3)} n=${level.requests}: P50 ${ms(result.latency.p50)} ms, P99 ${ms(result.latency.p99)} ms, ${result.rps} req/s, ${result.errors} errors`,
          );
        }
      }

      const headline = overheadHeadline(runs);
      printReport(runs, headline);
      if (profile) console.log(`\nCPU profile of the app server: ${profile.dir} (written when the server exits)`);
      const data = {
        scenario: "chat-path",
        machine,
        config: { levels, warmup, conversations: CONVERSATIONS, turnsPerConversation: TURNS_PER_CONVERSATION, databasePoolSize: app.poolSize, limiterStore: redisUrl ?? "memory", quick: options.quick, profiled: options.profile },
        headline,
        results: runs.map((r) => ({
          target: r.target,
          concurrency: r.concurrency,
          requests: r.requests,
          ok: r.ok,
          errors: r.errors,
          errorSamples: r.errorSamples,
          p50Ms: round2(r.latency.p50),
          p90Ms: round2(r.latency.p90),
          p99Ms: round2(r.latency.p99),
          meanMs: round2(r.latency.mean),
          minMs: round2(r.latency.min),
          maxMs: round2(r.latency.max),
          headersP50Ms: r.headersLatency ? round2(r.headersLatency.p50) : null,
          rps: r.rps,
          elapsedMs: r.elapsedMs,
          meanResponseBytes: r.meanBytes,
          serverCpuMsPerRequest: r.cpu.server,
          benchCpuMsPerRequest: r.cpu.bench,
          upstream: r.upstream,
        })),
      };
      return { data, failures: runs.reduce((sum, r) => sum + r.errors, 0) };
    } finally {
      await app.close();
    }
  } finally {
    await sim.close();
  }
}

// ---- targets ----------------------------------------------------------------------------

async function timedFetch(url: string, init: RequestInit): Promise<{ status: number; body: string; headersMs: number }> {
  const sentAt = performance.now();
  const res = await fetch(url, init);
  const headersMs = performance.now() - sentAt;
  return { status: res.status, body: await res.text(), headersMs };
}

function simulatorTarget(simUrl: string): Target {
  const body = JSON.stringify(benchMessagesRequest());
  const init: RequestInit = { method: "POST", headers: { "content-type": "application/json", "x-api-key": "bench", "anthropic-version": "2023-06-01" }, body };
  return {
    name: "simulator",
    prepare: () => async () => sseOutcome(await timedFetch(`${simUrl}/v1/messages`, init)),
  };
}

function proxyTarget(baseUrl: string): Target {
  return {
    name: "proxy",
    prepare: () => async () => sseOutcome(await timedFetch(`${baseUrl}/api/bench/proxy`, { method: "POST" })),
  };
}

function sseOutcome(res: { status: number; body: string; headersMs: number }): CallOutcome {
  return { error: checkSse(res.status, res.body), headersMs: res.headersMs, bytes: Buffer.byteLength(res.body) };
}

interface ConversationSlot {
  id: string | null;
  turns: number;
}

/**
 * Conversations are checked out one request at a time (never two turns of one conversation
 * in flight), at least CONVERSATIONS of them, so history grows to at most
 * TURNS_PER_CONVERSATION - 1 prior turns before a slot starts a fresh conversation.
 */
export function chatTarget(baseUrl: string, slug: string, cookie: string, question: (index: number) => string = questionFor): Target {
  const url = `${baseUrl}/api/w/${encodeURIComponent(slug)}/chat`;
  const headers = { "content-type": "application/json", cookie };
  return {
    name: "chat",
    prepare(concurrency) {
      const free: ConversationSlot[] = Array.from({ length: Math.max(CONVERSATIONS, concurrency) }, () => ({ id: null, turns: 0 }));
      return async (index) => {
        const slot = free.shift();
        if (!slot) throw new Error("no free conversation slot (concurrency above the pool size)");
        try {
          if (slot.turns >= TURNS_PER_CONVERSATION) Object.assign(slot, { id: null, turns: 0 });
          const body = JSON.stringify({ message: question(index), ...(slot.id ? { conversationId: slot.id } : {}) });
          const res = await timedFetch(url, { method: "POST", headers, body });
          const check = checkChatNdjson(res.status, res.body);
          if (check.error === null) Object.assign(slot, { id: check.conversationId, turns: slot.turns + 1 });
          else Object.assign(slot, { id: null, turns: 0 });
          return { error: check.error, headersMs: res.headersMs, bytes: Buffer.byteLength(res.body) };
        } finally {
          free.push(slot);
        }
      };
    },
  };
}

const VERBS = ["cache", "validate", "measure", "document", "retry", "review", "simplify", "schedule"];
const NOUNS = ["the configuration", "our API keys", "the nightly import", "the onboarding flow", "the dashboard", "invoices", "the test suite"];

/** Short varied questions, about the size of the proxy's fixed one. */
function questionFor(index: number): string {
  return `Question ${index}: how should I ${VERBS[index % VERBS.length]} ${NOUNS[index % NOUNS.length]} for a small team?`;
}

/** One request per target before measuring: fails fast, with the server's log, if a target is broken. */
async function checkTargets(targets: Target[], sim: RunningSimulator, logTail: () => string): Promise<void> {
  for (const target of targets) {
    sim.received.clear();
    const outcome = await target.prepare(1)(0);
    if (outcome.error !== null) throw new Error(`${target.name} target failed its first request: ${outcome.error}\n--- server output ---\n${logTail()}`);
    if (sim.received.size !== 1) throw new Error(`${target.name} target did not reach the bench's simulator (${sim.received.size} requests seen)`);
  }
}

// ---- reporting --------------------------------------------------------------------------

interface CpuPerRequest {
  /** The app server's CPU per request: the cost that bounds throughput per core. Null without /proc. */
  server: number | null;
  /** The bench process (load generator + simulator) per request. */
  bench: number;
}

type Run = LoadResult & { target: string; upstream: UpstreamStats; cpu: CpuPerRequest };

function cpuPerRequest(before: { server: number | null; bench: NodeJS.CpuUsage }, serverAfter: number | null, requests: number): CpuPerRequest {
  const bench = process.cpuUsage(before.bench);
  return {
    server: before.server === null || serverAfter === null ? null : round2((serverAfter - before.server) / requests),
    bench: round2((bench.user + bench.system) / 1000 / requests),
  };
}

interface UpstreamStats {
  /** Requests the simulator saw during the run (warm-up excluded). */
  requests: number;
  meanInputTokens: number;
  meanOutputTokens: number;
}

function upstreamStats(sim: RunningSimulator): UpstreamStats {
  const entries = sim.received.all();
  const usage = entries.flatMap((e) => (e.usage ? [e.usage] : []));
  const mean = (f: (u: (typeof usage)[number]) => number) => (usage.length ? Math.round(usage.reduce((s, u) => s + f(u), 0) / usage.length) : 0);
  return {
    requests: entries.length,
    meanInputTokens: mean((u) => u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens),
    meanOutputTokens: mean((u) => u.output_tokens),
  };
}

interface Headline {
  chatP50Ms: number;
  proxyP50Ms: number;
  simulatorP50Ms: number;
  /** chat − proxy at P50, sequential: the cost of our code on top of the framework. */
  chatOverProxyP50Ms: number;
  /** proxy − simulator at P50, sequential: the framework's own cost. */
  proxyOverSimulatorP50Ms: number;
  /** App-server CPU per request, chat − proxy, sequential: less sensitive to a busy machine than latency. */
  chatOverProxyServerCpuMs: number | null;
  targetMs: number;
  withinTarget: boolean;
}

function overheadHeadline(runs: Run[]): Headline {
  const sequential = (target: string) => runs.find((r) => r.target === target && r.concurrency === 1);
  const p50 = (target: string) => sequential(target)?.latency.p50 ?? Number.NaN;
  const [chat, proxy, simulator] = [p50("chat"), p50("proxy"), p50("simulator")];
  const overhead = round2(chat - proxy);
  const [chatCpu, proxyCpu] = [sequential("chat")?.cpu.server ?? null, sequential("proxy")?.cpu.server ?? null];
  return {
    chatP50Ms: round2(chat),
    proxyP50Ms: round2(proxy),
    simulatorP50Ms: round2(simulator),
    chatOverProxyP50Ms: overhead,
    proxyOverSimulatorP50Ms: round2(proxy - simulator),
    chatOverProxyServerCpuMs: chatCpu === null || proxyCpu === null ? null : round2(chatCpu - proxyCpu),
    targetMs: OVERHEAD_TARGET_MS,
    withinTarget: overhead <= OVERHEAD_TARGET_MS,
  };
}

function printReport(runs: Run[], headline: Headline): void {
  const rows = runs.map((r) => [
    r.target,
    String(r.concurrency),
    String(r.requests),
    ms(r.latency.p50),
    ms(r.latency.p99),
    ms(r.latency.mean),
    ms(r.headersLatency?.p50 ?? Number.NaN),
    r.rps.toFixed(1),
    String(r.errors),
    r.cpu.server === null ? "–" : r.cpu.server.toFixed(2),
    `${r.upstream.meanInputTokens}/${r.upstream.meanOutputTokens}`,
  ]);
  console.log("\nchat-path (ms; latency = send → end of body, hdrs = send → response headers, srv CPU/req = app server CPU ms per request)\n");
  console.log(formatTable(["target", "conc", "n", "P50", "P99", "mean", "hdrs P50", "req/s", "errors", "srv CPU/req", "tok in/out"], rows));
  console.log(
    `\nchat path overhead over bare proxy at P50 (sequential): ${ms(headline.chatOverProxyP50Ms)} ms (target ≤ ${headline.targetMs} ms)${headline.withinTarget ? "" : "  ← OVER TARGET"}`,
  );
  console.log(`bare proxy over direct simulator at P50 (sequential): ${ms(headline.proxyOverSimulatorP50Ms)} ms (the framework's own cost)`);
  if (headline.chatOverProxyServerCpuMs !== null) {
    console.log(`chat path extra app-server CPU per request over bare proxy (sequential): ${ms(headline.chatOverProxyServerCpuMs)} ms`);
  }
  for (const r of runs.filter((r) => r.upstream.requests < r.ok)) {
    console.log(`warning: ${r.target} c=${r.concurrency}: ${r.ok} successful responses but the simulator saw only ${r.upstream.requests} requests`);
  }
  const failed = runs.filter((r) => r.errors > 0);
  for (const r of failed) console.log(`errors in ${r.target} c=${r.concurrency}: ${JSON.stringify(r.errorSamples)}`);
}
