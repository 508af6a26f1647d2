import { describe, expect, it } from "vitest";
import { startTestServer } from "../testkit/server.js";

describe("stopping after the database went away", () => {
  it("a server whose PGlite was closed under it stops without an unhandled rejection, and says why its UNLISTEN failed", async () => {
    const server = await startTestServer({ db: "pglite" });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      // The workers LISTEN on the webhook channel (and the outbox's when a sender is set); the database
      // closes before they UNLISTEN.
      await server.running.db.close();
      await server.running.stop().catch(() => {});
      // A rejection left without a handler is reported after the microtasks of its turn.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
    const warned = server.log.lines.filter((line) => line.includes("UNLISTEN failed while stopping"));
    expect(warned, server.log.lines.join("\n")).toEqual(["WARN [webhooks] UNLISTEN failed while stopping: PGlite is closed"]);
  });
});
