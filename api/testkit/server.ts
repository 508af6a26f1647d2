import { randomBytes } from "node:crypto";
import pg from "pg";
import { buildApp, type RunningApp } from "../src/app.js";
import type { Clock } from "../src/clock.js";
import { readConfig, type Config } from "../src/config.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../src/log.js";

export type DbKind = "pglite" | "postgres";
export const DB_KINDS: DbKind[] = ["pglite", "postgres"];

/** The server's PostgreSQL; each test server gets a database of its own there. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A fresh, empty database on the PostgreSQL server at `adminUrl`; `drop()` removes it. */
export async function createTestDatabase(
  options: { prefix?: string; adminUrl?: string } = {},
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const adminUrl = options.adminUrl ?? PG_ADMIN_URL;
  const name = `${options.prefix ?? "hydra_t"}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Collects the server's log lines, so tests can read them and the output stays quiet. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (line) => void lines.push(line),
    warn: (line) => void lines.push(`WARN ${line}`),
    error: (line, err) => void lines.push(`ERROR ${line} ${err instanceof Error ? err.stack : String(err ?? "")}`),
  };
}

export interface TestServer {
  url: string;
  wsUrl: string;
  running: RunningApp;
  log: ReturnType<typeof createMemoryLogger>;
  stop(): Promise<void>;
}

/**
 * A real server on a free port, over a fresh PGlite in memory or a fresh PostgreSQL database. Pass
 * `config.databaseUrl` or `config.dataDir` to use a database that outlives the server (restarts).
 */
export async function startTestServer(
  options: { db: DbKind; clock?: Clock; config?: Partial<Config>; port?: number; spanExporter?: SpanExporter; log?: Logger } = { db: "pglite" },
): Promise<TestServer> {
  const ownDatabase = options.db === "postgres" && !options.config?.databaseUrl;
  const database = ownDatabase ? await createTestDatabase() : null;
  const config: Config = {
    ...readConfig({}),
    port: 0,
    dataDir: "memory://",
    databaseUrl: database?.url,
    seedDemo: false,
    workerIntervalMs: 60_000,
    // Tests send many requests from one address; the limits have tests of their own.
    rateLimitTokenPerMinute: 0,
    rateLimitApiPerMinute: 0,
    rateLimitSignupPerHour: 0,
    rateLimitSignInPerMinute: 0,
    rateLimitWidgetPerMinute: 0,
    // Fast password hashes; the production cost (2^17) has a test of its own (hardening/abuse).
    scryptLogN: 14,
    publicUrl: "http://csat.test",
    ...options.config,
  };
  const log = createMemoryLogger();
  // A test that reads the lines' fields passes a logger of its own (then `log` stays empty).
  const running = await buildApp({ config, log: options.log ?? log, ...(options.clock ? { clock: options.clock } : {}), ...(options.spanExporter ? { spanExporter: options.spanExporter } : {}) });
  const url = await running.start(options.port ?? 0);
  return {
    url,
    wsUrl: url.replace(/^http/, "ws") + "/graphql",
    running,
    log,
    async stop() {
      await running.stop();
      await database?.drop();
    },
  };
}
