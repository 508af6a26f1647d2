import { execFileSync, execSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "../../api/testkit/client.js";
import { freePort } from "../../api/testkit/processes.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The CPUs the servers under test are pinned to (`taskset -c`), or null: BENCH_TASKSET=0 (or
 * `npm run bench -- --slow`, which sets it) runs every server on one core, to show that the goals,
 * being ratios measured in the same run, hold on a slower box.
 */
export const serverCpus = (): string | null => process.env.BENCH_TASKSET || null;
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
  /** CPU time the server has used since it started (on a `gc` line: after the forced GC). */
  cpuMs: number;
  /** On a `gc` line: the CPU time before the forced GC, to end a measured window with. */
  cpuBeforeGcMs: number;
  /** With BENCH_CPU_PROFILE_DIR: the profile of the window this `gc` line ended. */
  profile?: string;
  /** With BENCH_ALLOC_PROFILE_DIR: the allocation profile of the window this `gc` line ended. */
  allocations?: string;
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
  /** The server's CPU time now, with no GC (and, with BENCH_CPU_PROFILE_DIR, the profile since the last reading). */
  cpu(): Promise<Metrics>;
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
    cpuBeforeGcMs: Number(fields.cpu_before_gc_ms ?? fields.cpu_ms),
    ...(fields.profile ? { profile: fields.profile } : {}),
    ...(fields.allocations ? { allocations: fields.allocations } : {}),
  };
}

/**
 * Starts `entry` (a .ts file run with tsx) as its own process on a free port, with the metrics
 * preload and --expose-gc, and waits for GET /healthz to answer 200.
 */
export async function startNodeServer(name: string, entry: string, env: Record<string, string>, root = ROOT): Promise<NodeServer> {
  const port = await freePort();
  // BENCH_NODE_ARGS adds flags for profiling, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const node = [process.execPath, ...extra, "--expose-gc", "--import", "tsx", "--import", METRICS_PRELOAD, entry];
  // BENCH_TASKSET (or --slow): every server under test pinned to those CPUs, a deliberately slowed box.
  const cpus = serverCpus();
  const pinned = cpus ? ["taskset", "-c", cpus, ...node] : node;
  const child = spawn(pinned[0]!, pinned.slice(1), {
    cwd: root,
    env: {
      ...process.env,
      BENCH_SERVER_NAME: name.replace(/[^\w-]+/g, "_"),
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
  const ask = (signal: NodeJS.Signals) =>
    new Promise<Metrics>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no metrics line after ${signal}`)), 30_000);
      waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.kill(signal);
    });
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
    gc: () => ask("SIGUSR2"),
    cpu: () => ask("SIGWINCH"),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * The server under test: `npm start`'s entry point, production mode, against `databaseUrl`; from
 * `root` when given (another checkout, see baseTree()).
 */
export function startHydra(name: string, databaseUrl: string, env: Record<string, string> = {}, root = ROOT): Promise<NodeServer> {
  return startNodeServer(name, "api/src/main.ts", { DATABASE_URL: databaseUrl, ...env }, root);
}

/**
 * The tree of another commit (BENCH_BASE=<rev>), to run as a fifth target beside this one in the
 * same rounds: what a change bought, as a ratio that a busy machine does not blur. It is
 * `git archive` of that commit under bench-results/, with this tree's node_modules and generated
 * clients (the schema must not have changed in between). Its migrations are not applied: both
 * servers share this tree's database.
 */
export function baseTree(rev: string): string {
  const sha = execFileSync("git", ["rev-parse", "--short", rev], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = join(ROOT, "bench-results", `base-${sha}`);
  if (!existsSync(join(dir, "api/src/main.ts"))) {
    mkdirSync(dir, { recursive: true });
    execSync(`git archive ${sha} | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    cpSync(join(ROOT, "api/src/generated"), join(dir, "api/src/generated"), { recursive: true });
  }
  return dir;
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
