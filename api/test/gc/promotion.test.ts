import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "../../testkit/server.js";

const CHILD = fileURLToPath(new URL("./promotion.child.ts", import.meta.url));

// An answered request must not outlive the young generation. What survives two young collections
// is promoted to the old space and waits there for a full mark-compact, which with 20,000 widgets
// open has ~350 MiB to mark and stops the event loop for tens of milliseconds or more
// (docs/benchmarks.md). `{ __typename }` runs the same HTTP, Yoga and authentication path without
// a field resolver; `{ me { id name } }` adds scope-auth and Prisma. While scope-auth's per-request
// cache kept each context reachable for the young collector (see releaseScopeCache in
// server/yoga.ts), `me` promoted 16.2 KiB more than `__typename` per request on PostgreSQL and
// 21.0 KiB on PGlite; since, 4.5 and 9.8. Bytes, not time: the same on a slower machine.
describe.each(DB_KINDS)("garbage of answered requests (%s)", (db) => {
  it("an answered query leaves little for the old space beyond what the bare HTTP path does", () => {
    const run = spawnSync(process.execPath, ["--expose-gc", "--initial-old-space-size=512", "--import", "tsx", CHILD, db], {
      encoding: "utf8",
      env: { ...process.env, NODE_ENV: "production" },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const figures = JSON.parse(run.stdout.trim().split("\n").pop()!) as { typename: number; me: number };
    const extra = (figures.me - figures.typename) / 1024;
    expect(extra, JSON.stringify(figures)).toBeLessThan(12);
  });
});
