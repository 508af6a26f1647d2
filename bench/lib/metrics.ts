import { monitorEventLoopDelay } from "node:perf_hooks";

/** One reading of the process: event-loop delay over the last interval, and memory now. */
export interface MetricsSample {
  /** Event-loop delay percentiles over the interval, in milliseconds. */
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  rss: number;
  heapUsed: number;
  /** CPU time (user + system) the process has used since it started, in milliseconds. */
  cpuMs: number;
}

export interface MetricsOptions {
  /** How often a sample is written; 1 s by default. */
  intervalMs?: number;
  /** Where the lines go; stdout by default. */
  write?: (line: string) => void;
  /** Called on SIGUSR2 after the GC (and on SIGWINCH), before the line; what it returns is appended to it. */
  onGc?: () => string;
}

const MB = 1024 * 1024;
let started = false;

/** `[metrics] <tag> eld_p50_ms=… eld_p99_ms=… eld_max_ms=… rss=… heap=… cpu_ms=…`: one parseable line. */
export function formatMetrics(tag: string, sample: MetricsSample): string {
  return (
    `[metrics] ${tag} eld_p50_ms=${sample.eldP50Ms.toFixed(2)} eld_p99_ms=${sample.eldP99Ms.toFixed(2)} ` +
    `eld_max_ms=${sample.eldMaxMs.toFixed(2)} rss=${sample.rss} heap=${sample.heapUsed} ` +
    `cpu_ms=${sample.cpuMs.toFixed(0)} rss_mb=${(sample.rss / MB).toFixed(1)} heap_mb=${(sample.heapUsed / MB).toFixed(1)}`
  );
}

/**
 * Writes the process's event-loop delay and memory once a second, for benchmarks and operators
 * (opt-in: `HYDRA_METRICS=1`). On SIGUSR2 it writes a `gc` line at once, after a full garbage
 * collection when the process runs with `--expose-gc`. Returns a function that stops it.
 */
export function startMetrics(options: MetricsOptions = {}): () => void {
  // One writer per process, however many callers ask (a preload and the app, say).
  if (started) return () => {};
  started = true;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();

  const sample = (): MetricsSample => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const reading: MetricsSample = {
      eldP50Ms: histogram.count > 0 ? histogram.percentile(50) / 1e6 : 0,
      eldP99Ms: histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0,
      eldMaxMs: histogram.count > 0 ? histogram.max / 1e6 : 0,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    histogram.reset();
    return reading;
  };

  const timer = setInterval(() => write(formatMetrics("tick", sample())), options.intervalMs ?? 1000);
  timer.unref();

  const onSignal = () => {
    // CPU time up to the signal, before the forced GC: a window measured between two signals
    // (this reading at its end, `cpu_ms` at its start) does not count the bench's own full GCs.
    const cpu = process.cpuUsage();
    const cpuBeforeGc = `cpu_before_gc_ms=${((cpu.user + cpu.system) / 1000).toFixed(1)}`;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      // Twice: the first pass can leave garbage that only finalizers released.
      gc();
      gc();
    }
    const extra = options.onGc?.() ?? "";
    write(`${formatMetrics(gc ? "gc" : "nogc", sample())} ${cpuBeforeGc}${extra ? ` ${extra}` : ""}`);
  };
  process.on("SIGUSR2", onSignal);
  // SIGWINCH: a `cpu` line at once, with no GC, to bound a measured window: a forced full GC would
  // leave its sweeping to the window after it, charged to the server in proportion to its heap.
  const onCpu = () => {
    const extra = options.onGc?.() ?? "";
    write(`${formatMetrics("cpu", sample())}${extra ? ` ${extra}` : ""}`);
  };
  process.on("SIGWINCH", onCpu);

  return () => {
    started = false;
    clearInterval(timer);
    histogram.disable();
    process.off("SIGUSR2", onSignal);
    process.off("SIGWINCH", onCpu);
  };
}
