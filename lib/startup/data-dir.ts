import { chmod, mkdir, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * The embedded data directory holds the database files, the session secret and the
 * outbox: readable by this user only. The umask makes everything this process (and the
 * `next start` it spawns) creates from now on 0700 / 0600; the walk fixes what an earlier
 * version left world-readable.
 */
export async function lockDownDataDir(dir: string): Promise<void> {
  process.umask(0o077);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    await chmod(current, 0o700);
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) await chmod(full, 0o600);
      // Sockets and symlinks are left alone: chmod would follow a link out of the directory.
    }
  }
}
