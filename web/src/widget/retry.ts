/** Reconnect waits: 1 s, 2 s, 4 s … capped at 15 s, with jitter so reconnecting widgets spread out. */
export function retryDelay(retries: number, random = Math.random): number {
  return Math.min(15_000, 1000 * 2 ** retries) + Math.floor(random() * 500);
}
