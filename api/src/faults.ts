/**
 * Crash points for fault tests: with HYDRA_FAULT=<name>, the process kills itself (SIGKILL, no
 * cleanup) the first time it reaches that point. Unset in every real deployment.
 */
export type FaultPoint = "dispatch:after-commit" | "outbox:after-claim" | "outbox:after-send" | "settings:mid-transaction" | "webhooks:after-claim" | "webhooks:after-post";

// Read here, not through readConfig: a crash point for the fault tests, not a setting of the
// server (so no row in the README's table); config.test.ts allows this file's process.env reads.
const armed = process.env.HYDRA_FAULT;

export function faultPoint(name: FaultPoint): void {
  if (armed === name) process.kill(process.pid, "SIGKILL");
}

/** Error points: with HYDRA_FAULT=<name> (read at each call, so a test may arm it in-process) they throw. */
export type ErrorPoint = "rating:lookup";

/** Throws an unexpected error that quotes `detail` (as a driver's error may quote a parameter). */
export function errorPoint(name: ErrorPoint, detail: string): void {
  if (process.env.HYDRA_FAULT === name) throw new Error(`fault ${name} while handling ${detail}`);
}
