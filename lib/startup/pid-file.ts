import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * PGlite's data directory is single-writer: a second process opening it while `npm start`
 * runs would corrupt it. The start script records its pid here so other commands
 * (staff:create) can refuse instead.
 */
const FILE = "server.pid";

export async function writePidFile(dataDir: string, pid = process.pid): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(dataDir, FILE), `${pid}\n`, { mode: 0o600 });
}

/** The pid of a live `npm start` using this data directory, or null (none, or a stale file). */
export async function runningServerPid(dataDir: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, FILE), "utf8");
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but someone else's process, still a server holding the directory.
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : null;
  }
}
