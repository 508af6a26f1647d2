import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../src/app.js";
import type { SqlSession } from "../src/db/client.js";
import { applyMigrations, readMigrations } from "../src/db/migrate.js";
import { check as held, saveChecks } from "./hardening/checks.js";
import { createTestDatabase } from "../testkit/server.js";

afterAll(() => saveChecks("migrations"));

/** The repository's migration files, read here and not through the code under test: name and checksum each. */
function migrationFiles(): { name: string; checksum: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => existsSync(join(MIGRATIONS_DIR, name, "migration.sql")))
    .sort()
    .map((name) => ({ name, checksum: createHash("sha256").update(readFileSync(join(MIGRATIONS_DIR, name, "migration.sql"))).digest("hex") }));
}

/** Every table column, index, constraint and enum of the public schema, one line each. */
const CATALOG = `
  SELECT 'column' AS kind, table_name || '.' || column_name AS name,
         concat_ws('|', data_type, udt_name, is_nullable, column_default, character_maximum_length, datetime_precision) AS def
  FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
  UNION ALL
  SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
  UNION ALL
  SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'
  UNION ALL
  SELECT 'enum', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
  ORDER BY 1, 2`;

function pgliteSession(db: PGlite): SqlSession {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    exec: async (script: string) => void (await db.exec(script)),
    release: async () => {},
  };
}

function pgSession(client: pg.Client): SqlSession {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params as unknown[])).rows as T[],
    exec: async (script: string) => void (await client.query(script)),
    release: () => client.end(),
  };
}

describe("migrations", () => {
  it("match prisma/schema.prisma exactly (drift fails this test)", async () => {
    // What Prisma would create from schema.prisma today…
    const expectedSql = execFileSync(process.execPath, ["tools/prisma-diff/schema-sql.mjs", "--empty", "prisma/schema.prisma"], {
      encoding: "utf8",
    });
    const fromSchema = new PGlite();
    await fromSchema.exec(expectedSql);
    // …and what our migrations create.
    const fromMigrations = new PGlite();
    await applyMigrations(pgliteSession(fromMigrations), MIGRATIONS_DIR);
    const expected = (await fromSchema.query(CATALOG)).rows;
    const actual = (await fromMigrations.query(CATALOG)).rows;
    expect(expected.length).toBeGreaterThan(50);
    expect(actual).toEqual(expected);
    await fromSchema.close();
    await fromMigrations.close();
  }, 120_000);

  it("are recorded as Prisma records them and applied once, even by two processes at once", async () => {
    const database = await createTestDatabase();
    try {
      const clients = [new pg.Client(database.url), new pg.Client(database.url)];
      await Promise.all(clients.map((c) => c.connect()));
      const results = await Promise.all(clients.map((c) => applyMigrations(pgSession(c), MIGRATIONS_DIR)));
      const migrations = readMigrations(MIGRATIONS_DIR);
      // One runner applied everything; the other, waiting on the advisory lock, found nothing to do.
      expect(results.map((r) => r.length).sort()).toEqual([0, migrations.length]);
      const check = new pg.Client(database.url);
      await check.connect();
      const rows = (
        await check.query(
          `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count, rolled_back_at
           FROM _prisma_migrations ORDER BY migration_name`,
        )
      ).rows;
      expect(rows).toEqual(
        migrations.map((m) => ({
          migration_name: m.name,
          checksum: m.checksum,
          finished: true,
          applied_steps_count: 1,
          rolled_back_at: null,
        })),
      );
      // Every file of prisma/migrations is recorded, once, with its own checksum; and one runner applied each.
      const files = migrationFiles();
      expect(files.length).toBeGreaterThanOrEqual(3);
      const recorded = rows.map((r) => ({ name: r.migration_name as string, checksum: r.checksum as string }));
      expect(held("11.19", JSON.stringify(recorded) === JSON.stringify(files)), JSON.stringify(recorded)).toBe(true);
      const appliedNames = results.flat().sort();
      expect(held("11.19", JSON.stringify(appliedNames) === JSON.stringify(files.map((f) => f.name)))).toBe(true);
      // Starting again applies nothing.
      expect(await applyMigrations(pgSession(check), MIGRATIONS_DIR)).toEqual([]);
      await Promise.all([...clients, check].map((c) => c.end()));
    } finally {
      await database.drop();
    }
  });

  it("roll back a failing migration whole and refuse to go on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "migrations-"));
    try {
      const good = join(dir, "20260101000000_good");
      const bad = join(dir, "20260102000000_bad");
      for (const d of [good, bad]) execFileSync("mkdir", ["-p", d]);
      writeFileSync(join(good, "migration.sql"), "CREATE TABLE a (id int);");
      writeFileSync(join(bad, "migration.sql"), "CREATE TABLE b (id int);\nSELECT no_such_function();");
      const db = new PGlite();
      await expect(applyMigrations(pgliteSession(db), dir)).rejects.toThrow(/20260102000000_bad failed/);
      const tables = (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname='public' ORDER BY 1`)).rows;
      expect(tables.map((r) => r.t)).toEqual(["_prisma_migrations", "a"]);
      const applied = (await db.query<{ n: string }>(`SELECT migration_name AS n FROM _prisma_migrations`)).rows;
      expect(applied.map((r) => r.n)).toEqual(["20260101000000_good"]);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
