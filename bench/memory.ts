// Memory per idle subscribed widget, and whether connect/subscribe/close cycles leak:
//   RSS after GC with 20,000 widgets subscribed (BENCH_WIDGETS; as many as the open-files limit
//   leaves room for), minus RSS after GC with none, ÷ the widgets;
//   heap after GC after 10 cycles of 5,000 connect/subscribe/close, against where it started.
// The widgets live in holder processes (bench/lib/widgetFleet.ts), from several source addresses.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { startHydra, type Metrics } from "./lib/process.js";
import { row, runAsScript, type PartResult } from "./lib/report.js";
import { createWidgetFleet } from "./lib/widgetFleet.js";

const WIDGETS = Number(process.env.BENCH_WIDGETS ?? 20_000);
const CYCLE_WIDGETS = Number(process.env.BENCH_MEMORY_CYCLE_WIDGETS ?? 5000);
const CYCLES = Number(process.env.BENCH_MEMORY_CYCLES ?? 10);
const KiB = 1024;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchMemory(): Promise<PartResult> {
  const limit = Number(spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim()) || Infinity;
  const widgets = Math.min(WIDGETS, limit - 300);
  const limitNote = widgets < WIDGETS ? `; ${widgets} of ${WIDGETS}: the open-files limit here is ${limit}` : "";
  const db = await createBenchDatabase("memory");
  const fleet = createWidgetFleet();
  try {
    const ids = seededIds(randomBytes(8).toString("hex"));
    const ws = await seedWorkspace(db.pool, "Bench Memory");
    await seedConversations(db.pool, ws, ids, 1, widgets, "open");
    const server = await startHydra("Hydra", db.url);
    try {
      const cycle = async (count: number, whileOpen?: () => Promise<void>) => {
        const opened = await fleet.open(ids.seed, server.wsUrl, 1, count);
        if (opened < count) throw new Error(`only ${opened} of ${count} widgets opened`);
        await settle(1000);
        await whileOpen?.();
        await fleet.closeAll();
        await settle(500);
      };
      // One full cycle first: every code path warm, lazy caches filled and V8's young generation
      // grown to what this load makes it, so the starting point holds only fixed costs.
      await cycle(CYCLE_WIDGETS);
      await settle(1000);
      const start = await server.gc();
      let open: Metrics | null = null;
      await cycle(widgets, async () => {
        await settle(2000);
        open = await server.gc();
      });
      const perWidget = (open!.rss - start.rss) / widgets;
      const heapPerWidget = (open!.heap - start.heap) / widgets;
      console.log(`[memory] ${widgets} idle widgets: RSS +${((open!.rss - start.rss) / 2 ** 20).toFixed(1)} MiB, ${(perWidget / KiB).toFixed(1)} KiB each`);
      await settle(1000);
      const afterBig = await server.gc();
      const afterCycles: number[] = [];
      for (let c = 1; c <= CYCLES; c++) {
        await cycle(CYCLE_WIDGETS);
        if (c === CYCLES || c % 3 === 0) afterCycles.push((await server.gc()).heap);
      }
      await settle(1000);
      const end = await server.gc();
      const growth = (end.heap - afterBig.heap) / afterBig.heap;
      console.log(`[memory] heap after GC: ${(afterBig.heap / 2 ** 20).toFixed(1)} MiB → ${(end.heap / 2 ** 20).toFixed(1)} MiB after ${CYCLES} cycles`);
      return {
        rows: [
          row("memory", `RSS per idle subscribed widget (${widgets} on one process)`, perWidget / KiB, "KiB", "≤ 16 KiB", perWidget <= 16 * KiB,
            `heap after GC +${(heapPerWidget / KiB).toFixed(1)} KiB per widget${limitNote}`),
          row("memory", `heap after GC after ${CYCLES} × ${CYCLE_WIDGETS} connect/subscribe/close`, growth * 100, "%", "within 5%", Math.abs(growth) <= 0.05,
            `${(afterBig.heap / 2 ** 20).toFixed(1)} → ${(end.heap / 2 ** 20).toFixed(1)} MiB`),
        ],
        raw: { widgets, cycles: CYCLES, cycleWidgets: CYCLE_WIDGETS, start, open, afterBig, end, afterCycles, perWidgetBytes: perWidget, heapPerWidgetBytes: heapPerWidget },
      };
    } finally {
      await server.stop();
    }
  } finally {
    await fleet.stop();
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("memory", benchMemory);
