// npx tsx bench/widgetHeap.ts [widgets]: what an idle subscribed widget costs in the server's heap,
// by kind of object. Starts the server as `npm run bench -- memory` does (its own database, the
// widgets in holder processes), opens and closes the widgets once so every path is warm, takes a
// heap snapshot with none open and one with `widgets` (default 2,000) open, and prints the
// difference per widget by V8 node type and constructor, largest first. The snapshots are left in
// bench-results/heap/ for Chrome DevTools' comparison view. docs/benchmarks.md ("More widgets per
// process") quotes its figures.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { ROOT, startHydra } from "./lib/process.js";
import { createWidgetFleet } from "./lib/widgetFleet.js";

const WIDGETS = Number(process.argv[2] ?? 2000);
const DIR = join(ROOT, "bench-results", "heap");
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Total self size and count per "type:constructor" of a snapshot (strings by type alone). */
function bySort(file: string): Map<string, { bytes: number; count: number }> {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [TYPE, NAME, SIZE] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [number, number, number];
  const sorts = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + TYPE]!]!;
    const name = type.includes("string") ? "" : String(snapshot.strings[snapshot.nodes[i + NAME]!]).slice(0, 60);
    const sort = sorts.get(`${type}:${name}`) ?? { bytes: 0, count: 0 };
    sort.bytes += snapshot.nodes[i + SIZE]!;
    sort.count++;
    sorts.set(`${type}:${name}`, sort);
  }
  return sorts;
}

mkdirSync(DIR, { recursive: true });
process.env.BENCH_NODE_ARGS = `${process.env.BENCH_NODE_ARGS ?? ""} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${DIR}`;
const db = await createBenchDatabase("heap");
const fleet = createWidgetFleet();
let hydra: Awaited<ReturnType<typeof startHydra>> | undefined;
try {
  const ids = seededIds(randomBytes(8).toString("hex"));
  await seedConversations(db.pool, await seedWorkspace(db.pool, "Bench Heap"), ids, 1, WIDGETS, "open");
  const server = (hydra = await startHydra("Hydra", db.url));
  /** Signals the server to write a snapshot (V8 collects garbage first) and waits until it is written. */
  const snapshot = async (): Promise<string> => {
    const before = new Set(readdirSync(DIR));
    server.child.kill("SIGUSR2");
    for (;;) {
      await settle(1000);
      const file = readdirSync(DIR).find((f) => !before.has(f) && f.endsWith(".heapsnapshot"));
      if (!file) continue;
      const size = statSync(join(DIR, file)).size;
      await settle(1500);
      if (statSync(join(DIR, file)).size === size) return join(DIR, file);
    }
  };
  if ((await fleet.open(ids.seed, server.wsUrl, 1, WIDGETS)) < WIDGETS) throw new Error("widgets did not all open");
  await settle(1000);
  await fleet.closeAll();
  await settle(1000);
  const none = await snapshot();
  await fleet.open(ids.seed, server.wsUrl, 1, WIDGETS);
  await settle(3000);
  const open = await snapshot();
  await fleet.closeAll();
  const [a, b] = [bySort(none), bySort(open)];
  const rows = [...b]
    .map(([sort, { bytes, count }]) => ({ sort, bytes: (bytes - (a.get(sort)?.bytes ?? 0)) / WIDGETS, count: (count - (a.get(sort)?.count ?? 0)) / WIDGETS }))
    .sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  console.log(`heap per idle widget (${WIDGETS} open vs none): ${(total / 1024).toFixed(2)} KiB`);
  console.log("bytes/widget  objects/widget  type:constructor");
  for (const r of rows.slice(0, 30)) console.log(`${r.bytes.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.sort}`);
  console.log(`snapshots: ${none}, ${open}`);
} finally {
  await hydra?.stop();
  await fleet.stop();
  await db.drop();
}
