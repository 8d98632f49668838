import { parseArgs } from "node:util";
import { AppError } from "@/lib/api/errors";
import { createStaffUser } from "@/lib/staff/create-staff-user";
import { withDatabase } from "./with-database";

/**
 * `npm run staff:create -- --email you@example.com [--name "Your Name"]`: creates a platform
 * staff user with a generated password printed once. Migrates first, so it works on a
 * fresh DATABASE_URL before the first `npm start`. On the embedded database it refuses
 * while `npm start` holds it (PGlite has one writer).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" } }, strict: true });
  if (!values.email) throw new Error("usage: npm run staff:create -- --email you@example.com [--name \"Your Name\"]");
  const created = await withDatabase(() => createStaffUser({ email: values.email, name: values.name }));
  console.log(
    [
      "",
      `  Staff user ${created.email} created.`,
      `  One-time password: ${created.password}`,
      "",
      "  It is shown only now and stored only as a hash. Sign in, then change it at /account.",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  const message = error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
  console.error(`[bulkhead] staff:create failed: ${message}`);
  process.exit(1);
});
