/**
 * Crash points for fault tests: with HYDRA_FAULT=<name>, the process kills itself (SIGKILL, no
 * cleanup) the first time it reaches that point. Unset in every real deployment.
 */
export type FaultPoint = "dispatch:after-commit" | "outbox:after-claim" | "outbox:after-send" | "settings:mid-transaction";

const armed = process.env.HYDRA_FAULT;

export function faultPoint(name: FaultPoint): void {
  if (armed === name) process.kill(process.pid, "SIGKILL");
}
