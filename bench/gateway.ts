import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { benchMessagesRequest } from "@/lib/bench/proxy-request";
import { startSimulator } from "@/lib/llm/simulator";
import { BENCH_USER, cpuProfile, functionStats, processCpuMs, ROOT, startAppServer } from "./lib/app-server";
import { checkChatNdjson, checkSse } from "./lib/checks";
import { interrupted } from "./lib/cleanup";
import { LOCAL_REDIS_URL, redisAnswers } from "./lib/redis-probe";
import { machineInfo } from "./lib/results";
import type { Scenario, ScenarioOptions, ScenarioResult } from "./lib/scenario";
import { signIn } from "./lib/session";
import { round2, summarize, throughput, type LatencySummary } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * Issue 11 item 5: the tenant API at gateway speed, against Portkey's open-source gateway,
 * ONE simulator, one run, interleaved (each level runs in ROUNDS rounds, every target once
 * per round, so a busy moment of the machine hits all targets alike):
 *
 *   simulator-json / simulator-sse   the upstream directly (the floor)
 *   portkey-json                     @portkey-ai/gateway → simulator (it does no key check,
 *                                    no limits, no metering; its SSE fails on Node 20)
 *   api-json / api-sse               Bulkhead's /v1/messages: key, screen, limits, cached
 *                                    prefix, reservation, call, metering
 *   proxy                            a bare Next.js route piping a fixed SSE request
 *   chat                             the chat path (session, history, NDJSON)
 *
 * "Added" = a target's latency minus the simulator's for the same response shape.
 */
const ROUNDS = 5;
const LEVELS = [
  { concurrency: 1, requests: 400 },
  { concurrency: 50, requests: 2000 },
];
const QUICK_LEVELS = [
  { concurrency: 1, requests: 100 },
  { concurrency: 50, requests: 500 },
];
const WARMUP_REQUESTS = 60;

type TargetName = "simulator-json" | "simulator-sse" | "portkey-json" | "api-json" | "api-sse" | "proxy" | "chat";
type Call = (index: number) => Promise<string | null>;

interface Target {
  name: TargetName;
  prepare(concurrency: number): Call;
  /** CPU ms used so far by the process that does this target's work (null: none of ours). */
  cpuMs?: () => number | null;
}

export const gateway: Scenario = {
  name: "gateway",
  description: "Tenant API vs Portkey gateway vs bare route vs chat vs simulator, interleaved: added P50/P99 and req/s at c=1 and c=50",
  run,
};

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  // BENCH_GATEWAY_LEVELS=1:2000,50:2000 (concurrency:requests): other levels, for profiling.
  const custom = process.env.BENCH_GATEWAY_LEVELS?.split(",").map((l) => {
    const [concurrency, requests] = l.split(":").map(Number);
    return { concurrency: concurrency!, requests: requests! };
  });
  const levels = custom ?? (options.quick ? QUICK_LEVELS : LEVELS);
  const redisUrl = (await redisAnswers(LOCAL_REDIS_URL)) ? LOCAL_REDIS_URL : undefined;
  const sim = await startSimulator({ port: 0, receivedMaxEntries: 1_000 });
  const portkey = await startPortkey(options.verbose);
  try {
    const profile = await cpuProfile(options.profile);
    const app = await startAppServer({
      anthropicBaseUrl: sim.url, redisUrl, verbose: options.verbose,
      nodeArgs: profile?.nodeArgs ?? [],
      // PostgreSQL times the ledger's reservation itself: the one write a call waits for before it leaves.
      databaseSettings: { track_functions: "all" },
    });
    try {
      const cookie = await signIn(app.baseUrl, BENCH_USER.email, BENCH_USER.password);
      // BENCH_GATEWAY_TARGETS=api-json,portkey-json: a subset (profiling one path).
      const only = process.env.BENCH_GATEWAY_TARGETS?.split(",").map((t) => t.trim());
      const targets = [
        simulatorTarget(sim.url, false),
        simulatorTarget(sim.url, true),
        portkeyTarget(portkey.url, sim.url),
        apiTarget(app.baseUrl, app.apiKey, false),
        apiTarget(app.baseUrl, app.apiKey, true),
        proxyTarget(app.baseUrl),
        chatTarget(app.baseUrl, app.slug, cookie),
      ].filter((t) => !only || only.includes(t.name));
      // CPU per request of the serving process: steadier than latency on a busy machine.
      for (const t of targets) {
        if (t.name.startsWith("api") || t.name === "proxy" || t.name === "chat") t.cpuMs = () => app.cpuMs();
        if (t.name === "portkey-json") t.cpuMs = () => processCpuMs(portkey.pid);
      }
      for (const t of targets) {
        const first = await t.prepare(1)(0);
        if (first !== null) throw new Error(`${t.name} failed its first request: ${first}\n${app.logTail()}`);
        await loop(t.prepare(4), WARMUP_REQUESTS, 4);
      }

      const results: LevelResult[] = [];
      let reservation: ReservationCost | null = null;
      for (const level of levels) {
        const reservingBefore = level.concurrency === 1 ? await functionStats(app.ownerUrl, "scoped", "reserve_requests") : null;
        const acc = new Map<TargetName, { latencies: number[]; errors: number; samples: Set<string>; elapsedMs: number; n: number; cpuMs: number | null }>();
        for (let round = 0; round < ROUNDS && !interrupted.aborted; round++) {
          for (const t of targets) {
            const cpuBefore = t.cpuMs?.() ?? null;
            const r = await loop(t.prepare(level.concurrency), Math.ceil(level.requests / ROUNDS), level.concurrency);
            const cpuAfter = t.cpuMs?.() ?? null;
            const a = acc.get(t.name) ?? { latencies: [], errors: 0, samples: new Set<string>(), elapsedMs: 0, n: 0, cpuMs: cpuBefore === null ? null : 0 };
            if (a.cpuMs !== null && cpuBefore !== null && cpuAfter !== null) a.cpuMs += cpuAfter - cpuBefore;
            a.latencies.push(...r.latencies);
            a.errors += r.errors;
            for (const s of r.samples) a.samples.add(s);
            a.elapsedMs += r.elapsedMs;
            a.n += r.latencies.length + r.errors;
            acc.set(t.name, a);
          }
        }
        if (level.concurrency === 1) {
          await new Promise((resolve) => setTimeout(resolve, 1_500)); // the backends publish their counts
          reservation = reservationCost(reservingBefore, await functionStats(app.ownerUrl, "scoped", "reserve_requests"));
        }
        for (const [name, a] of acc) {
          const latency = summarize(a.latencies);
          const rps = throughput(a.latencies.length, a.elapsedMs);
          const cpuPerRequestMs = a.cpuMs === null || a.n === 0 ? null : round2(a.cpuMs / a.n);
          results.push({ target: name, concurrency: level.concurrency, requests: a.n, errors: a.errors, errorSamples: [...a.samples].slice(0, 5), latency, rps, cpuPerRequestMs });
          console.error(`[bench] ${name.padEnd(15)} c=${String(level.concurrency).padEnd(3)} P50 ${ms(latency.p50)} P99 ${ms(latency.p99)} ${rps} req/s ${a.errors} errors`);
        }
      }
      const headline = computeHeadline(results, reservation);
      printReport(results, headline);
      if (profile) console.log(`\nCPU profile of the app server: ${profile.dir} (written when the server exits)`);
      return {
        data: {
          scenario: "gateway",
          machine: machineInfo(),
          config: { levels, rounds: ROUNDS, limiterStore: redisUrl ?? "memory", quick: options.quick, portkey: "@portkey-ai/gateway 1.15.2" },
          headline,
          results: results.map((r) => ({ ...r, p50Ms: round2(r.latency.p50), p99Ms: round2(r.latency.p99), meanMs: round2(r.latency.mean) })),
        },
        failures: results.reduce((s, r) => s + r.errors, 0),
      };
    } finally {
      await app.close();
    }
  } finally {
    portkey.stop();
    await sim.close();
  }
}

// ---- load loop (raw latencies, so rounds can be merged) ---------------------------------

async function loop(call: Call, requests: number, concurrency: number): Promise<{ latencies: number[]; errors: number; samples: string[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  let next = 0;
  const startedAt = performance.now();
  const worker = async () => {
    while (next < requests && !interrupted.aborted) {
      const index = next++;
      const sentAt = performance.now();
      let error: string | null;
      try {
        error = await call(index);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      if (error === null) latencies.push(performance.now() - sentAt);
      else {
        errors++;
        if (samples.length < 5) samples.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, samples, elapsedMs: performance.now() - startedAt };
}

// ---- targets ----------------------------------------------------------------------------

const FIXED = benchMessagesRequest();
const JSON_BODY = JSON.stringify({ ...FIXED, stream: false });
const SSE_BODY = JSON.stringify({ ...FIXED, stream: true });

function checkJson(status: number, body: string): string | null {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 160)}`;
  return body.includes('"type":"message"') ? null : "JSON body is not a message";
}

function simulatorTarget(simUrl: string, stream: boolean): Target {
  const init = { method: "POST", headers: { "content-type": "application/json", "x-api-key": "bench", "anthropic-version": "2023-06-01" }, body: stream ? SSE_BODY : JSON_BODY };
  return {
    name: stream ? "simulator-sse" : "simulator-json",
    prepare: () => async () => {
      const res = await fetch(`${simUrl}/v1/messages`, init);
      const body = await res.text();
      return stream ? checkSse(res.status, body) : checkJson(res.status, body);
    },
  };
}

function portkeyTarget(portkeyUrl: string, simUrl: string): Target {
  const init = {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-api-key": "bench", "anthropic-version": "2023-06-01",
      "x-portkey-provider": "anthropic", "x-portkey-custom-host": `${simUrl}/v1`,
    },
    body: JSON_BODY,
  };
  return {
    name: "portkey-json",
    prepare: () => async () => {
      const res = await fetch(`${portkeyUrl}/v1/messages`, init);
      return checkJson(res.status, await res.text());
    },
  };
}

/** The tenant API as a tenant's product calls it: its own user message, the workspace's prompt added by Bulkhead. */
function apiTarget(baseUrl: string, apiKey: string, stream: boolean): Target {
  const user = (FIXED.messages as { content: string }[])[0]!.content.replace(/<\/?user_message>\n?/g, "");
  return {
    name: stream ? "api-sse" : "api-json",
    prepare: () => async (index) => {
      const body = JSON.stringify({ model: FIXED.model, max_tokens: FIXED.max_tokens, stream, messages: [{ role: "user", content: `${user} (${index})` }] });
      const res = await fetch(`${baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": apiKey }, body });
      const text = await res.text();
      return stream ? checkSse(res.status, text) : checkJson(res.status, text);
    },
  };
}

function proxyTarget(baseUrl: string): Target {
  return {
    name: "proxy",
    prepare: () => async () => {
      const res = await fetch(`${baseUrl}/api/bench/proxy`, { method: "POST" });
      return checkSse(res.status, await res.text());
    },
  };
}

function chatTarget(baseUrl: string, slug: string, cookie: string): Target {
  const url = `${baseUrl}/api/w/${encodeURIComponent(slug)}/chat`;
  return {
    name: "chat",
    prepare: () => async (index) => {
      // A new conversation each time: the same prompt size as the other targets.
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ message: `Question ${index}: how should I cache the configuration for a small team?` }) });
      return checkChatNdjson(res.status, await res.text()).error;
    },
  };
}

// ---- Portkey ----------------------------------------------------------------------------

async function startPortkey(verbose: boolean): Promise<{ url: string; pid: number | undefined; stop(): void }> {
  const port = await freePort();
  const entry = path.join(ROOT, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
  const child: ChildProcess = spawn(process.execPath, [entry, `--port=${port}`, "--headless"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    if (verbose) process.stderr.write(chunk);
    tail.push(chunk.toString("utf8"));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey exited: ${tail.join("")}`);
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Portkey did not start: ${tail.join("")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { url, pid: child.pid, stop: () => void child.kill("SIGTERM") };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---- report -----------------------------------------------------------------------------

interface LevelResult {
  target: TargetName;
  concurrency: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
  rps: number;
  /** CPU ms per request of the serving process (app server or Portkey); null for the simulator. */
  cpuPerRequestMs: number | null;
}

/** The reservation's time inside PostgreSQL over the sequential level (every door that reserves: API and chat). */
interface ReservationCost {
  calls: number;
  meanMs: number;
}

function reservationCost(before: { calls: number; totalMs: number } | null, after: { calls: number; totalMs: number } | null): ReservationCost | null {
  if (!after) return null;
  const calls = after.calls - (before?.calls ?? 0);
  return calls > 0 ? { calls, meanMs: round2((after.totalMs - (before?.totalMs ?? 0)) / calls) } : null;
}

interface Headline {
  apiJsonAddedP50Ms: number;
  portkeyAddedP50Ms: number;
  apiJsonAddedP99Ms: number;
  portkeyAddedP99Ms: number;
  apiSseAddedP50Ms: number;
  apiRpsAt50: number;
  portkeyRpsAt50: number;
  chatAddedP50Ms: number;
  proxyAddedP50Ms: number;
  sequentialReservation: ReservationCost | null;
  targets: { p50: boolean; p99: boolean; rps: boolean; chat: boolean };
}

function computeHeadline(results: LevelResult[], sequentialReservation: ReservationCost | null): Headline {
  const at = (t: TargetName, c: number) => results.find((r) => r.target === t && r.concurrency === c);
  const p = (t: TargetName, q: "p50" | "p99") => at(t, 1)?.latency[q] ?? Number.NaN;
  const apiP50 = round2(p("api-json", "p50") - p("simulator-json", "p50"));
  const pkP50 = round2(p("portkey-json", "p50") - p("simulator-json", "p50"));
  const apiP99 = round2(p("api-json", "p99") - p("simulator-json", "p99"));
  const pkP99 = round2(p("portkey-json", "p99") - p("simulator-json", "p99"));
  const chat = round2(p("chat", "p50") - p("simulator-sse", "p50"));
  const proxy = round2(p("proxy", "p50") - p("simulator-sse", "p50"));
  const apiRps = at("api-json", 50)?.rps ?? 0;
  const pkRps = at("portkey-json", 50)?.rps ?? 0;
  return {
    apiJsonAddedP50Ms: apiP50,
    portkeyAddedP50Ms: pkP50,
    apiJsonAddedP99Ms: apiP99,
    portkeyAddedP99Ms: pkP99,
    apiSseAddedP50Ms: round2(p("api-sse", "p50") - p("simulator-sse", "p50")),
    apiRpsAt50: apiRps,
    portkeyRpsAt50: pkRps,
    chatAddedP50Ms: chat,
    proxyAddedP50Ms: proxy,
    sequentialReservation,
    targets: { p50: apiP50 <= pkP50, p99: apiP99 <= 2 * pkP99, rps: apiRps >= pkRps, chat: chat <= 2 * proxy },
  };
}

function printReport(results: LevelResult[], h: Headline): void {
  const rows = results.map((r) => [r.target, String(r.concurrency), String(r.requests), ms(r.latency.p50), ms(r.latency.p99), ms(r.latency.mean), r.rps.toFixed(1), r.cpuPerRequestMs === null ? "–" : r.cpuPerRequestMs.toFixed(2), String(r.errors)]);
  console.log("\ngateway (ms, send → end of body; interleaved rounds; srv CPU/req = the serving process's CPU ms per request)\n");
  console.log(formatTable(["target", "conc", "n", "P50", "P99", "mean", "req/s", "srv CPU/req", "errors"], rows));
  const mark = (ok: boolean) => (ok ? "met" : "NOT MET");
  console.log(`\nadded P50 (sequential, JSON): tenant API ${ms(h.apiJsonAddedP50Ms)} ms vs Portkey ${ms(h.portkeyAddedP50Ms)} ms — target ≤ Portkey: ${mark(h.targets.p50)}`);
  console.log(`added P99 (sequential, JSON): tenant API ${ms(h.apiJsonAddedP99Ms)} ms vs Portkey ${ms(h.portkeyAddedP99Ms)} ms — target ≤ 2× Portkey: ${mark(h.targets.p99)}`);
  console.log(`req/s at 50 concurrent (JSON): tenant API ${Math.round(h.apiRpsAt50)} vs Portkey ${Math.round(h.portkeyRpsAt50)} — target ≥ Portkey: ${mark(h.targets.rps)}`);
  const r = h.sequentialReservation;
  console.log(
    r
      ? `  of which the ledger reservation inside PostgreSQL (track_functions, mean of ${r.calls} sequential calls): ${ms(r.meanMs)} ms, written before the call leaves; Portkey writes nothing`
      : "  the ledger reservation's time inside PostgreSQL: not measured (track_functions could not be set on the bench database)",
  );
  console.log(`added P50 (sequential, SSE): tenant API ${ms(h.apiSseAddedP50Ms)} ms`);
  console.log(`chat path added ${ms(h.chatAddedP50Ms)} ms vs bare route ${ms(h.proxyAddedP50Ms)} ms — target ≤ 2×: ${mark(h.targets.chat)}`);
  for (const r of results.filter((r) => r.errors > 0)) console.log(`errors in ${r.target} c=${r.concurrency}: ${JSON.stringify(r.errorSamples)}`);
}
