// Memory per idle subscribed widget, and whether connect/subscribe/close cycles leak:
//   RSS after GC with 5,000 widgets subscribed, minus RSS after GC with none, ÷ 5,000;
//   heap after GC after 10 cycles of 5,000 connect/subscribe/close, against where it started.
import { randomBytes } from "node:crypto";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { startHydra, type Metrics } from "./lib/process.js";
import { row, runAsScript, type PartResult } from "./lib/report.js";
import { closeWidgets, openWidget, openWidgets } from "./lib/widget.js";

const WIDGETS = Number(process.env.BENCH_WIDGETS ?? 5000);
const CYCLES = Number(process.env.BENCH_MEMORY_CYCLES ?? 10);
const KiB = 1024;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchMemory(): Promise<PartResult> {
  const db = await createBenchDatabase("memory");
  try {
    const ids = seededIds(randomBytes(8).toString("hex"));
    const ws = await seedWorkspace(db.pool, "Bench Memory");
    await seedConversations(db.pool, ws, ids, 1, WIDGETS, "open");
    const server = await startHydra("Hydra", db.url);
    try {
      const cycle = async (count: number, whileOpen?: () => Promise<void>) => {
        const widgets = await openWidgets(count, (i) => openWidget(server.wsUrl, ids.conversationId(i + 1), ids.visitorToken(i + 1)));
        await settle(1000);
        await whileOpen?.();
        await closeWidgets(widgets);
        await settle(500);
      };
      // One full cycle first: every code path warm, lazy caches filled and V8's young generation
      // grown to what this load makes it, so the starting point holds only fixed costs.
      await cycle(WIDGETS);
      await settle(1000);
      const start = await server.gc();
      let open: Metrics | null = null;
      await cycle(WIDGETS, async () => {
        open = await server.gc();
      });
      const perWidget = (open!.rss - start.rss) / WIDGETS;
      const heapPerWidget = (open!.heap - start.heap) / WIDGETS;
      console.log(`[memory] ${WIDGETS} idle widgets: RSS +${((open!.rss - start.rss) / 2 ** 20).toFixed(1)} MiB, ${(perWidget / KiB).toFixed(1)} KiB each`);
      const afterCycles: number[] = [];
      for (let c = 2; c <= CYCLES; c++) {
        await cycle(WIDGETS);
        if (c === CYCLES || c % 3 === 0) afterCycles.push((await server.gc()).heap);
      }
      await settle(1000);
      const end = await server.gc();
      const growth = (end.heap - start.heap) / start.heap;
      console.log(`[memory] heap after GC: ${(start.heap / 2 ** 20).toFixed(1)} MiB → ${(end.heap / 2 ** 20).toFixed(1)} MiB after ${CYCLES} cycles`);
      return {
        rows: [
          row("memory", `RSS per idle subscribed widget (${WIDGETS})`, perWidget / KiB, "KiB", "≤ 24 KiB", perWidget <= 24 * KiB, `heap after GC +${(heapPerWidget / KiB).toFixed(1)} KiB per widget`),
          row("memory", `heap after GC after ${CYCLES} × ${WIDGETS} connect/subscribe/close`, growth * 100, "%", "within 5%", Math.abs(growth) <= 0.05,
            `${(start.heap / 2 ** 20).toFixed(1)} → ${(end.heap / 2 ** 20).toFixed(1)} MiB`),
        ],
        raw: { widgets: WIDGETS, cycles: CYCLES, start, open, end, afterCycles, perWidgetBytes: perWidget, heapPerWidgetBytes: heapPerWidget },
      };
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("memory", benchMemory);
