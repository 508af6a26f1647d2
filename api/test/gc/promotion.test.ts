import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type DbKind } from "../../testkit/server.js";

const CHILD = fileURLToPath(new URL("./promotion.child.ts", import.meta.url));

interface Figures {
  /** Bytes per request left for the old space by `{ __typename }`, `{ me { id name } }` and a first resolve. */
  typename: number;
  me: number;
  resolve: number;
}

/** promotion.child.ts in a process of its own (production mode, a large initial old space). */
function measure(db: DbKind, nodeFlags: string[] = []): Figures {
  const run = spawnSync(process.execPath, [...nodeFlags, "--expose-gc", "--initial-old-space-size=512", "--import", "tsx", CHILD, db], {
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production" },
    timeout: 240_000,
  });
  if (run.status !== 0) throw new Error(`promotion.child.ts failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as Figures;
}

const KiB = 1024;

// An answered request must not outlive the young generation. What survives two young collections
// is promoted to the old space and waits there for a full mark-compact, which with 20,000 widgets
// open has ~350 MiB to mark and stops the event loop for tens of milliseconds or more
// (docs/benchmarks.md). `{ __typename }` runs the same HTTP, Yoga and authentication path without
// a field resolver, and is the floor. Bytes, not time: the same on a slower machine.
describe.each(DB_KINDS)("garbage of answered requests (%s)", (db) => {
  let figures: Figures;
  beforeAll(() => {
    figures = measure(db);
  }, 300_000);

  // While scope-auth's per-operation cache kept each context reachable for the young collector
  // (releaseScopeCache, server/yoga.ts), `me` left 16.2 KiB per request more than `__typename` on
  // PostgreSQL and 21.0 KiB on PGlite; since, 4.5 and 9.8.
  it("a query leaves little beyond what the bare path does", () => {
    expect((figures.me - figures.typename) / KiB, JSON.stringify(figures)).toBeLessThan(12);
  });

  // On PostgreSQL a transaction's statements went through the driver's promise form, which kept
  // ~1.5 KiB per statement, and with it the request's objects, reachable (rowsOf, db/client.ts):
  // a first resolve left 25.9 KiB more than `__typename`; since, 5.6. PGlite's engine leaves ~26
  // KiB of its own per resolve (its query results and the WebAssembly glue), not ours to change.
  it.runIf(db === "postgres")("a resolve, with its transaction, survey and email, leaves little beyond it too", () => {
    expect((figures.resolve - figures.typename) / KiB, JSON.stringify(figures)).toBeLessThan(12);
  });

  // The child first creates 400 conversations over HTTP, and by then V8 had seen enough of the
  // request path's objects survive to allocate some of them straight in the old space
  // (allocation-site pretenuring), where, dead, they kept the young objects they pointed to alive
  // too: a resolve left 5.6 KiB more than `__typename`. gcTuning.ts turns pretenuring off for the
  // server's process: 2.6.
  it.runIf(db === "postgres")("a resolve after a busy start is not allocated in the old space (pretenuring off)", () => {
    expect((figures.resolve - figures.typename) / KiB, JSON.stringify(figures)).toBeLessThan(4);
  });

  // The same child started with `--allocation-site-pretenuring` (gcTuning.ts then keeps V8's
  // default): the measurement tells the two apart, so the check above can fail.
  it.runIf(db === "postgres")("with V8's default kept, the same resolve leaves more", () => {
    const withPretenuring = measure(db, ["--allocation-site-pretenuring"]);
    expect((withPretenuring.resolve - withPretenuring.typename) / KiB, JSON.stringify(withPretenuring)).toBeGreaterThan(4);
  }, 300_000);
});
