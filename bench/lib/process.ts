import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { until } from "../../api/testkit/client.js";
import { freePort } from "../../api/testkit/processes.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const METRICS_PRELOAD = fileURLToPath(new URL("./metrics-preload.ts", import.meta.url));

/** One `[metrics]` line of a server (see bench/lib/metrics.ts). */
export interface Metrics {
  tag: string;
  at: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  rss: number;
  heap: number;
  /** CPU time the server has used since it started. */
  cpuMs: number;
}

export interface NodeServer {
  name: string;
  url: string;
  wsUrl: string;
  port: number;
  child: ChildProcess;
  /** Every `tick` line so far (one a second). */
  ticks: Metrics[];
  output(): string;
  /** The server's ERROR log lines so far (first lines of each). */
  errors(): string[];
  /** A full GC in the server (it runs with --expose-gc), then its memory. */
  gc(): Promise<Metrics>;
  stop(): Promise<void>;
}


function parseMetrics(line: string): Metrics | null {
  const m = /\[metrics\] (\w+) (.*)$/.exec(line);
  if (!m) return null;
  const fields = Object.fromEntries(m[2]!.split(" ").map((kv) => kv.split("=") as [string, string]));
  return {
    tag: m[1]!,
    at: Date.now(),
    eldP50Ms: Number(fields.eld_p50_ms),
    eldP99Ms: Number(fields.eld_p99_ms),
    eldMaxMs: Number(fields.eld_max_ms),
    rss: Number(fields.rss),
    heap: Number(fields.heap),
    cpuMs: Number(fields.cpu_ms),
  };
}

/**
 * Starts `entry` (a .ts file run with tsx) as its own process on a free port, with the metrics
 * preload and --expose-gc, and waits for GET /healthz to answer 200.
 */
export async function startNodeServer(name: string, entry: string, env: Record<string, string>): Promise<NodeServer> {
  const port = await freePort();
  // BENCH_NODE_ARGS adds flags for profiling, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--expose-gc", "--import", "tsx", "--import", METRICS_PRELOAD, entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      SEED_DEMO: "0",
      HYDRA_METRICS: "1",
      // The per-IP and per-key rate limits would refuse a load test from one address.
      RATE_LIMIT_TOKEN_PER_MIN: "0",
      RATE_LIMIT_API_PER_MIN: "0",
      ...env,
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ticks: Metrics[] = [];
  const waiters: ((m: Metrics) => void)[] = [];
  let partial = "";
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const metrics = parseMetrics(line);
      if (!metrics) {
        if (output.length < 200_000) output += line + "\n";
        if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
        continue;
      }
      if (metrics.tag === "tick") {
        ticks.push(metrics);
      } else {
        waiters.shift()?.(metrics);
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const healthy = async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200;
  try {
    await until(async () => child.exitCode !== null || (await healthy()), 90_000, `${name} to start`);
    if (child.exitCode !== null) throw new Error("exited");
  } catch {
    child.kill("SIGKILL");
    throw new Error(`${name} did not start:\n${output}`);
  }
  return {
    name,
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    child,
    ticks,
    output: () => output,
    // The human line (" ERROR ") or the JSON line servers write when their output is a pipe.
    errors: () => output.split("\n").filter((l) => l.includes(" ERROR ") || l.startsWith('{"level":"error"')).map((l) => l.slice(0, 400)),
    gc() {
      return new Promise<Metrics>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no gc metrics line`)), 30_000);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.kill("SIGUSR2");
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The server under test: `npm start`'s entry point, production mode, against `databaseUrl`. */
export function startHydra(name: string, databaseUrl: string, env: Record<string, string> = {}): Promise<NodeServer> {
  return startNodeServer(name, "api/src/main.ts", { DATABASE_URL: databaseUrl, ...env });
}

/** The event-loop delay readings taken while `fn` ran (whole seconds inside it). */
export async function during<T>(servers: NodeServer[], fn: () => Promise<T>): Promise<{ result: T; ticks: Metrics[] }> {
  const start = Date.now();
  const result = await fn();
  // The tick that covers the last second lands up to a second later.
  await new Promise((r) => setTimeout(r, 1100));
  const end = Date.now();
  const ticks = servers.flatMap((s) => s.ticks.filter((t) => t.at > start + 1000 && t.at <= end));
  return { result, ticks };
}
