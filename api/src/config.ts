import { isIP } from "node:net";
import { resolve } from "node:path";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./log.js";
import { REQUEST_ID_REACHES, type RequestIdReach } from "./requestId.js";

/** Everything the server reads from its environment, read once at start. */
export interface Config {
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  resendApiKey: string | undefined;
  /** Resend's API base; the SDK's own default when unset. */
  resendBaseUrl: string | undefined;
  /** How long one call to Resend may take before it counts as failed (and is tried again later). */
  resendTimeoutMs: number;
  /** How long a claimed email is reserved for its sender; one that died lets it go after this. */
  outboxLeaseMs: number;
  /** Connections in the PostgreSQL pool of each process (unused with PGlite). */
  databasePoolSize: number;
  /** Calls to Resend a second, all processes together (Resend's default team limit is 2). */
  resendRequestsPerSecond: number;
  /** A committed outbox email wakes the senders at once (always, but for tests that send only on runOnce). */
  instantHandOff: boolean;
  /** The `whsec_…` secret of the Resend webhook (Svix signature); unset: POST /api/webhooks/resend answers 404. */
  resendWebhookSecret: string | undefined;
  /** How often each process looks for due surveys and unsent emails. */
  workerIntervalMs: number;
  /** Requests a minute per IP on the public token endpoints; 0 turns the limit off. */
  rateLimitTokenPerMinute: number;
  /** Requests a minute per API key; 0 turns the limit off. */
  rateLimitApiPerMinute: number;
  /** Operations (subscriptions, queries, mutations) one WebSocket may run at once. */
  wsMaxSubscriptions: number;
  emailFrom: string;
  publicUrl: string;
  /** Never with NODE_ENV=production: the demo's passwords are public. */
  seedDemo: boolean;
  /** SEED_DEMO=1 was asked for in production, where it is ignored (main says so). */
  seedDemoRefused: boolean;
  production: boolean;
  /** `open`: anyone may create a workspace; `closed`: only with the operator token. */
  signup: "open" | "closed";
  /** The bearer token that may create workspaces when sign-up is closed. */
  operatorToken: string | undefined;
  /** Browser origins allowed besides PUBLIC_URL's (CORS and MCP's Origin check). */
  allowedOrigins: string[];
  /** Peers whose X-Forwarded-For is believed (addresses or CIDR ranges); empty: none. */
  trustedProxies: string[];
  /** createWorkspace per IP an hour; 0 turns the limit off. */
  rateLimitSignupPerHour: number;
  /** signIn attempts per IP a minute; 0 turns the limit off. Failures per account also slow down. */
  rateLimitSignInPerMinute: number;
  /** startWidgetConversation and visitor messages, per IP and per conversation a minute; 0 turns it off. */
  rateLimitWidgetPerMinute: number;
  /**
   * The 32-byte key that seals outgoing webhooks' signing secrets (AES-256-GCM); unset: a key file
   * made once in DATA_DIR (see services/webhookSecrets.ts).
   */
  webhookEncryptionKey: Buffer | undefined;
  /** scrypt's cost as log2(N) for new password hashes: 17 (N=2^17). Tests may lower it. */
  scryptLogN: number;
  /** The least level written: debug adds a line per request. */
  logLevel: LogLevel;
  /** `json` lines, `pretty` human lines, or `auto` (pretty on a terminal, else JSON). */
  logFormat: LogFormat;
  /** Request ids on every line a request causes (`all`), on the transports' and workers' lines only (`edge`), or `auto`. */
  logRequestIds: RequestIdReach;
  /** Bearer token GET /metrics asks for; unset, /metrics is open (keep it off the public network). */
  metricsToken: string | undefined;
  /** OTLP/HTTP collector base URL; set, traces of HTTP requests and GraphQL operations are sent there. */
  otlpEndpoint: string | undefined;
}

/**
 * Every environment variable the server reads, each with a row in the README's configuration table
 * (a test compares the two). readConfig can read no other: its `env` is typed with these names.
 */
export const CONFIG_VARIABLES = [
  "PORT",
  "DATABASE_URL",
  "DATABASE_POOL_SIZE",
  "DATA_DIR",
  "REDIS_URL",
  "RESEND_API_KEY",
  "RESEND_BASE_URL",
  "RESEND_TIMEOUT_MS",
  "OUTBOX_LEASE_MS",
  "CSAT_EMAIL_FROM",
  "PUBLIC_URL",
  "SEED_DEMO",
  "NODE_ENV",
  "WORKER_INTERVAL_MS",
  "RATE_LIMIT_TOKEN_PER_MIN",
  "RATE_LIMIT_API_PER_MIN",
  "WS_MAX_SUBSCRIPTIONS",
  "SIGNUP",
  "OPERATOR_TOKEN",
  "ALLOWED_ORIGINS",
  "TRUSTED_PROXIES",
  "RATE_LIMIT_SIGNUP_PER_HOUR",
  "RATE_LIMIT_SIGNIN_PER_MIN",
  "RATE_LIMIT_WIDGET_PER_MIN",
  "RESEND_REQUESTS_PER_SECOND",
  "RESEND_WEBHOOK_SECRET",
  "WEBHOOK_ENCRYPTION_KEY",
  "LOG_LEVEL",
  "LOG_FORMAT",
  "LOG_REQUEST_IDS",
  "METRICS_TOKEN",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
] as const;
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

const NODE_ENVS = ["production", "development", "test"];

/**
 * NODE_ENV=production, for the one reader that runs before readConfig can: the GraphQL schema,
 * built when its module is imported. readConfig reads the same variable and refuses a value it does
 * not know at start, so a typo (`prod`) never runs as development.
 */
export function runsInProduction(): boolean {
  return process.env.NODE_ENV === "production";
}

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env: Partial<Record<ConfigVariable, string>> = source;
  const port = env.PORT === undefined || env.PORT === "" ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, not ${JSON.stringify(env.PORT)}`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error("DATABASE_URL must start with postgres:// or postgresql://");
  }
  if (env.NODE_ENV && !NODE_ENVS.includes(env.NODE_ENV)) {
    throw new Error(`NODE_ENV must be production, development or test (or unset), not ${JSON.stringify(env.NODE_ENV)}`);
  }
  const production = env.NODE_ENV === "production";
  const signup = env.SIGNUP || (production ? "closed" : "open");
  if (signup !== "open" && signup !== "closed") throw new Error(`SIGNUP must be "open" or "closed", not ${JSON.stringify(env.SIGNUP)}`);
  const operatorToken = env.OPERATOR_TOKEN || undefined;
  if (operatorToken !== undefined && operatorToken.length < 24) throw new Error("OPERATOR_TOKEN must be at least 24 characters");
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, "");
  if (!URL.canParse(publicUrl)) throw new Error(`PUBLIC_URL must be an absolute URL, not ${JSON.stringify(env.PUBLIC_URL)}`);
  if (env.SEED_DEMO && env.SEED_DEMO !== "0" && env.SEED_DEMO !== "1") throw new Error(`SEED_DEMO must be 0 or 1, not ${JSON.stringify(env.SEED_DEMO)}`);
  const wantsDemo = env.SEED_DEMO !== "0";
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new Error("REDIS_URL must start with redis:// or rediss://");
  const logLevel = (env.LOG_LEVEL || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(env.LOG_LEVEL)}`);
  const logFormat = (env.LOG_FORMAT || "auto") as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new Error(`LOG_FORMAT must be json, pretty or auto, not ${JSON.stringify(env.LOG_FORMAT)}`);
  const logRequestIds = (env.LOG_REQUEST_IDS || "auto") as RequestIdReach;
  if (!REQUEST_ID_REACHES.includes(logRequestIds)) throw new Error(`LOG_REQUEST_IDS must be all, edge or auto, not ${JSON.stringify(env.LOG_REQUEST_IDS)}`);
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) throw new Error("METRICS_TOKEN must be at least 16 characters");
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (otlpEndpoint && !/^https?:\/\/./.test(otlpEndpoint)) throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, not ${JSON.stringify(otlpEndpoint)}`);
  const resendBaseUrl = env.RESEND_BASE_URL || undefined;
  if (resendBaseUrl && !/^https?:\/\//.test(resendBaseUrl)) throw new Error(`RESEND_BASE_URL must be an http(s) URL, not ${JSON.stringify(resendBaseUrl)}`);
  return {
    port,
    databaseUrl,
    dataDir: resolve(env.DATA_DIR || ".data"),
    redisUrl,
    resendApiKey: env.RESEND_API_KEY || undefined,
    resendBaseUrl,
    resendTimeoutMs: positiveInt(env.RESEND_TIMEOUT_MS, 15_000, "RESEND_TIMEOUT_MS"),
    outboxLeaseMs: positiveInt(env.OUTBOX_LEASE_MS, 60_000, "OUTBOX_LEASE_MS"),
    databasePoolSize: positiveInt(env.DATABASE_POOL_SIZE, 10, "DATABASE_POOL_SIZE"),
    resendRequestsPerSecond: positiveNumber(env.RESEND_REQUESTS_PER_SECOND, 2, "RESEND_REQUESTS_PER_SECOND"),
    resendWebhookSecret: webhookSecret(env.RESEND_WEBHOOK_SECRET),
    instantHandOff: true,
    workerIntervalMs: positiveInt(env.WORKER_INTERVAL_MS, 5_000, "WORKER_INTERVAL_MS"),
    rateLimitTokenPerMinute: wholeNumber(env.RATE_LIMIT_TOKEN_PER_MIN, 120, "RATE_LIMIT_TOKEN_PER_MIN"),
    rateLimitApiPerMinute: wholeNumber(env.RATE_LIMIT_API_PER_MIN, 1200, "RATE_LIMIT_API_PER_MIN"),
    wsMaxSubscriptions: positiveInt(env.WS_MAX_SUBSCRIPTIONS, 20, "WS_MAX_SUBSCRIPTIONS"),
    emailFrom: env.CSAT_EMAIL_FROM || "Hydra <csat@localhost>",
    publicUrl,
    seedDemo: wantsDemo && !production,
    seedDemoRefused: production && env.SEED_DEMO === "1",
    production,
    signup,
    operatorToken,
    allowedOrigins: list(env.ALLOWED_ORIGINS).map((o) => origin(o, "ALLOWED_ORIGINS")),
    trustedProxies: list(env.TRUSTED_PROXIES).map(proxyAddress),
    rateLimitSignupPerHour: wholeNumber(env.RATE_LIMIT_SIGNUP_PER_HOUR, 10, "RATE_LIMIT_SIGNUP_PER_HOUR"),
    rateLimitSignInPerMinute: wholeNumber(env.RATE_LIMIT_SIGNIN_PER_MIN, 20, "RATE_LIMIT_SIGNIN_PER_MIN"),
    rateLimitWidgetPerMinute: wholeNumber(env.RATE_LIMIT_WIDGET_PER_MIN, 30, "RATE_LIMIT_WIDGET_PER_MIN"),
    webhookEncryptionKey: encryptionKey(env.WEBHOOK_ENCRYPTION_KEY),
    scryptLogN: 17,
    logLevel,
    logFormat,
    logRequestIds,
    metricsToken,
    otlpEndpoint,
  };
}

function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(value)}`);
  return n;
}

function webhookSecret(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^whsec_[A-Za-z0-9+/=]{8,}$/.test(value)) throw new Error("RESEND_WEBHOOK_SECRET must be the webhook's signing secret (whsec_…)");
  return value;
}

/** 32 bytes, as 64 hex digits or base64 (`openssl rand -base64 32`). */
function encryptionKey(value: string | undefined): Buffer | undefined {
  if (value === undefined || value === "") return undefined;
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(value) ? Buffer.from(value, "base64") : null;
  if (!key || key.length !== 32) throw new Error("WEBHOOK_ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)");
  return key;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  return n;
}

function wholeNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (0 turns it off), not ${JSON.stringify(value)}`);
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** `https://app.example.com` as a browser sends it in Origin: scheme, host and port only. */
function origin(value: string, name: string): string {
  if (!URL.canParse(value)) throw new Error(`${name}: ${JSON.stringify(value)} is not an origin like https://app.example.com`);
  const url = new URL(value);
  if (url.origin === "null") throw new Error(`${name}: ${JSON.stringify(value)} is not an http(s) origin`);
  return url.origin;
}

function proxyAddress(value: string): string {
  const [address, bits, extra] = value.split("/");
  const family = isIP(address ?? "");
  const prefix = bits === undefined ? undefined : Number(bits);
  if (!family || extra !== undefined || (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)))) {
    throw new Error(`TRUSTED_PROXIES: ${JSON.stringify(value)} is not an address or CIDR range (10.0.0.0/8, ::1)`);
  }
  return value;
}
