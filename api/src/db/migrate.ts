import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { SqlSession } from "./client.js";

/** The advisory lock id Prisma Migrate itself takes, so our runner and `prisma migrate` exclude each other. */
const MIGRATION_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Runs `fn` holding the migration lock on `session` (waiting for it first). PostgreSQL's advisory
 * locks stack within a session, so `applyMigrations` may run inside.
 */
export async function withMigrationLock<T>(session: SqlSession, fn: () => Promise<T>): Promise<T> {
  await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    return await fn();
  } finally {
    await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies the pending migrations of `dir`, each in its own transaction, recording them in
 * `_prisma_migrations` exactly as Prisma Migrate does, so `prisma migrate status/deploy` agree.
 * Holds Prisma's advisory lock throughout, so processes starting together apply each once.
 */
export async function applyMigrations(
  session: SqlSession,
  dir: string,
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const migrations = readMigrations(dir);
  return withMigrationLock(session, async () => {
    await session.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const rows = await session.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    for (const row of applied.values()) {
      if (row.finished_at === null) {
        throw new Error(
          `migration ${row.migration_name} started but did not finish; repair the database, then mark it rolled back`,
        );
      }
    }
    const done: string[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          log(`[migrate] warning: ${migration.name} was edited after it was applied (checksum differs)`);
        }
        continue;
      }
      log(`[migrate] applying ${migration.name}`);
      await session.exec("BEGIN");
      try {
        await session.exec(migration.sql);
        await session.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await session.exec("COMMIT");
      } catch (err) {
        await session.exec("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`);
      }
      done.push(migration.name);
    }
    log(done.length ? `[migrate] applied ${done.length} migration(s)` : "[migrate] database is up to date");
    return done;
  });
}
