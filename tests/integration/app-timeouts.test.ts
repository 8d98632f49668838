import pg from "pg";
import { describe, expect, inject, it } from "vitest";

/**
 * 0027_app_timeouts: the application's login gives up on a lock wait, a statement or an idle
 * transaction instead of holding its connection for ever; the owner (migrations, operators)
 * keeps the server's defaults.
 */
async function settingsOf(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout')",
    );
    return Object.fromEntries(rows.map((r) => [r.name, `${r.setting}${r.unit ?? ""}`]));
  } finally {
    await client.end();
  }
}

describe("time limits of the application's login", () => {
  it("apply to the app's connections and not to the owner's", async () => {
    expect(await settingsOf(inject("appUrl"))).toEqual({ lock_timeout: "10000ms", statement_timeout: "60000ms", idle_in_transaction_session_timeout: "60000ms" });
    expect(await settingsOf(inject("ownerUrl"))).toEqual({ lock_timeout: "0ms", statement_timeout: "0ms", idle_in_transaction_session_timeout: "0ms" });
  });
});
