import { defineConfig } from "prisma/config";

// Used by `prisma generate` (and by `prisma migrate deploy/status` where Prisma's native engine
// exists). The server applies prisma/migrations itself: see api/src/migrate.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/hydra_csat" },
});
