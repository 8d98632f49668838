import { readFileSync } from "node:fs";
import path from "node:path";
import { screenText } from "@/lib/security/screen";

/**
 * `npm run screen:eval [-- attacks.jsonl benign.jsonl] [--verbose]`: the detector on a
 * labelled corpus (JSON lines {"category", "text"}; default eval/screen/). Reports, per
 * category, how many attacks are flagged or blocked and how many benign messages are
 * flagged, against the targets of issue 12 (≥ 90 % of attacks, ≤ 2 % of benign).
 */
interface Labelled {
  category: string;
  text: string;
}

const TARGET_DETECTION = 0.9;
const TARGET_FALSE_POSITIVES = 0.02;

function read(file: string): Labelled[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const row = JSON.parse(line) as Partial<Labelled>;
      if (typeof row.text !== "string" || typeof row.category !== "string") throw new Error(`${file}:${i + 1}: expected {"category", "text"}`);
      return { category: row.category, text: row.text };
    });
}

const pct = (n: number, d: number) => (d === 0 ? "–" : `${((100 * n) / d).toFixed(1)} %`);

function report(title: string, rows: Labelled[], hit: (verdict: string) => boolean, verbose: boolean): { hits: number; total: number } {
  const byCategory = new Map<string, { total: number; hits: number; examples: string[] }>();
  for (const row of rows) {
    const result = screenText(row.text);
    const entry = byCategory.get(row.category) ?? { total: 0, hits: 0, examples: [] };
    entry.total++;
    if (hit(result.verdict)) entry.hits++;
    else if (title === "attacks") entry.examples.push(`missed (${result.score}): ${JSON.stringify(row.text.slice(0, 120))}`);
    if (title === "benign" && hit(result.verdict)) entry.examples.push(`flagged (${result.score} ${result.reasons.join(",")}): ${JSON.stringify(row.text.slice(0, 120))}`);
    byCategory.set(row.category, entry);
  }
  console.log(`\n${title} (${title === "attacks" ? "flagged or blocked" : "flagged or blocked = false positive"})`);
  let hits = 0;
  for (const [category, e] of [...byCategory.entries()].sort()) {
    hits += e.hits;
    console.log(`  ${category.padEnd(20)} ${String(e.hits).padStart(4)} / ${String(e.total).padEnd(4)} ${pct(e.hits, e.total)}`);
    if (verbose) for (const example of e.examples) console.log(`      ${example}`);
  }
  console.log(`  ${"all".padEnd(20)} ${String(hits).padStart(4)} / ${String(rows.length).padEnd(4)} ${pct(hits, rows.length)}`);
  return { hits, total: rows.length };
}

function main(): void {
  const args = process.argv.slice(2);
  const verbose = args.includes("--verbose");
  const files = args.filter((a) => !a.startsWith("--"));
  const dir = path.join(process.cwd(), "eval", "screen");
  const attacks = read(files[0] ?? path.join(dir, "attacks.jsonl"));
  const benign = read(files[1] ?? path.join(dir, "benign.jsonl"));
  const a = report("attacks", attacks, (v) => v !== "allow", verbose);
  const b = report("benign", benign, (v) => v !== "allow", verbose);
  const detection = a.hits / a.total;
  const falsePositives = b.hits / b.total;
  console.log(`\ndetection ${pct(a.hits, a.total)} (target ≥ ${TARGET_DETECTION * 100} %), false positives ${pct(b.hits, b.total)} (target ≤ ${TARGET_FALSE_POSITIVES * 100} %)`);
  process.exitCode = detection >= TARGET_DETECTION && falsePositives <= TARGET_FALSE_POSITIVES ? 0 : 1;
}

main();
