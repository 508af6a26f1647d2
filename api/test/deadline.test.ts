import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { deadline } from "../src/deadline.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `body` in a fresh Node with the collector at hand (--expose-gc); returns what it printed. */
async function withGc(body: string): Promise<string> {
  const script = `import { deadline } from "./api/src/deadline.ts";
const collect = async () => { for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); } };
${body}`;
  const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT });
  return stdout.trim();
}

describe("deadline", () => {
  it("fires after a garbage collection, where AbortSignal.any over AbortSignal.timeout does not (Node 20)", async () => {
    const printed = await withGc(`
const stop = new AbortController();
const ours = deadline(200, stop.signal).signal;
const theirs = AbortSignal.any([stop.signal, AbortSignal.timeout(200)]);
ours.addEventListener("abort", () => {});
theirs.addEventListener("abort", () => {});
await collect();
await new Promise((r) => setTimeout(r, 400));
console.log(JSON.stringify({ ours: ours.aborted, theirs: theirs.aborted }));`);
    // Ours fires; the built-in composite lost its timeout to the collector (why deadline exists).
    expect(JSON.parse(printed)).toMatchObject({ ours: true });
    console.log(`AbortSignal.any over AbortSignal.timeout after a GC: ${JSON.parse(printed).theirs ? "fired" : "never fired"}`);
  });

  it("aborts after its time, and says it timed out", async () => {
    const limit = deadline(30);
    expect(limit.signal.aborted).toBe(false);
    await new Promise((resolve) => limit.signal.addEventListener("abort", resolve, { once: true }));
    expect(limit.timedOut()).toBe(true);
    expect((limit.signal.reason as DOMException).name).toBe("TimeoutError");
  });

  it("aborts at once when stopped (before or during), and that is no timeout", () => {
    const stop = new AbortController();
    const during = deadline(60_000, stop.signal);
    stop.abort(new Error("stopping"));
    expect(during.signal.aborted).toBe(true);
    expect(during.timedOut()).toBe(false);
    during.clear();
    const before = deadline(60_000, stop.signal);
    expect(before.signal.aborted).toBe(true);
    before.clear();
  });

  it("cleared, it neither fires nor listens to the stop any more", async () => {
    const stop = new AbortController();
    const limit = deadline(20, stop.signal);
    limit.clear();
    await new Promise((resolve) => setTimeout(resolve, 60));
    stop.abort();
    expect(limit.signal.aborted).toBe(false);
    expect(limit.timedOut()).toBe(false);
  });
});
