// Loaded with `node --import` in front of a server under test: its event-loop delay and memory
// once a second, and on SIGUSR2 after a full GC (see bench/lib/metrics.ts). With
// BENCH_CPU_PROFILE_DIR set, V8's CPU profiler runs between two SIGUSR2s: each `gc` line ends the
// profile taken since the previous one (written to that folder, its path on the line as
// `profile=…`) and starts the next, so a profile covers exactly the window the bench measured.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { startMetrics } from "./metrics.js";

function createProfiler(dir: string, tag: string) {
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
  post("Profiler.enable");
  post("Profiler.setSamplingInterval", { interval: Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 250) });
  return () => {
    let written = "";
    if (running) {
      const { profile } = post<{ profile: unknown }>("Profiler.stop");
      written = join(dir, `${tag}-${process.pid}-${String(++seq).padStart(3, "0")}.cpuprofile`);
      writeFileSync(written, JSON.stringify(profile));
    }
    post("Profiler.start");
    running = true;
    return written ? `profile=${written}` : "";
  };
}

/**
 * With BENCH_ALLOC_PROFILE_DIR: V8's sampling heap profiler between two SIGUSR2s, counting every
 * allocation (also what young and old collections freed since), written as a .heapprofile whose
 * path ends the `gc` line as `allocations=…` (bench/allocations.ts reads it).
 */
function createAllocationSampler(dir: string, tag: string) {
  const session = new Session();
  session.connect();
  let seq = 0;
  let running = false;
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
  post("HeapProfiler.enable");
  return () => {
    let written = "";
    if (running) {
      const { profile } = post<{ profile: unknown }>("HeapProfiler.stopSampling");
      written = join(dir, `${tag}-${process.pid}-${String(++seq).padStart(3, "0")}.heapprofile`);
      writeFileSync(written, JSON.stringify(profile));
    }
    post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    running = true;
    return written ? `allocations=${written}` : "";
  };
}

if (process.env.HYDRA_METRICS === "1") {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  const allocDir = process.env.BENCH_ALLOC_PROFILE_DIR;
  const tag = process.env.BENCH_SERVER_NAME ?? "server";
  startMetrics(dir ? { onGc: createProfiler(dir, tag) } : allocDir ? { onGc: createAllocationSampler(allocDir, tag) } : {});
}

// A baseline has no SIGTERM handler of its own; exiting normally lets --cpu-prof write its profile.
// (Hydra's main.ts adds its own graceful shutdown, which runs instead.)
setImmediate(() => {
  if (process.listenerCount("SIGTERM") === 0) process.on("SIGTERM", () => process.exit(0));
});
