import type { IncomingMessage } from "node:http";

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Spends one request of `key`'s allowance. */
  take(key: string): RateDecision;
}

/**
 * A token bucket per key: `perMinute` requests a minute on average, up to `burst` at once.
 * Per process; with several processes each keeps its own buckets. `perMinute` 0 turns it off.
 */
export function createRateLimiter(options: { perMinute: number; burst?: number; now?: () => number }): RateLimiter {
  const { perMinute } = options;
  if (perMinute <= 0) return { take: () => ({ ok: true }) };
  const burst = options.burst ?? Math.max(1, Math.ceil(perMinute / 4));
  const now = options.now ?? Date.now;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sweptAt = now();
  return {
    take(key) {
      const t = now();
      if (t - sweptAt > 60_000) {
        // Forget buckets that have refilled: memory stays bounded by recent callers.
        for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= burst) buckets.delete(k);
        sweptAt = t;
      }
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    },
  };
}

/** The caller's address: the socket's peer (no proxy headers are trusted). */
export function clientIp(req: IncomingMessage | undefined): string {
  return req?.socket.remoteAddress ?? "unknown";
}

export interface RateLimits {
  /** Per IP, on the public token endpoints (submit, survey by token, the rating page). */
  publicToken: RateLimiter;
  /** Per API key, on everything an API key calls. */
  apiKey: RateLimiter;
}
