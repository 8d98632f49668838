import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// STYLE.md: configuration comes through lib/env.ts only. The one exemption is
// instrumentation.ts, whose `process.env.NEXT_RUNTIME` the bundler must see literally to
// keep Node-only code out of the Edge bundle. (scripts/ and bench/ forward the whole
// environment to child processes; they are not app code and are not scanned.)
const ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED = ["app", "lib", "components"];
const SKIPPED = new Set(["lib/db/generated"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(rel) ? [] : sourceFiles(rel);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [rel] : [];
  });
}

const rootFiles = readdirSync(ROOT).filter((name) => /\.(ts|js|mjs)$/.test(name));
const files = [...rootFiles, ...SCANNED.flatMap(sourceFiles)];

describe("process.env readers", () => {
  it("scans the app's source (a wrong root would find nothing)", () => {
    expect(files).toContain("lib/env.ts");
    expect(files).toContain("instrumentation.ts");
    expect(files.length).toBeGreaterThan(100);
  });

  it("are lib/env.ts and instrumentation.ts only", () => {
    const readers = files.filter((f) => /process\.env\b/.test(readFileSync(path.join(ROOT, f), "utf8"))).sort();
    expect(readers).toEqual(["instrumentation.ts", "lib/env.ts"]);
  });

  it("instrumentation.ts reads only NEXT_RUNTIME, compared literally", () => {
    const code = readFileSync(path.join(ROOT, "instrumentation.ts"), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    expect(code.match(/process\.env(\.\w+|\[[^\]]*\])?/g)).toEqual(["process.env.NEXT_RUNTIME"]);
    expect(code).toContain('process.env.NEXT_RUNTIME === "nodejs"');
  });
});
