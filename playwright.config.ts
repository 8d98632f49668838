import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";

const PORT = 3210;
// A fresh embedded data directory per run: the e2e suite exercises the same bare-machine
// path as `npm start` (embedded PostgreSQL, in-memory limiter, simulator).
const dataDir = path.join(os.tmpdir(), `bulkhead-e2e-${process.pid}-${Date.now()}`);

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "off",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "npx tsx scripts/start.ts",
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    // chat.spec.ts drives faults with [[sim:…]] markers, which the app honours only when asked.
    env: { PORT: String(PORT), BULKHEAD_DATA_DIR: dataDir, NEXTAUTH_URL: `http://localhost:${PORT}`, SIMULATOR_FAULTS: "1" },
  },
});
