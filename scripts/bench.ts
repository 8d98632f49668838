import { loadavg } from "node:os";
import { interrupt, interrupted, runCleanups } from "@/bench/lib/cleanup";
import { writeResults } from "@/bench/lib/results";
import type { ScenarioOptions } from "@/bench/lib/scenario";
import { SCENARIOS } from "@/bench/scenarios";

/**
 * `npm run bench [-- scenario... ] [--quick] [--profile] [--verbose]`: runs the named
 * scenarios (default: all) one after another and writes each one's results to
 * bench/results/. See bench/README.md.
 */
const USAGE = `usage: tsx scripts/bench.ts [scenario...] [--quick] [--profile] [--verbose]

  --quick     smaller request counts (a smoke run, not numbers to compare)
  --profile   run the app server with --cpu-prof and print where the profile went
  --verbose   echo the app server's output

scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(12)}${s.description}`).join("\n")}`;

function parseArgs(argv: string[]): { names: string[]; options: ScenarioOptions } {
  const flags = new Set(argv.filter((a) => a.startsWith("-")));
  const known = new Set(["--quick", "--profile", "--verbose", "--help", "-h"]);
  const unknown = [...flags].filter((f) => !known.has(f));
  if (flags.has("--help") || flags.has("-h") || unknown.length > 0) {
    if (unknown.length > 0) console.error(`unknown option: ${unknown.join(", ")}\n`);
    console.error(USAGE);
    process.exit(unknown.length > 0 ? 2 : 0);
  }
  const names = argv.filter((a) => !a.startsWith("-"));
  const missing = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (missing.length > 0) {
    console.error(`unknown scenario: ${missing.join(", ")}\n\n${USAGE}`);
    process.exit(2);
  }
  return { names, options: { quick: flags.has("--quick"), profile: flags.has("--profile"), verbose: flags.has("--verbose") } };
}

async function main(): Promise<void> {
  const { names, options } = parseArgs(process.argv.slice(2));
  const selected = names.length > 0 ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  let failures = 0;
  for (const scenario of selected) {
    const startedAt = new Date();
    console.error(`[bench] ${scenario.name}: ${scenario.description}${options.quick ? " (quick)" : ""}`);
    const result = await scenario.run(options);
    failures += result.failures;
    const files = await writeResults(scenario.name, startedAt, {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      // Other work on the machine during the run skews every number: compare with machine.loadAverage1m.
      loadAverage1mAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      ...result.data,
    });
    console.log(`\nresults: ${files.join(", ")}`);
  }
  if (failures > 0) {
    console.error(`[bench] ${failures} request(s) failed their checks (see the errors column)`);
    process.exitCode = 1;
  }
}

// Interrupted: stop the app server and drop the throwaway database before leaving. Later
// signals are ignored while that runs (tsx relays the terminal's Ctrl-C a second time).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted.aborted) return;
    console.error(`\n[bench] ${signal}: cleaning up…`);
    interrupt();
    void runCleanups().finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  if (interrupted.aborted) return; // the signal handler cleans up and exits
  console.error("[bench] failed:", error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
