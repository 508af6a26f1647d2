// First: V8 flags that must be set before the app allocates (see gcTuning.ts).
import "./gcTuning.js";
import { fileURLToPath } from "node:url";
import { systemClock, type Clock } from "./clock.js";
import type { Config } from "./config.js";
import { openDatabase, type Database } from "./db/client.js";
import { databaseAnswers } from "./db/health.js";
import { applyMigrations, withMigrationLock } from "./db/migrate.js";
import type { App } from "./deps.js";
import { createFanout } from "./fanout.js";
import { createRateLimits } from "./http/rateLimit.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { outboxQueue, surveyScheduleQueue, webhookQueue } from "./db/queues.js";
import { createLogger, type Logger } from "./log.js";
import { createMetrics } from "./metrics.js";
import { setRequestIdReach } from "./requestId.js";
import type { Tracing } from "./tracing.js";
import { createHttpServer } from "./server/http.js";
import { serveGraphqlWs } from "./server/ws.js";
import { createYogaServer } from "./server/yoga.js";
import { DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD, seedDemo } from "./services/demo.js";
import { createResendSender } from "./services/outbox.js";
import { startWorkers, type Workers } from "./services/workers.js";
import { createProviderPacer } from "./services/providerPacing.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));
/** The built web app (`npm run build`); without it only the API is served. */
export const WEB_DIST_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

export interface AppOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  /** Receives the trace spans in-process (tests); else they go to OTEL_EXPORTER_OTLP_ENDPOINT when set. */
  spanExporter?: SpanExporter;
}

export interface RunningApp {
  app: App;
  db: Database;
  /** The scheduler and outbox loop; tests call `runOnce()` after moving the clock. */
  workers: Workers;
  /** Listens on `port` (0 for any free one) and resolves with the base URL. */
  start(port?: number): Promise<string>;
  /** Finishes in-flight requests, closes sockets and the database. */
  stop(): Promise<void>;
}

/**
 * The service composed: the database (migrated, and seeded for the demo), the pub/sub fan-out,
 * GraphQL (Yoga), the HTTP routes and graphql-ws on one server, and the background workers.
 */
export async function buildApp(options: AppOptions): Promise<RunningApp> {
  const { config } = options;
  const log = options.log ?? createLogger();
  setRequestIdReach(config.logRequestIds);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, onConnectionLost: (line) => log.warn(line) });
  const fanout = createFanout(config.redisUrl, log);
  const app: App = {
    prisma: db.prisma,
    sql: db.sql,
    pubsub: fanout.pubsub,
    clock: options.clock ?? systemClock,
    config,
    presence: fanout.presence,
    log,
    limits: createRateLimits(config, fanout.redis, log),
    metrics: createMetrics(),
  };
  watchQueues(app, db);

  try {
    await migrateAndSeed(db, app, config);
  } catch (err) {
    await fanout.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }

  // Tracing costs nothing unless asked for: its modules load only then.
  const tracing: Tracing | null =
    config.otlpEndpoint || options.spanExporter
      ? await (await import("./tracing.js")).createTracing({ endpoint: config.otlpEndpoint, ...(options.spanExporter ? { exporter: options.spanExporter } : {}) })
      : null;
  const yoga = createYogaServer(app, tracing ? [tracing.plugin] : []);
  const databaseReachable = () =>
    Promise.race([
      databaseAnswers(db.sql),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
    ]);
  const http = createHttpServer(app, yoga, {
    webDist: WEB_DIST_DIR,
    databaseReachable,
    resendWebhookSecret: config.resendWebhookSecret,
    metricsToken: config.metricsToken,
    tracing,
  });
  app.metrics.watchHttpConnections(() => new Promise((resolve) => http.server.getConnections((err, count) => resolve(err ? 0 : count))));
  const wss = serveGraphqlWs(app, yoga, http.server, { maxOperations: config.wsMaxSubscriptions });

  let workers: Workers | null = null;
  const running: RunningApp = {
    app,
    db,
    get workers(): Workers {
      if (!workers) throw new Error("workers start with start()");
      return workers;
    },
    async start(port = config.port) {
      const actual = await http.listen(port);
      workers = startWorkers(app, {
        sender: config.resendApiKey ? createResendSender(config.resendApiKey, config.resendBaseUrl) : null,
        intervalMs: config.workerIntervalMs,
        sendTimeoutMs: config.resendTimeoutMs,
        pacer: createProviderPacer({ requestsPerSecond: config.resendRequestsPerSecond, redis: fanout.redis, log }),
        ...(config.instantHandOff ? { listen: db.listen } : {}),
      });
      void workers.runOnce();
      log.info(`[http] listening on http://localhost:${actual} (GraphQL and graphql-ws at /graphql)`);
      return `http://localhost:${actual}`;
    },
    async stop() {
      // The workers stop beside the drain: an email being sent is aborted, never waited for.
      // Its failure is logged at once: a rejection waiting for the drain would go unhandled.
      const workersStopped = workers?.stop().catch((err: unknown) => log.error("[workers] stop failed", err));
      for (const socket of wss.clients) socket.close(1001, "Server shutting down");
      const sockets = new Promise<void>((resolve) => wss.close(() => resolve()));
      // Every request already received is answered; whatever still runs after a while is cut,
      // so `npm start` ends within its 10 s.
      await http.drain();
      for (const socket of wss.clients) socket.terminate();
      await sockets;
      await workersStopped;
      await fanout.close();
      await db.close();
      await tracing?.shutdown().catch((err: unknown) => log.warn(`[otel] last spans not sent: ${(err as Error).message}`));
      log.info("[http] stopped");
    },
  };
  return running;
}

/**
 * Migrations and the demo seed under one lock: processes starting together on a fresh database
 * apply each migration once and seed one demo workspace (the others find it).
 */
async function migrateAndSeed(db: Database, app: App, config: Config): Promise<void> {
  const { log } = app;
  const session = await db.openSession();
  try {
    await withMigrationLock(session, async () => {
      await applyMigrations(session, MIGRATIONS_DIR, log.info);
      if (config.seedDemo && !config.production) {
        const demo = await seedDemo(app);
        if (demo.created) {
          log.info(`[demo] seeded the "${demo.workspaceName}" workspace`);
          // The demo's own addresses and key are for the person who started it: written unmasked.
          const notice = log.notice ?? log.info;
          notice(`[demo] sign in as ${DEMO_ADMIN_EMAIL} (ADMIN) or ${DEMO_AGENT_EMAIL} (AGENT), password: ${DEMO_PASSWORD}`);
          notice(`[demo] demo API key, shown only now: ${demo.apiKey}`);
        } else {
          (log.notice ?? log.info)(`[demo] sign in as ${DEMO_ADMIN_EMAIL} or ${DEMO_AGENT_EMAIL}, password: ${DEMO_PASSWORD}`);
        }
      }
    });
  } finally {
    await session.release();
  }
}

/** Queue depths past this are shown as this: a scrape never counts a whole backlog. */
const QUEUE_COUNT_CAP = 10_000;

/** The gauges /metrics reads at each scrape: queues (one bounded query each) and the pool. */
function watchQueues(app: App, db: Database): void {
  app.metrics.registerQueueDepth("email_outbox", () => outboxQueue(app.sql, app.clock.now(), QUEUE_COUNT_CAP));
  app.metrics.registerQueueDepth("survey_schedule", () => surveyScheduleQueue(app.sql, app.clock.now(), QUEUE_COUNT_CAP));
  app.metrics.registerQueueDepth("webhook_deliveries", () => webhookQueue(app.sql, app.clock.now(), QUEUE_COUNT_CAP));
  if (db.poolStats) app.metrics.watchPool(db.poolStats);
}
