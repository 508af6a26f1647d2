import { resolve } from "node:path";

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
  /** How often each process looks for due surveys and unsent emails. */
  workerIntervalMs: number;
  /** Requests a minute per IP on the public token endpoints; 0 turns the limit off. */
  rateLimitTokenPerMinute: number;
  /** Requests a minute per API key; 0 turns the limit off. */
  rateLimitApiPerMinute: number;
  emailFrom: string;
  publicUrl: string;
  /** Never with NODE_ENV=production: the demo's passwords are public. */
  seedDemo: boolean;
  /** SEED_DEMO=1 was asked for in production, where it is ignored (main says so). */
  seedDemoRefused: boolean;
  production: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === "" ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, not ${JSON.stringify(env.PORT)}`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const production = env.NODE_ENV === "production";
  const wantsDemo = env.SEED_DEMO !== "0";
  return {
    port,
    databaseUrl,
    dataDir: resolve(env.DATA_DIR || ".data"),
    redisUrl: env.REDIS_URL || undefined,
    resendApiKey: env.RESEND_API_KEY || undefined,
    resendBaseUrl: env.RESEND_BASE_URL || undefined,
    resendTimeoutMs: positiveInt(env.RESEND_TIMEOUT_MS, 15_000, "RESEND_TIMEOUT_MS"),
    workerIntervalMs: positiveInt(env.WORKER_INTERVAL_MS, 5_000, "WORKER_INTERVAL_MS"),
    rateLimitTokenPerMinute: wholeNumber(env.RATE_LIMIT_TOKEN_PER_MIN, 120, "RATE_LIMIT_TOKEN_PER_MIN"),
    rateLimitApiPerMinute: wholeNumber(env.RATE_LIMIT_API_PER_MIN, 1200, "RATE_LIMIT_API_PER_MIN"),
    emailFrom: env.CSAT_EMAIL_FROM || "Hydra <csat@localhost>",
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ""),
    seedDemo: wantsDemo && !production,
    seedDemoRefused: production && env.SEED_DEMO === "1",
    production,
  };
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
