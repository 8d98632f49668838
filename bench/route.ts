import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import path from "node:path";
import { routeRequest, TIER_ORDER } from "@/lib/routing/route";
import type { Scenario } from "./lib/scenario";
import { round2, summarize, type LatencySummary } from "./lib/stats";
import { formatTable, ms } from "./lib/table";

/**
 * The router's cost per request (issue 14 item 6: < 0.2 ms P99, no upstream call). Runs
 * in-process: the route step is a pure function in compose, so its cost is what it adds to
 * a turn. Requests are the evaluation set's texts, plus pastes of 20 KB and 200 KB (the
 * window keeps those flat), each routed many times after a warm-up.
 */
const TARGET_P99_MS = 0.2;
const policy = { mode: "auto", tier: "premium", allowedTiers: TIER_ORDER } as const;

function texts(): { name: string; items: string[] }[] {
  const file = path.resolve(import.meta.dirname, "../eval/routing/prompts.jsonl");
  const set = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
  const para = "The quarterly review covered fulfilment, returns, shipping costs and the platform migration. ";
  return [
    { name: "eval set", items: set },
    { name: "paste 20 KB", items: [`Summarise this:\n\n${para.repeat(Math.ceil(20_000 / para.length))}`] },
    { name: "paste 200 KB", items: [`Summarise this:\n\n${para.repeat(Math.ceil(200_000 / para.length))}`] },
  ];
}

function measure(items: readonly string[], rounds: number): LatencySummary {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const text of items) {
      const t0 = performance.now();
      routeRequest({ text, historyMessages: 6 }, policy);
      samples.push(performance.now() - t0);
    }
  }
  return summarize(samples);
}

export const route: Scenario = {
  name: "route",
  description: "router cost per request (in-process, no upstream call): eval-set texts and large pastes",
  async run(options) {
    const rows: { set: string; latency: LatencySummary }[] = [];
    for (const { name, items } of texts()) {
      const rounds = Math.max(1, Math.ceil((options.quick ? 2_000 : 20_000) / items.length));
      measure(items, Math.max(1, Math.ceil(rounds / 10))); // warm-up: JIT, regex compilation
      rows.push({ set: name, latency: measure(items, rounds) });
    }
    console.log(
      "\n" +
        formatTable(
          ["requests", "n", "P50 ms", "P99 ms", "max ms", `P99 < ${TARGET_P99_MS} ms`],
          rows.map((r) => [r.set, String(r.latency.count), ms3(r.latency.p50), ms3(r.latency.p99), ms(r.latency.max), r.latency.p99 < TARGET_P99_MS ? "yes" : "NO"]),
        ),
    );
    const failures = rows.filter((r) => r.latency.p99 >= TARGET_P99_MS).length;
    return {
      data: { targetP99Ms: TARGET_P99_MS, sets: rows.map((r) => ({ set: r.set, ...r.latency, p50: round3(r.latency.p50), p99: round3(r.latency.p99), mean: round3(r.latency.mean), max: round2(r.latency.max) })) },
      failures,
    };
  },
};

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const ms3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
