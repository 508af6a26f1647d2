import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { until } from "./client.js";

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `npm start`'s entry point as its own process, with the environment given; it must answer /healthz within `startMs`. */
export async function startServerProcess(env: Record<string, string>, startMs = 60_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "api/src/main.ts"], {
    // Tests send many requests from one address: the per-IP limits of public mutations are off unless a test sets them.
    env: { ...process.env, LOG_FORMAT: "pretty", SEED_DEMO: "0", RATE_LIMIT_SIGNUP_PER_HOUR: "0", RATE_LIMIT_SIGNIN_PER_MIN: "0", RATE_LIMIT_WIDGET_PER_MIN: "0", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (b) => (output += b));
  child.stderr!.on("data", (b) => (output += b));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, startMs, `server on ${port}`).catch((err: Error) => {
    // Not left running behind a failed test.
    child.kill("SIGKILL");
    throw new Error(`${err.message}: ${output}`);
  });
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `npm start`'s entry point run to its end (for starts that must refuse); killed after `ms`. */
export async function runServerToExit(env: Record<string, string>, ms = 60_000): Promise<{ code: number | null; output: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "api/src/main.ts"], { env: { ...process.env, LOG_FORMAT: "pretty", SEED_DEMO: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let stderr = "";
  child.stdout!.on("data", (b) => (output += b));
  child.stderr!.on("data", (b) => {
    output += b;
    stderr += b;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output, stderr };
}

/** A Redis server of the test's own, so it can be stopped and started without touching the shared one. */
export async function startRedis(port?: number) {
  const p = port ?? (await freePort());
  const child = spawn("redis-server", ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const { Redis } = await import("ioredis");
  await until(async () => {
    const probe = new Redis(p, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }, 10_000, "redis-server to start");
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
