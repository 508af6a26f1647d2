/**
 * A signal that aborts after `ms` or when `stop` does, whichever is first, held by a plain timer.
 *
 * Not `AbortSignal.any([stop, AbortSignal.timeout(ms)])`: the combined signal holds its sources
 * weakly, so a timeout signal nothing else refers to may be garbage-collected before it fires, and
 * a call to a server that never answers then waits for ever (a webhook POST did, under load).
 * `clear()` when the call is over; `timedOut()` tells a timeout from a stop.
 */
export function deadline(ms: number, stop?: AbortSignal): { signal: AbortSignal; clear(): void; timedOut(): boolean } {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError"));
  }, ms);
  const onStop = () => controller.abort(stop?.reason);
  if (stop?.aborted) onStop();
  else stop?.addEventListener("abort", onStop, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      stop?.removeEventListener("abort", onStop);
    },
    timedOut: () => expired,
  };
}
