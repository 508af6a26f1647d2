import type { IncomingMessage } from "node:http";
import type { Redis } from "ioredis";
import type { Logger } from "../services/app.js";

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Spends one request of `key`'s allowance. */
  take(key: string): Promise<RateDecision>;
}

export interface RateLimitOptions {
  perMinute: number;
  /** Requests allowed at once; a quarter of a minute's by default. */
  burst?: number;
}

const defaultBurst = (perMinute: number) => Math.max(1, Math.ceil(perMinute / 4));
const ALLOW: Promise<RateDecision> = Promise.resolve({ ok: true });

/**
 * A token bucket per key: `perMinute` requests a minute on average, up to `burst` at once, in this
 * process's memory. `perMinute` 0 turns it off. (With Redis, see createSharedRateLimiter.)
 */
export function createRateLimiter(options: RateLimitOptions & { now?: () => number }): RateLimiter {
  const local = createLocalBuckets(options);
  return { take: (key) => Promise.resolve(local(key)) };
}

function createLocalBuckets(options: RateLimitOptions & { now?: () => number }): (key: string) => RateDecision {
  const { perMinute } = options;
  if (perMinute <= 0) return () => ({ ok: true });
  const burst = options.burst ?? defaultBurst(perMinute);
  const now = options.now ?? Date.now;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sweptAt = now();
  return (key) => {
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
  };
}

/**
 * The same token bucket kept in Redis, so that several server processes share one allowance per
 * key (as they share one service): one Lua script reads, refills and spends a bucket atomically, on
 * Redis's clock, and lets it expire once it would be full again. While Redis cannot answer, each
 * process falls back to its own buckets (logged once per outage), so a Redis outage neither opens
 * the gates nor closes them.
 */
export function createSharedRateLimiter(redis: Redis, name: string, options: RateLimitOptions, log: Logger): RateLimiter {
  const { perMinute } = options;
  if (perMinute <= 0) return { take: () => ALLOW };
  const burst = options.burst ?? defaultBurst(perMinute);
  const local = createLocalBuckets(options);
  // EVALSHA, falling back to EVAL once per connection: the script is not sent with every request.
  if (!("hydraTokenBucket" in redis)) redis.defineCommand("hydraTokenBucket", { numberOfKeys: 1, lua: TOKEN_BUCKET });
  const spend = (redis as unknown as { hydraTokenBucket(key: string, perMinute: number, burst: number): Promise<[number, number]> }).hydraTokenBucket.bind(redis);
  let failing = false;
  let shared = false;
  const fallBack = (why: string, key: string) => {
    if (!failing) log.warn(`[rate] ${name} limits fall back to this process's own while Redis fails (${why})`);
    failing = true;
    return local(key);
  };
  return {
    async take(key) {
      // Not connected (yet, or any more): no round trip that can only fail. Until the first
      // connection is up at start, quietly; after an outage begins, said once.
      if (redis.status !== "ready") return failing || shared ? fallBack(`connection ${redis.status}`, key) : local(key);
      try {
        const [ok, retryMs] = await spend(`hydra:rate:${name}:${key}`, perMinute, burst);
        if (failing) log.info(`[rate] ${name} limits are shared through Redis again`);
        failing = false;
        shared = true;
        return ok === 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
      } catch (err) {
        return fallBack((err as Error).message, key);
      }
    },
  };
}

// KEYS[1] the bucket; ARGV[1] per minute, ARGV[2] burst. Returns {1, 0} when a token was spent,
// else {0, milliseconds until one is there}.
const TOKEN_BUCKET = `
local perMs = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perMs) + 1000)
if ok == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / perMs)}
`;

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
