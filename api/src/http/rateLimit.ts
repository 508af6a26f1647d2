import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";

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

/**
 * Finds the caller's address: the socket's peer, or, when that peer is one of `trustedProxies`
 * (addresses or CIDR ranges), the last address in X-Forwarded-For that is not a trusted proxy
 * (the one the nearest proxy we trust saw). With no trusted proxies the header is ignored.
 */
export function createClientIp(trustedProxies: readonly string[]): (req: IncomingMessage | undefined) => string {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address, bits] = entry.split("/") as [string, string | undefined];
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  const isTrusted = (address: string) => {
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
    const family = isIP(plain);
    return family !== 0 && trusted.check(plain, family === 6 ? "ipv6" : "ipv4");
  };
  return (req) => {
    const peer = req?.socket.remoteAddress ?? "unknown";
    if (trustedProxies.length === 0 || !isTrusted(peer)) return peer;
    const header = req?.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((h) => h.trim()).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (!isIP(hop)) return peer;
      if (!isTrusted(hop)) return hop;
    }
    return hops[0] ?? peer;
  };
}

/**
 * Growing waits after failures (sign-in): the first `free` failures of a key cost nothing; after
 * that each failure makes the key wait `baseMs`, doubling, at most `maxMs`, before it may try again.
 * A success clears the key. A key is forgotten `forgetMs` after its last failure.
 */
export interface FailureDelays {
  /** Whether `key` may try now, and how many failures it has to its name. */
  check(key: string): Promise<FailureState>;
  fail(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

export interface FailureDelayOptions {
  free: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
}

export interface FailureState {
  failures: number;
  decision: RateDecision;
}

/** Per account and address: 5 free failures, then 1 s doubling up to 15 minutes. */
export const SIGN_IN_DELAYS: FailureDelayOptions = { free: 5, baseMs: 1_000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 };
/** Per account, from every address together (a spread-out attack): 20 free failures, then the same waits. */
export const SIGN_IN_ACCOUNT_DELAYS: FailureDelayOptions = { ...SIGN_IN_DELAYS, free: 20 };

const waitAfter = (o: FailureDelayOptions, failures: number) =>
  failures < o.free ? 0 : Math.min(o.maxMs, o.baseMs * 2 ** Math.min(30, failures - o.free));
const decision = (waitMs: number): RateDecision =>
  waitMs <= 0 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };

export function createFailureDelays(options: FailureDelayOptions & { now?: () => number }): FailureDelays {
  const local = createLocalFailures(options);
  return { check: async (key) => local.check(key), fail: async (key) => local.fail(key), clear: async (key) => local.clear(key) };
}

function createLocalFailures(options: FailureDelayOptions & { now?: () => number }) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { failures: number; until: number; at: number }>();
  let sweptAt = now();
  const sweep = (t: number) => {
    if (t - sweptAt < 60_000) return;
    for (const [k, e] of entries) if (t - e.at > options.forgetMs) entries.delete(k);
    sweptAt = t;
  };
  return {
    check(key: string): FailureState {
      const t = now();
      sweep(t);
      const entry = entries.get(key);
      const live = entry && t - entry.at <= options.forgetMs ? entry : undefined;
      return { failures: live?.failures ?? 0, decision: decision(live ? live.until - t : 0) };
    },
    fail(key: string): void {
      const t = now();
      const entry = entries.get(key);
      const failures = (entry && t - entry.at <= options.forgetMs ? entry.failures : 0) + 1;
      entries.set(key, { failures, until: t + waitAfter(options, failures), at: t });
    },
    clear(key: string): void {
      entries.delete(key);
    },
  };
}

/** The same delays kept in Redis (shared by every process); each process's own while Redis fails. */
export function createSharedFailureDelays(redis: Redis, name: string, options: FailureDelayOptions, log: Logger): FailureDelays {
  const local = createLocalFailures(options);
  if (!("hydraFailure" in redis)) redis.defineCommand("hydraFailure", { numberOfKeys: 1, lua: FAILURES });
  const run = (redis as unknown as { hydraFailure(key: string, op: string, ...args: number[]): Promise<[number, number]> }).hydraFailure.bind(redis);
  const k = (key: string) => `hydra:fail:${name}:${key}`;
  let failing = false;
  const shared = async <T>(op: () => Promise<T>, fallback: () => T): Promise<T> => {
    if (redis.status !== "ready") return fallback();
    try {
      const value = await op();
      failing = false;
      return value;
    } catch (err) {
      if (!failing) log.warn(`[rate] ${name} delays fall back to this process's own while Redis fails (${(err as Error).message})`);
      failing = true;
      return fallback();
    }
  };
  return {
    check: (key) =>
      shared(async () => {
        const [failures, waitMs] = await run(k(key), "check");
        return { failures, decision: decision(waitMs) };
      }, () => local.check(key)),
    fail: (key) =>
      shared(async () => {
        await run(k(key), "fail", options.free, options.baseMs, options.maxMs, options.forgetMs);
      }, () => local.fail(key)),
    clear: (key) =>
      shared(async () => {
        await redis.del(k(key));
      }, () => local.clear(key)),
  };
}

// KEYS[1] the key; ARGV[1] "check" (returns {failures, milliseconds still to wait}) or "fail" with ARGV[2..5]
// free, base, max and forget milliseconds (counts a failure and sets the wait), on Redis's clock.
const FAILURES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] == 'check' then
  local b = redis.call('HMGET', KEYS[1], 'failures', 'until')
  return {tonumber(b[1]) or 0, math.max(0, (tonumber(b[2]) or 0) - now)}
end
local free, base, max, forget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local wait = 0
if failures >= free then wait = math.min(max, base * 2 ^ math.min(30, failures - free)) end
redis.call('HSET', KEYS[1], 'until', now + wait)
redis.call('PEXPIRE', KEYS[1], forget)
return wait
`;

export interface RateLimits {
  /** Per IP, on the public token endpoints (submit, survey by token, the rating page). */
  publicToken: RateLimiter;
  /** Per API key, on everything an API key calls. */
  apiKey: RateLimiter;
  /** Per IP, on createWorkspace. */
  signup: RateLimiter;
  /** Per IP, on signIn. */
  signIn: RateLimiter;
  /** Per account and IP: growing waits after failed sign-ins. */
  signInFailures: FailureDelays;
  /** Per account, all IPs together: growing waits for the IPs that failed on it (see signIn). */
  signInAccountFailures: FailureDelays;
  /** Per IP, on startWidgetConversation and a visitor's messages. */
  widget: RateLimiter;
  /** Per conversation, on its visitor's messages. */
  visitorMessages: RateLimiter;
  /** Who is asking, believing X-Forwarded-For only from TRUSTED_PROXIES. */
  clientIp(req: IncomingMessage | undefined): string;
}

/** Every limit of the server, shared through Redis when there is one: N processes still allow one limit. */
export function createRateLimits(
  config: Pick<Config, "rateLimitTokenPerMinute" | "rateLimitApiPerMinute" | "rateLimitSignupPerHour" | "rateLimitSignInPerMinute" | "rateLimitWidgetPerMinute" | "trustedProxies">,
  redis: Redis | null | undefined,
  log: Logger,
): RateLimits {
  const limiter = (name: string, options: RateLimitOptions) =>
    redis ? createSharedRateLimiter(redis, name, options, log) : createRateLimiter(options);
  return {
    publicToken: limiter("token", { perMinute: config.rateLimitTokenPerMinute }),
    apiKey: limiter("apikey", { perMinute: config.rateLimitApiPerMinute }),
    signup: limiter("signup", { perMinute: config.rateLimitSignupPerHour / 60, burst: Math.min(3, config.rateLimitSignupPerHour) }),
    signIn: limiter("signin", { perMinute: config.rateLimitSignInPerMinute }),
    signInFailures: redis ? createSharedFailureDelays(redis, "signin", SIGN_IN_DELAYS, log) : createFailureDelays(SIGN_IN_DELAYS),
    signInAccountFailures: redis
      ? createSharedFailureDelays(redis, "signin-account", SIGN_IN_ACCOUNT_DELAYS, log)
      : createFailureDelays(SIGN_IN_ACCOUNT_DELAYS),
    widget: limiter("widget", { perMinute: config.rateLimitWidgetPerMinute }),
    visitorMessages: limiter("conversation", { perMinute: config.rateLimitWidgetPerMinute }),
    clientIp: createClientIp(config.trustedProxies),
  };
}
