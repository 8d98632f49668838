import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

let cached: string | undefined;

/**
 * The key that signs and encrypts session JWTs. NEXTAUTH_SECRET when configured; else a
 * random secret created once under the data directory, so sessions survive restarts of
 * one machine. Several instances behind a load balancer must share NEXTAUTH_SECRET.
 */
export function getAuthSecret(): string {
  if (cached) return cached;
  if (env.NEXTAUTH_SECRET) return (cached = env.NEXTAUTH_SECRET);
  cached = readOrCreateSecretFile(path.join(env.BULKHEAD_DATA_DIR ?? ".data", "auth-secret"));
  return cached;
}

export function readOrCreateSecretFile(file: string): string {
  try {
    const existing = readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    // "wx": when two processes race, the loser keeps the winner's secret.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    console.warn(`[bulkhead] NEXTAUTH_SECRET is unset: created a local session secret in ${file}.`);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readFileSync(file, "utf8").trim();
  }
}
