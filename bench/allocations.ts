// npx tsx bench/allocations.ts [resolves]: what one GraphQL resolveConversation allocates in the
// server, and where. Allocation drives the garbage collector: how often a young collection pauses
// the event loop, and how soon an old-space collection must mark the whole heap (with 20,000 idle
// widgets, ~350 MiB), which is where the paced event-loop misses of `npm run bench` come from
// (docs/benchmarks.md). Starts the server as the bench does (its own database, production mode),
// warms it, then samples every allocation (V8's sampling heap profiler, objects the collectors
// freed included) over `resolves` (default 2,000) resolves sent 8 at a time, and prints the bytes
// per resolve by package or source folder and by function, largest first. The profile is left in
// bench-results/alloc/ for Chrome DevTools (Memory → Load). BENCH_ALLOC_SURVIVORS=1 leaves out what
// young collections freed: the allocations that outlived one (the promotion candidates).
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { graphql, keepAliveAgent } from "./lib/http.js";
import { ROOT, startHydra } from "./lib/process.js";

const RESOLVES = Number(process.argv[2] ?? 2000);
const WARM = 500;
const CONCURRENCY = 8;
const DIR = join(ROOT, "bench-results", "alloc");
const RESOLVE =
  "mutation ResolveConversation($id: ID!) { resolveConversation(id: $id) { id status csatSurvey { id state deliveredToWidget } } }";

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Where a frame's code lives: an npm package, a folder of ours, or Node's own. */
function placeOf(url: string): string {
  if (!url) return "(V8 / native)";
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(api\/src\/[^/]+|shared\/[^/]+|bench\/[^/]+)/.exec(url);
  return ours ? ours[1]! : url.slice(-60);
}

/** Self bytes per function and per place, summed over the profile's tree. */
function tally(root: ProfileNode) {
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    stack.push(...node.children);
    if (!node.selfSize) continue;
    total += node.selfSize;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*\/(node_modules|work\/main)\//, "")}:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
    const place = placeOf(url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + node.selfSize);
  }
  return { total, byFunction, byPlace };
}

mkdirSync(DIR, { recursive: true });
process.env.BENCH_ALLOC_PROFILE_DIR = DIR;
const db = await createBenchDatabase("alloc");
let hydra: Awaited<ReturnType<typeof startHydra>> | undefined;
try {
  const ids = seededIds(randomBytes(8).toString("hex"));
  const ws = await seedWorkspace(db.pool, "Bench Alloc");
  await seedConversations(db.pool, ws, ids, 1, WARM + RESOLVES, "open");
  const server = (hydra = await startHydra("Hydra", db.url));
  const agent = keepAliveAgent(CONCURRENCY);
  let failures = 0;
  const run = async (from: number, count: number) => {
    let next = from;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < from + count) {
          const res = await graphql(agent, server.url, RESOLVE, { id: ids.conversationId(next++) }, ws.sessionToken);
          if (res.status !== 200 || !res.body.includes('"DISPATCHED"')) failures++;
        }
      }),
    );
  };
  await run(1, WARM);
  await server.gc(); // starts the sampling
  await run(WARM + 1, RESOLVES);
  const end = await server.gc();
  agent.destroy();
  if (failures) throw new Error(`${failures} resolves failed`);
  if (!end.allocations) throw new Error("the server wrote no allocation profile");
  const { total, byFunction, byPlace } = tally((JSON.parse(readFileSync(end.allocations, "utf8")) as { head: ProfileNode }).head);
  const per = (bytes: number) => (bytes / RESOLVES / 1024).toFixed(1).padStart(8);
  console.log(`allocated per resolve (${RESOLVES} resolves, ${CONCURRENCY} at a time): ${(total / RESOLVES / 1024).toFixed(1)} KiB`);
  console.log("\n KiB/op  where");
  for (const [place, bytes] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${per(bytes)}  ${place}`);
  console.log("\n KiB/op  function");
  for (const [fn, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${per(bytes)}  ${fn}`);
  console.log(`\nprofile: ${end.allocations}`);
} finally {
  await hydra?.stop();
  await db.drop();
}
