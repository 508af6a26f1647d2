import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The id of the request (or WebSocket operation, or worker pass) whose work is running, carried
 * through every await into the services and the log lines they write.
 */
const current = new AsyncLocalStorage<string>();

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
  return current.run(id, fn, ...args);
}

/** The id of the work running now, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}
