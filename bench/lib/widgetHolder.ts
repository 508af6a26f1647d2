// A child process of the bench that holds thousands of widgets (bench/lib/widget.ts) from one
// source address, so that tens of thousands fit: each process has its own open-files limit and
// each source address its own ephemeral ports. Driven over IPC by bench/lib/widgetFleet.ts.
import { seededIds } from "./db.js";
import { closeWidgets, openWidget, openWidgets, type Widget } from "./widget.js";

export type HolderCommand =
  | { type: "open"; seed: string; wsUrl: string; from: number; count: number; localAddress: string }
  | { type: "collect" }
  | { type: "close" };

export type HolderReply =
  | { type: "opened"; count: number; error?: string }
  | { type: "received"; prompts: [conversationId: string, at: number[]][]; updates: number }
  | { type: "closed" };

const widgets: Widget[] = [];
const reply = (m: HolderReply) => process.send!(m);

process.on("message", (m: HolderCommand) => {
  void (async () => {
    if (m.type === "open") {
      const ids = seededIds(m.seed);
      try {
        const opened = await openWidgets(m.count, (k) =>
          openWidget(m.wsUrl, ids.conversationId(m.from + k), ids.visitorToken(m.from + k), undefined, m.localAddress),
        );
        widgets.push(...opened);
        reply({ type: "opened", count: opened.length });
      } catch (err) {
        reply({ type: "opened", count: 0, error: (err as Error).message });
      }
    } else if (m.type === "collect") {
      reply({
        type: "received",
        prompts: widgets.filter((w) => w.received.length > 0).map((w) => [w.conversationId, w.received]),
        updates: widgets.reduce((a, w) => a + w.updates, 0),
      });
    } else if (m.type === "close") {
      await closeWidgets(widgets.splice(0));
      reply({ type: "closed" });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
