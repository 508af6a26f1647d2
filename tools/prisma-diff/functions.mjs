// The database functions' one source: prisma/functions/<name>.sql, each a single
// `CREATE OR REPLACE FUNCTION "<name>"(…) … $fn$ … $fn$;`. Migrations are history and keep their
// own copies; the newest migration that defines a function must define it exactly as its file does
// (api/test/migrations.test.ts checks it), and `npm run db:migration` appends every function whose
// file has changed since.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DEFINITION = /CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+"([a-z_0-9]+)"[\s\S]*?\$fn\$[\s\S]*?\$fn\$;/g;

/** Every function definition in a SQL text, by name (the last one wins), as written. */
export function functionDefinitions(sql) {
  const found = new Map();
  for (const match of sql.matchAll(DEFINITION)) found.set(match[1], match[0]);
  return found;
}

/** The same definition whether written with CREATE or CREATE OR REPLACE, whatever the spacing. */
export function normaliseDefinition(text) {
  return text
    .replace(/^CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION/, "CREATE OR REPLACE FUNCTION")
    .replace(/--[^\n]*/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** prisma/functions/*.sql: name → definition. */
export function functionSources(root) {
  const dir = join(root, "prisma/functions");
  const sources = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    const defs = functionDefinitions(readFileSync(join(dir, file), "utf8"));
    const name = file.replace(/\.sql$/, "");
    if (defs.size !== 1 || !defs.has(name)) throw new Error(`prisma/functions/${file} must define exactly the function "${name}"`);
    sources.set(name, { file: `prisma/functions/${file}`, text: readFileSync(join(dir, file), "utf8"), definition: defs.get(name) });
  }
  return sources;
}

/** The newest migration's definition of each function: name → { migration, definition }. */
export function newestMigrationDefinitions(root) {
  const dir = join(root, "prisma/migrations");
  const newest = new Map();
  for (const migration of readdirSync(dir).filter((d) => /^\d{14}_/.test(d)).sort()) {
    const sql = readFileSync(join(dir, migration, "migration.sql"), "utf8");
    for (const [name, definition] of functionDefinitions(sql)) newest.set(name, { migration, definition });
  }
  return newest;
}

/** Functions whose file differs from (or is missing in) the newest migration's definition. */
export function changedFunctions(root) {
  const newest = newestMigrationDefinitions(root);
  const changed = [];
  for (const [name, source] of functionSources(root)) {
    const inMigration = newest.get(name);
    if (!inMigration || normaliseDefinition(inMigration.definition) !== normaliseDefinition(source.definition)) {
      changed.push({ name, ...source, migration: inMigration?.migration ?? null });
    }
  }
  return changed;
}
