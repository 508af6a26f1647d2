#!/usr/bin/env node
// Renders the SQL that takes one Prisma datamodel to another, offline, with Prisma 6.19's JS
// schema engine. Usage: node tools/prisma-diff/schema-sql.mjs <from.prisma|--empty> <to.prisma>
// Used by `npm run db:migration` (to write a new migration) and by the drift test.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Keeps only the datamodel: generators go, and the datasource gets the url Prisma 6 insists on. */
function datamodelOnly(source) {
  return source
    .replace(/^generator\s+\w+\s*\{[^}]*\}/gm, "")
    .replace(/^datasource\s+\w+\s*\{[^}]*\}/m, 'datasource db {\n  provider = "postgresql"\n  url = "postgresql://unused@localhost/unused"\n}');
}

export function schemaSql(fromPath, toPath) {
  const dir = mkdtempSync(join(tmpdir(), "prisma-diff-"));
  try {
    // The JS engine wants a connection even for a datamodel-to-datamodel diff: an in-memory PGlite.
    const root = join(here, "../..");
    writeFileSync(
      join(dir, "prisma.config.mjs"),
      `import { PGlite } from ${JSON.stringify(join(root, "node_modules/@electric-sql/pglite/dist/index.cjs"))};
import { PrismaPGlite } from ${JSON.stringify(join(root, "node_modules/pglite-prisma-adapter/dist/index.cjs"))};
export default { experimental: { adapter: true }, engine: "js", schema: "to.prisma",
  adapter: async () => new PrismaPGlite(new PGlite()) };\n`,
    );
    writeFileSync(join(dir, "to.prisma"), datamodelOnly(readFileSync(toPath, "utf8")));
    const from = fromPath === "--empty" ? ["--from-empty"] : ["--from-schema-datamodel", join(dir, "from.prisma")];
    if (fromPath !== "--empty") writeFileSync(join(dir, "from.prisma"), datamodelOnly(readFileSync(fromPath, "utf8")));
    return execFileSync(
      process.execPath,
      [join(here, "node_modules/prisma/build/index.js"), "migrate", "diff", ...from,
        "--to-schema-datamodel", join(dir, "to.prisma"), "--script", "--config", join(dir, "prisma.config.mjs")],
      {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        // Prisma 6 looks for native engines it does not use here; any existing file satisfies it.
        env: { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: process.execPath, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error("usage: schema-sql.mjs <from.prisma|--empty> <to.prisma>");
    process.exit(2);
  }
  process.stdout.write(schemaSql(from, to));
}
