import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildSchema, findBreakingChanges, type GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../src/schema/print.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The released contract, carried by the project itself: add to it, never rename or remove. */
const CONTRACT = join(ROOT, "schema/contract.graphql");
/** The steering copy, when the project sits beside it (not on a fresh clone). */
const SHARED_CONTRACT = join(ROOT, "../shared/spec/public-schema.graphql");

function breaks(from: GraphQLSchema, to: GraphQLSchema): string[] {
  return findBreakingChanges(from, to).map((c) => `${c.type}: ${c.description}`);
}

describe("public schema", () => {
  it("schema/schema.graphql is what the server serves (run `npm run schema:print` when this fails)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printedSchema());
  });

  it("has no breaking change against the released contract (schema/contract.graphql)", () => {
    const contract = buildSchema(readFileSync(CONTRACT, "utf8"));
    const served = buildSchema(readFileSync(SCHEMA_FILE, "utf8"));
    expect(breaks(contract, served)).toEqual([]);
  });

  it.skipIf(!existsSync(SHARED_CONTRACT))("the project's contract keeps everything of the steering copy beside it", () => {
    const shared = buildSchema(readFileSync(SHARED_CONTRACT, "utf8"));
    const own = buildSchema(readFileSync(CONTRACT, "utf8"));
    expect(breaks(shared, own)).toEqual([]);
  });

  it.skipIf(process.env.HYDRA_IN_FRESH_CLONE === "1")(
    "a fresh clone with nothing beside it passes this file (HEAD, no ../shared)",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "hydra-fresh-"));
      try {
        const clone = join(dir, "x");
        await run("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone]);
        expect(existsSync(join(dir, "shared"))).toBe(false);
        // The installed packages are borrowed (installing again would take the network); the
        // generated client is made in the clone, as `npm install` would.
        symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
        await run(process.execPath, ["tools/generate.mjs"], { cwd: clone });
        const { stdout } = await run(
          process.execPath,
          [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "api/test/schema.test.ts", "--reporter=default"],
          { cwd: clone, env: { ...process.env, HYDRA_IN_FRESH_CLONE: "1", NO_COLOR: "1" } },
        );
        // Two run there; the steering-copy check and this one are skipped (nothing beside it).
        expect(stdout).toMatch(/Tests\s+2 passed \| 2 skipped/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
