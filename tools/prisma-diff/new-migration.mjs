#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL from the committed
// prisma/schema.prisma (git HEAD, or --from <file>) to the working one.
// Usage: npm run db:migration -- <name> [--from <old schema.prisma>]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedFunctions } from "./functions.mjs";
import { schemaSql } from "./schema-sql.mjs";

const args = process.argv.slice(2);
const name = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--from");
const fromIndex = args.indexOf("--from");
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <name: lowercase letters, digits, _> [--from <old schema.prisma>]");
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), "new-migration-"));
try {
  let from = fromIndex >= 0 ? args[fromIndex + 1] : undefined;
  if (!from) {
    from = join(tmp, "head.prisma");
    writeFileSync(from, execFileSync("git", ["show", "HEAD:prisma/schema.prisma"], { encoding: "utf8" }));
  }
  let sql = schemaSql(from, "prisma/schema.prisma");
  // The database functions' one source is prisma/functions/*.sql: what changed there goes in too.
  for (const fn of changedFunctions(".")) {
    sql += `\n\n-- ${fn.file}\n${fn.text.trim()}\n`;
    console.log(`db:migration: ${fn.file} differs from ${fn.migration ?? "every migration"}; appended`);
  }
  if (!sql.trim() || /^-- This is an empty migration\.\s*$/.test(sql.trim())) {
    console.log("db:migration: schema.prisma has no change to migrate");
    process.exit(0);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = join("prisma", "migrations", `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "migration.sql"), sql);
  console.log(`db:migration: wrote ${dir}/migration.sql — review it, then run npm test (the drift test checks it)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
