import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import path from "node:path";
import { ROOT } from "./app-server";

export const RESULTS_DIR = path.join(ROOT, "bench", "results");

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  arch: string;
  /** 1-minute load average when the scenario started: a busy machine skews everything. */
  loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Writes <name>-<timestamp>.json and <name>-latest.json; returns both paths. */
export async function writeResults(name: string, startedAt: Date, data: unknown): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const json = `${JSON.stringify(data, null, 2)}\n`;
  const files = [path.join(RESULTS_DIR, `${name}-${stamp}.json`), path.join(RESULTS_DIR, `${name}-latest.json`)];
  await Promise.all(files.map((file) => writeFile(file, json)));
  return files.map((file) => path.relative(process.cwd(), file));
}
