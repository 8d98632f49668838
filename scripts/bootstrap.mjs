#!/usr/bin/env node
// Plain Node, no dependencies: this runs on a fresh clone before node_modules exists.
// `npm start` and `npm test` both come through here so a bare machine sets itself up:
// dependencies, the Prisma client, a production build when sources changed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);

function run(cmd, args, extraEnv = {}) {
  const res = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extraEnv } });
  if (res.status !== 0) {
    console.error(`\n[bulkhead] "${cmd} ${args.join(" ")}" failed (exit ${res.status ?? res.signal}).`);
    process.exit(res.status ?? 1);
  }
}

function hashOf(paths) {
  const h = createHash("sha256");
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name === "node_modules" || name === "generated" || name.startsWith(".")) continue;
        walk(path.join(p, name));
      }
    } else {
      h.update(p);
      h.update(readFileSync(p));
    }
  };
  paths.forEach(walk);
  return h.digest("hex");
}

function stamp(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, value);
}

function ensureDependencies() {
  const lockHash = hashOf(["package-lock.json"]);
  const marker = "node_modules/.bulkhead-lock-hash";
  if (existsSync(marker) && readFileSync(marker, "utf8") === lockHash) return;
  console.log("[bulkhead] installing dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  stamp(marker, lockHash);
}

function ensurePrismaClient() {
  const schemaHash = hashOf(["prisma/schema.prisma"]);
  const marker = "lib/db/generated/.schema-hash";
  if (existsSync(marker) && readFileSync(marker, "utf8") === schemaHash) return;
  console.log("[bulkhead] generating the Prisma client…");
  // `prisma generate` only checks that a schema engine file exists; it never runs it
  // (the engine cannot be downloaded here). See FACTS.md.
  run("npx", ["prisma", "generate"], { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" });
  stamp(marker, schemaHash);
}

function ensureBuild() {
  const sourceHash = hashOf(["app", "components", "lib", "types", "prisma/schema.prisma", "package-lock.json", "next.config.js", "postcss.config.mjs", "tsconfig.json"]);
  const marker = ".next/.bulkhead-source-hash";
  if (existsSync(marker) && readFileSync(marker, "utf8") === sourceHash && existsSync(".next/BUILD_ID")) return;
  console.log("[bulkhead] building the app (next build)…");
  run("npx", ["next", "build"]);
  stamp(marker, sourceHash);
}

function ensureChromium() {
  if (existsSync("/usr/bin/chromium")) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error("[bulkhead] The end-to-end tests need Debian's Chromium at /usr/bin/chromium.\n  Install it with: sudo apt-get update && sudo apt-get install -y chromium");
    process.exit(1);
  }
  console.log("[bulkhead] installing Chromium from Debian's packages…");
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "chromium"], { DEBIAN_FRONTEND: "noninteractive" });
}

const command = process.argv[2];
ensureDependencies();
ensurePrismaClient();

switch (command) {
  case "setup":
    break;
  case "build":
    ensureBuild();
    break;
  case "start":
    ensureBuild();
    // `npm start -- --demo` reaches the start script (lib/startup/plan.ts decides).
    run("npx", ["tsx", "scripts/start.ts", ...process.argv.slice(3)]);
    break;
  case "test":
    ensureChromium();
    ensureBuild();
    run("npx", ["tsx", "scripts/test.ts", ...process.argv.slice(3)]);
    break;
  default:
    console.error("usage: node scripts/bootstrap.mjs setup|build|start|test");
    process.exit(2);
}
