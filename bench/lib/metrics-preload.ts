// Loaded with `node --import` in front of a server under test: its event-loop delay and memory
// once a second, and on SIGUSR2 after a full GC (see bench/lib/metrics.ts). With
// BENCH_CPU_PROFILE_DIR set, V8's CPU profiler runs between two SIGUSR2s: each `gc` line ends the
// profile taken since the previous one (written to that folder, its path on the line as
// `profile=…`) and starts the next, so a profile covers exactly the window the bench measured;
// BENCH_ALLOC_PROFILE_DIR does the same with V8's sampling heap profiler (`allocations=…`).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { startMetrics } from "./metrics.js";

/**
 * A profiler of V8's run between two SIGUSR2s: each `gc` line ends the profile taken since the
 * previous one (written to `dir` as `<tag>-<pid>-<n>.<extension>`, its path on the line as
 * `<field>=…`) and starts the next. `begin` and `end` are its inspector methods.
 */
function createWindowProfiler(
  dir: string,
  tag: string,
  kind: { extension: string; field: string; setup: [string, object?][]; begin: [string, object?]; end: string },
) {
  const session = new Session();
  session.connect();
  let seq = 0;
  let running = false;
  // The in-process session answers synchronously; the callbacks run before post returns.
  const post = <T>(method: string, params?: object): T => {
    let result: T | undefined;
    let error: Error | null = null;
    session.post(method, params, (err, r) => {
      error = err;
      result = r as T;
    });
    if (error) throw error;
    return result as T;
  };
  for (const [method, params] of kind.setup) post(method, params);
  return () => {
    let written = "";
    if (running) {
      const { profile } = post<{ profile: unknown }>(kind.end);
      written = join(dir, `${tag}-${process.pid}-${String(++seq).padStart(3, "0")}.${kind.extension}`);
      writeFileSync(written, JSON.stringify(profile));
    }
    post(...kind.begin);
    running = true;
    return written ? `${kind.field}=${written}` : "";
  };
}

/** With BENCH_CPU_PROFILE_DIR: V8's CPU profiler, `profile=…` on the line. */
const cpuProfiler = (dir: string, tag: string) =>
  createWindowProfiler(dir, tag, {
    extension: "cpuprofile",
    field: "profile",
    setup: [["Profiler.enable"], ["Profiler.setSamplingInterval", { interval: Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 250) }]],
    begin: ["Profiler.start"],
    end: "Profiler.stop",
  });

/**
 * With BENCH_ALLOC_PROFILE_DIR: V8's sampling heap profiler, counting every allocation (also what
 * young and old collections freed since), `allocations=…` on the line (bench/allocations.ts reads it).
 * BENCH_ALLOC_SURVIVORS=1 leaves out what young collections freed: what outlived one of them.
 */
const allocationSampler = (dir: string, tag: string) =>
  createWindowProfiler(dir, tag, {
    extension: "heapprofile",
    field: "allocations",
    setup: [["HeapProfiler.enable"]],
    begin: ["HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.BENCH_ALLOC_SURVIVORS !== "1" }],
    end: "HeapProfiler.stopSampling",
  });

if (process.env.HYDRA_METRICS === "1") {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  const allocDir = process.env.BENCH_ALLOC_PROFILE_DIR;
  const tag = process.env.BENCH_SERVER_NAME ?? "server";
  startMetrics(dir ? { onGc: cpuProfiler(dir, tag) } : allocDir ? { onGc: allocationSampler(allocDir, tag) } : {});
}

// A baseline has no SIGTERM handler of its own; exiting normally lets --cpu-prof write its profile.
// (Hydra's main.ts adds its own graceful shutdown, which runs instead.)
setImmediate(() => {
  if (process.listenerCount("SIGTERM") === 0) process.on("SIGTERM", () => process.exit(0));
});
