/**
 * The database functions have one source, prisma/functions/*.sql: the newest migration that defines
 * each one defines it exactly so, and running the files on a migrated database changes nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../src/app.js";
import { applyMigrations } from "../src/db/migrate.js";
// @ts-expect-error: a plain ESM tool module, shared with `npm run db:migration`
import { changedFunctions, functionSources, newestMigrationDefinitions } from "../../tools/prisma-diff/functions.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
type Source = { file: string; text: string; definition: string };

const DEFINITIONS = `
  SELECT p.proname AS name, pg_get_functiondef(p.oid) AS def
  FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' ORDER BY 1`;

describe("database functions", () => {
  it("prisma/functions/*.sql are what the newest migrations define (a differing file fails this)", () => {
    const sources = functionSources(ROOT) as Map<string, Source>;
    expect([...sources.keys()].sort()).toEqual(["conversation_order", "csat_report_tallies", "csat_tally_apply", "csat_tally_compact", "email_outbox_notify", "message_search", "webhook_delivery_notify"]);
    // Every function some migration defines has its file.
    expect([...(newestMigrationDefinitions(ROOT) as Map<string, unknown>).keys()].sort()).toEqual([...sources.keys()].sort());
    expect(changedFunctions(ROOT)).toEqual([]);
  });

  it("notices a changed file, and a function with no migration", () => {
    const root = mkdtempSync(join(tmpdir(), "hydra-fns-"));
    try {
      mkdirSync(join(root, "prisma/functions"), { recursive: true });
      symlinkSync(join(ROOT, "prisma/migrations"), join(root, "prisma/migrations"), "dir");
      for (const [name, source] of functionSources(ROOT) as Map<string, Source>) {
        writeFileSync(join(root, "prisma/functions", `${name}.sql`), name === "csat_tally_apply" ? source.text.replaceAll("% 15", "% 16") : source.text);
      }
      writeFileSync(join(root, "prisma/functions/csat_new.sql"), `CREATE OR REPLACE FUNCTION "csat_new"() RETURNS int LANGUAGE sql AS $fn$ SELECT 1 $fn$;\n`);
      const changed = (changedFunctions(root) as { name: string; migration: string | null }[]).map((c) => [c.name, c.migration]);
      expect(changed).toEqual([
        ["csat_new", null],
        ["csat_tally_apply", expect.stringMatching(/_tally_groupings$/)],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("running the files on a migrated database changes no definition", async () => {
    const db = new PGlite();
    try {
      const session = {
        query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
        exec: async (script: string) => void (await db.exec(script)),
        release: async () => {},
      };
      await applyMigrations(session, MIGRATIONS_DIR);
      const before = (await db.query<{ name: string; def: string }>(DEFINITIONS)).rows;
      expect(before.map((r) => r.name)).toEqual(["conversation_order", "csat_report_tallies", "csat_tally_apply", "csat_tally_compact", "email_outbox_notify", "message_search", "webhook_delivery_notify"]);
      for (const source of (functionSources(ROOT) as Map<string, Source>).values()) await db.exec(source.text);
      expect((await db.query<{ name: string; def: string }>(DEFINITIONS)).rows).toEqual(before);
    } finally {
      await db.close();
    }
  });
});
