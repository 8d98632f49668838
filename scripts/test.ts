import { spawnSync } from "node:child_process";

/**
 * `npm test`: unit and integration tests (vitest, real PostgreSQL and Redis on
 * 127.0.0.1), then end-to-end tests (Playwright in Debian's Chromium against a
 * production build started by the product's own start script).
 */
function run(label: string, cmd: string, args: string[]): number {
  console.log(`\n[bulkhead] ${label}: ${cmd} ${args.join(" ")}`);
  const res = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  return res.status ?? 1;
}

const only = process.argv[2];
const results: [string, number][] = [];
if (!only || only === "vitest") results.push(["unit + integration", run("unit + integration", "npx", ["vitest", "run"])]);
if (!only || only === "e2e") results.push(["end-to-end", run("end-to-end", "npx", ["playwright", "test"])]);

const failed = results.filter(([, code]) => code !== 0);
console.log(`\n[bulkhead] ${results.map(([name, code]) => `${name}: ${code === 0 ? "passed" : "FAILED"}`).join(", ")}`);
process.exit(failed.length ? 1 : 0);
