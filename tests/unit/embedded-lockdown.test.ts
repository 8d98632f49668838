import { mkdtemp, mkdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_FIRST_LINE, startSimulator, type RunningSimulator } from "@/lib/llm/simulator";
import { lockDownDataDir } from "@/lib/startup/data-dir";

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("lockDownDataDir", () => {
  it("makes the data directory 0700 and its files 0600, including ones left world-readable", async () => {
    const previous = process.umask();
    const root = await mkdtemp(path.join(os.tmpdir(), "bh-data-"));
    try {
      process.umask(0);
      const dir = path.join(root, ".data");
      await mkdir(path.join(dir, "pg", "base"), { recursive: true, mode: 0o777 });
      await writeFile(path.join(dir, "auth-secret"), "s", { mode: 0o666 });
      await writeFile(path.join(dir, "pg", "base", "1"), "x", { mode: 0o666 });
      await lockDownDataDir(dir);
      expect(await mode(dir)).toBe(0o700);
      expect(await mode(path.join(dir, "pg", "base"))).toBe(0o700);
      expect(await mode(path.join(dir, "auth-secret"))).toBe(0o600);
      expect(await mode(path.join(dir, "pg", "base", "1"))).toBe(0o600);
      // Files created afterwards by this process are private too (the umask).
      await writeFile(path.join(dir, "later"), "y");
      expect(await mode(path.join(dir, "later"))).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });
});

describe("the simulator locked down as in the app", () => {
  let locked: RunningSimulator;
  let open: RunningSimulator;
  beforeAll(async () => {
    locked = await startSimulator({ port: 0, recordReceived: false, honourMarkers: false });
    open = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await Promise.all([locked.close(), open.close()]);
  });

  const send = (sim: RunningSimulator, text: string) =>
    fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 64, system: "SECRET persona", messages: [{ role: "user", content: text }] }),
    });

  it("ignores [[sim:…]] markers: no injected error, no echo of the system prompt", async () => {
    expect((await send(locked, "hi [[sim:500]]")).status).toBe(200);
    const reply = (await (await send(locked, "hi [[sim:echo]]")).json()) as { content: { text: string }[] };
    expect(reply.content[0]?.text.startsWith(ECHO_FIRST_LINE)).toBe(false);
    expect(JSON.stringify(reply)).not.toContain("SECRET persona");
  });

  it("keeps no received log to serve at /_sim/received", async () => {
    await send(locked, "a prompt");
    expect(locked.received.size).toBe(0);
    expect(await (await fetch(`${locked.url}/_sim/received`)).json()).toEqual([]);
  });

  it("still honours markers and keeps the log by default, for tests and benches (the control)", async () => {
    expect((await send(open, "hi [[sim:500]]")).status).toBe(500);
    expect(open.received.size).toBeGreaterThan(0);
  });
});
