import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readOrCreateSecretFile } from "@/lib/auth/secret";

describe("readOrCreateSecretFile", () => {
  it("creates a random secret once, readable by the owner only, and keeps returning it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bh-secret-"));
    const file = path.join(dir, "nested", "auth-secret");
    const warn = console.warn;
    console.warn = () => {};
    try {
      const first = readOrCreateSecretFile(file);
      expect(first.length).toBeGreaterThanOrEqual(43);
      expect(readOrCreateSecretFile(file)).toBe(first);
      expect(readFileSync(file, "utf8").trim()).toBe(first);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const other = readOrCreateSecretFile(path.join(dir, "other"));
      expect(other).not.toBe(first);
    } finally {
      console.warn = warn;
    }
  });

  it("keeps an operator-provided file as it is", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bh-secret-"));
    const file = path.join(dir, "auth-secret");
    writeFileSync(file, `${"s".repeat(40)}\n`);
    expect(readOrCreateSecretFile(file)).toBe("s".repeat(40));
  });
});
