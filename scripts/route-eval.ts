/**
 * `npm run route:eval [-- file.jsonl] [--mix 70/25/5] [--misses]`: the router against a
 * labelled set (default eval/routing/prompts.jsonl; see eval/routing/README.md). Prints the
 * confusion matrix, the share of standard- and premium-labelled prompts routed below their
 * label, and the routed cost against the oracle and against always-premium for a traffic mix,
 * priced at the price book's seeded list rates (prisma/migrations/0002_pricing).
 *
 * Each line: {"text": "...", "tier": "economy"|"standard"|"premium"} (or "label"), with
 * optional "id", "rule", "outputTokens", "historyMessages". Exits 1 when a target is missed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ModelTier } from "@/lib/db/generated/enums";
import { TIER_MODELS } from "@/lib/llm/models";
import { CEILING_RATES, type PriceRates } from "@/lib/llm/pricing";
import { DEFAULT_MIX, evaluate, type LabelledPrompt, type TrafficMix } from "@/lib/routing/evaluate";
import { routeRequest, TIER_ORDER } from "@/lib/routing/route";

const UNDER_ROUTED_TARGET = 0.05;
const OVER_ORACLE_TARGET = 0.15;
const root = path.resolve(import.meta.dirname, "..");

function seededRates(): Record<ModelTier, PriceRates> {
  const sql = readFileSync(path.join(root, "prisma/migrations/0002_pricing/migration.sql"), "utf8");
  const rows = new Map<string, PriceRates>();
  for (const m of sql.matchAll(/\('([\w.-]+)',\s*'[^']+',\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\)/g)) {
    rows.set(m[1]!, {
      inputMicrosPerMTok: BigInt(m[2]!),
      outputMicrosPerMTok: BigInt(m[3]!),
      cacheWrite5mMicrosPerMTok: BigInt(m[4]!),
      cacheWrite1hMicrosPerMTok: BigInt(m[5]!),
      cacheReadMicrosPerMTok: BigInt(m[6]!),
    });
  }
  const rate = (tier: ModelTier) => rows.get(TIER_MODELS[tier].id) ?? CEILING_RATES;
  return { economy: rate("economy"), standard: rate("standard"), premium: rate("premium") };
}

function parseMix(value: string): TrafficMix {
  const parts = value.split("/").map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0)) throw new Error(`--mix wants e.g. 70/25/5, got ${value}`);
  const total = parts[0]! + parts[1]! + parts[2]!;
  return { economy: parts[0]! / total, standard: parts[1]! / total, premium: parts[2]! / total };
}

function isTier(value: unknown): value is ModelTier {
  return typeof value === "string" && (TIER_ORDER as readonly string[]).includes(value);
}

function readSet(file: string): LabelledPrompt[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      const row = JSON.parse(line) as Record<string, unknown>;
      const tier = row.tier ?? row.label;
      if (typeof row.text !== "string" || !isTier(tier)) throw new Error(`${file}:${i + 1}: needs "text" and "tier"`);
      return {
        id: typeof row.id === "string" ? row.id : `line${i + 1}`,
        text: row.text,
        tier,
        rule: typeof row.rule === "string" ? row.rule : undefined,
        outputTokens: typeof row.outputTokens === "number" ? row.outputTokens : undefined,
        historyMessages: typeof row.historyMessages === "number" ? row.historyMessages : undefined,
      };
    });
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const usd = (micros: number) => `$${(micros / 1e6).toFixed(5)}`;

const args = process.argv.slice(2);
const mixAt = args.indexOf("--mix");
const mix = mixAt >= 0 ? parseMix(args[mixAt + 1] ?? "") : DEFAULT_MIX;
const file = args.find((a, i) => !a.startsWith("--") && (mixAt < 0 || i !== mixAt + 1)) ?? path.join(root, "eval/routing/prompts.jsonl");
const prompts = readSet(file);
const policy = { mode: "auto", tier: "premium", allowedTiers: TIER_ORDER } as const;
const results = prompts.map((prompt) => ({ prompt, decision: routeRequest({ text: prompt.text, historyMessages: prompt.historyMessages }, policy) }));
const e = evaluate(results, seededRates(), mix);

console.log(`${path.relative(process.cwd(), file)}: ${e.count} prompts\n`);
console.log("label \\ routed   economy  standard   premium");
for (const label of TIER_ORDER) {
  const row = e.matrix[label];
  console.log(`${label.padEnd(15)}${String(row.economy).padStart(9)}${String(row.standard).padStart(10)}${String(row.premium).padStart(10)}`);
}
const mixLabel = `${Math.round(mix.economy * 100)}/${Math.round(mix.standard * 100)}/${Math.round(mix.premium * 100)}`;
console.log(`
exact tier                        ${pct(e.accuracy)}
economy routed higher             ${pct(e.overRoutedEconomyShare)}
standard/premium routed lower     ${pct(e.underRoutedShare)} (${e.underRouted} of ${e.aboveEconomy}; target ≤ ${pct(UNDER_ROUTED_TARGET)})

cost per request, traffic mix ${mixLabel} (economy/standard/premium by request count), seeded list prices:
  routed                          ${usd(e.routedCost)}
  oracle (each on its label)      ${usd(e.oracleCost)}   routed is ${e.costOverOracle >= 0 ? "+" : ""}${pct(e.costOverOracle)} (target ≤ +${pct(OVER_ORACLE_TARGET)})
  always premium (the cap)        ${usd(e.premiumCost)}   routing saves ${pct(e.savingVsPremium)}`);

if (args.includes("--misses")) {
  console.log("\nmisses (label → routed, score, reason):");
  for (const m of e.misses) {
    console.log(`  ${m.prompt.id} ${m.prompt.tier} → ${m.decision.tier} ${m.decision.score} ${m.decision.rules.join(",") || "-"}  ${m.prompt.text.slice(0, 90).replace(/\s+/g, " ")}`);
  }
}
if (e.underRoutedShare > UNDER_ROUTED_TARGET || e.costOverOracle > OVER_ORACLE_TARGET) process.exitCode = 1;
