import type { Redis } from "ioredis";
import { createRateLimiter, createSharedRateLimiter, type RateLimiter } from "../http/rateLimit.js";
import type { Logger } from "../log.js";

/**
 * The pace of calls to the email provider, for all processes together: a token bucket of
 * `requestsPerSecond` (in Redis when there is one, else in this process), and a pause every sender
 * keeps when the provider answers 429 (its retry-after).
 */
export interface ProviderPacer {
  /** Waits for the next request slot; false when `stop` was aborted first. */
  acquire(stop?: AbortSignal): Promise<boolean>;
  /** The provider asked to wait `ms`: no sender (of any process, with Redis) calls it before then. */
  pause(ms: number): Promise<void>;
}

const PAUSE_KEY = "hydra:resend:pause-until";

/** Resolves after `ms`, or at once when `stop` is aborted. */
export function sleep(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    stop?.addEventListener("abort", done, { once: true });
  });
}

export function createProviderPacer(options: { requestsPerSecond: number; redis?: Redis | null | undefined; log: Logger }): ProviderPacer {
  const { requestsPerSecond, redis, log } = options;
  // Burst 1: requests evenly spaced, so the provider never sees two in less than 1/rate s.
  const bucket: RateLimiter = redis
    ? createSharedRateLimiter(redis, "resend", { perMinute: requestsPerSecond * 60, burst: 1 }, log)
    : createRateLimiter({ perMinute: requestsPerSecond * 60, burst: 1 });
  const pollMs = Math.max(20, Math.floor(1000 / requestsPerSecond / 5));
  let pausedUntil = 0;
  const sharedPause = async (): Promise<number> => {
    if (!redis || redis.status !== "ready") return 0;
    try {
      return Number(await redis.get(PAUSE_KEY)) || 0;
    } catch {
      return 0;
    }
  };
  return {
    async acquire(stop) {
      for (;;) {
        if (stop?.aborted) return false;
        const until = Math.max(pausedUntil, await sharedPause());
        if (until > Date.now()) {
          await sleep(until - Date.now(), stop);
          continue;
        }
        const decision = await bucket.take("send");
        if (decision.ok) return true;
        await sleep(Math.min(decision.retryAfterSeconds * 1000, pollMs), stop);
      }
    },
    async pause(ms) {
      const until = Date.now() + ms;
      pausedUntil = Math.max(pausedUntil, until);
      if (redis?.status === "ready") {
        // Only ever moved later (the script keeps the greater of the two).
        await redis
          .eval(
            `local cur = tonumber(redis.call('GET', KEYS[1]) or '0') if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end return 1`,
            1,
            PAUSE_KEY,
            String(until),
            String(ms + 1000),
          )
          .catch(() => {});
      }
    },
  };
}
