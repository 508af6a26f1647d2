import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HolderCommand, HolderReply } from "./widgetHolder.js";

const HOLDER = fileURLToPath(new URL("./widgetHolder.ts", import.meta.url));
/** Widgets one holder process keeps open at most (its open-files limit, and ports per source address). */
export const PER_HOLDER = 10_000;

interface Holder {
  child: ChildProcess;
  localAddress: string;
  ask<T extends HolderReply["type"]>(command: HolderCommand, expect: T): Promise<Extract<HolderReply, { type: T }>>;
}

function startHolder(k: number): Holder {
  const child = fork(HOLDER, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting: ((m: HolderReply) => void)[] = [];
  child.on("message", (m: HolderReply) => waiting.shift()?.(m));
  return {
    child,
    // Each holder connects from an address of its own in 127.0.0.0/8.
    localAddress: `127.0.0.${2 + k}`,
    ask(command, expect) {
      return new Promise((resolve, reject) => {
        waiting.push((m) => (m.type === expect ? resolve(m as never) : reject(new Error(`holder: ${m.type}, not ${expect}`))));
        child.send(command);
      });
    },
  };
}

/**
 * Widgets held by child processes (bench/lib/widgetHolder.ts), 10,000 at most in each, each from its
 * own source address: the bench alone could not keep 40,000 sockets open. Receipt times are on the
 * monotonic clock every process shares (bench/lib/clock.ts).
 */
export interface WidgetFleet {
  /** Opens widgets for conversations `from`…`from + count − 1` of the seed, on `wsUrl`; resolves with how many opened. */
  open(seed: string, wsUrl: string, from: number, count: number): Promise<number>;
  /** Every prompt received so far: conversation → receipt times. */
  prompts(): Promise<Map<string, number[]>>;
  closeAll(): Promise<void>;
  stop(): Promise<void>;
}

export function createWidgetFleet(): WidgetFleet {
  const holders: Holder[] = [];
  /** Widgets each holder has open. */
  const load: number[] = [];
  return {
    async open(seed, wsUrl, from, count) {
      const jobs: Promise<number>[] = [];
      let left = count;
      let next = from;
      while (left > 0) {
        let k = load.findIndex((n) => n < PER_HOLDER);
        if (k < 0) {
          holders.push(startHolder(holders.length));
          load.push(0);
          k = holders.length - 1;
        }
        const n = Math.min(left, PER_HOLDER - load[k]!);
        load[k]! += n;
        const holder = holders[k]!;
        jobs.push(
          holder.ask({ type: "open", seed, wsUrl, from: next, count: n, localAddress: holder.localAddress }, "opened").then((r) => {
            if (r.error) throw new Error(`widgets on ${wsUrl} from ${holder.localAddress}: ${r.error}`);
            return r.count;
          }),
        );
        next += n;
        left -= n;
      }
      return (await Promise.all(jobs)).reduce((a, b) => a + b, 0);
    },
    async prompts() {
      const all = new Map<string, number[]>();
      for (const h of holders) for (const [id, at] of (await h.ask({ type: "collect" }, "received")).prompts) all.set(id, at);
      return all;
    },
    async closeAll() {
      await Promise.all(holders.map((h) => h.ask({ type: "close" }, "closed")));
      load.fill(0);
    },
    async stop() {
      for (const h of holders) h.child.disconnect();
      await Promise.all(holders.map((h) => (h.child.exitCode === null ? new Promise((r) => h.child.once("exit", r)) : null)));
      holders.length = 0;
      load.length = 0;
    },
  };
}
