import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The id of the request (or WebSocket operation, or worker pass) whose work is running, carried
 * through every await into the services and the log lines they write, when carrying is on.
 */
const current = new AsyncLocalStorage<string>();

/**
 * How far request ids reach: `all` carries them through AsyncLocalStorage into every line the
 * work writes; `edge` puts them on the lines the transports write (request lines, their errors,
 * socket lines) and each worker pass's lines, and leaves AsyncLocalStorage off. On Node 20 and 22
 * an AsyncLocalStorage in use hooks every promise the process makes (figures in
 * docs/operations.md); from Node 24 on (AsyncContextFrame) it costs next to nothing.
 * `auto`: `all` where it is cheap, else `edge`.
 */
export type RequestIdReach = "all" | "edge" | "auto";
export const REQUEST_ID_REACHES: readonly RequestIdReach[] = ["all", "edge", "auto"];
let carrying = false;

/** Sets how far request ids reach for this process (see RequestIdReach); returns what `auto` chose. */
export function setRequestIdReach(reach: RequestIdReach): "all" | "edge" {
  const cheap = Number(process.versions.node.split(".")[0]) >= 24 || process.execArgv.includes("--experimental-async-context-frame");
  const chosen = reach === "auto" ? (cheap ? "all" : "edge") : reach;
  carrying = chosen === "all";
  return chosen;
}

/** What a caller may send as `x-request-id` and have echoed: short, and safe to write in a log line. */
const ACCEPTABLE = /^[A-Za-z0-9._:/-]{1,128}$/;

/** The caller's `x-request-id` when it is acceptable, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === "string" && ACCEPTABLE.test(header) ? header : randomUUID();
}

/** A fresh id with a prefix naming where the work came from (`ws-…`, `scheduler-…`). */
export function newRequestId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Runs `fn(...args)` with `id` as the current request id (for everything it awaits). */
export function withRequestId<A extends unknown[], T>(id: string, fn: (...args: A) => T, ...args: A): T {
  return carrying ? current.run(id, fn, ...args) : fn(...args);
}

/** The id of the work running now, if any. */
export function currentRequestId(): string | undefined {
  return carrying ? current.getStore() : undefined;
}
