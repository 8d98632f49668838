import { defineConfig } from "prisma/config";

// Only `prisma generate` is used (the migration engine cannot be downloaded here):
// migrations are applied by scripts/migrate.ts. No datasource URL is needed to generate.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
