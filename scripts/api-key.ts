import { parseArgs } from "node:util";
import { z } from "zod";
import { AppError, fromZodError } from "@/lib/api/errors";
import { createApiKeyForWorkspace } from "@/lib/api-keys/operator";
import { withDatabase } from "./with-database";

/**
 * `npm run api-key -- create --workspace <slug> --name <name> [--scopes messages,usage:read]
 * [--expires-in-days N]`: creates a tenant API key and prints it once (only its hash is
 * stored). Scopes default to `messages`. Migrates first, like staff:create.
 */
const USAGE = "usage: npm run api-key -- create --workspace <slug> --name <name> [--scopes messages,usage:read] [--expires-in-days N]";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { workspace: { type: "string" }, name: { type: "string" }, scopes: { type: "string" }, "expires-in-days": { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals[0] !== "create" || positionals.length !== 1 || !values.workspace || !values.name) throw new Error(USAGE);
  const workspace = values.workspace;
  const input = {
    name: values.name,
    scopes: (values.scopes ?? "messages").split(",").map((s) => s.trim()).filter((s) => s !== ""),
    expiresInDays: values["expires-in-days"],
  };
  const created = await withDatabase(() => createApiKeyForWorkspace(workspace, input));
  console.log(
    [
      "",
      `  API key "${created.name}" created for ${created.workspace.name} (${created.workspace.slug}).`,
      `  Scopes: ${created.scopes.join(", ")}${created.expiresAt ? ` · expires ${created.expiresAt.toISOString()}` : " · does not expire"}`,
      "",
      `  ${created.key}`,
      "",
      "  It is shown only now and stored only as a hash. Revoke it in the admin console (API keys).",
      "",
    ].join("\n"),
  );
}

main().catch((thrown: unknown) => {
  const error = thrown instanceof z.ZodError ? fromZodError(thrown) : thrown;
  let message = error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
  if (error instanceof AppError && error.fields) message += ` (${Object.entries(error.fields).map(([f, m]) => `${f}: ${m.join(" ")}`).join("; ")})`;
  console.error(`[bulkhead] api-key failed: ${message}`);
  process.exit(1);
});
