import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { GraphQLError } from "graphql";
import { createYoga } from "graphql-yoga";
import { systemClock, type Clock } from "./clock.js";
import type { Config } from "./config.js";
import { createContext, type Context } from "./context.js";
import { openDatabase, type Database } from "./db/client.js";
import { DATABASE_UNAVAILABLE_MESSAGE, DomainError, isDatabaseUnavailable } from "./errors.js";
import { StartupError } from "./db/dataLock.js";
import { createLogger, pathForLog, withoutSecret } from "./log.js";
import { CSAT_EXPORT_PATH, handleCsatExport } from "./http/export.js";
import { handleMcp } from "./http/mcp.js";
import { trackRequests } from "./http/drain.js";
import { handleRatingPage, sendErrorPage } from "./http/ratingPage.js";
import { graphqlGuards } from "./http/graphqlGuards.js";
import { MAX_GRAPHQL_BODY_BYTES, sendJson } from "./http/json.js";
import { createRateLimits } from "./http/rateLimit.js";
import { browserOrigins, isClientAbort, securityHeaders } from "./http/headers.js";
import { handleRest } from "./http/rest.js";
import { createStaticHandler } from "./http/static.js";
import { applyMigrations, withMigrationLock } from "./db/migrate.js";
import { createFanout } from "./fanout.js";
import { schema } from "./schema/index.js";
import { serveGraphqlWs } from "./server/ws.js";
import type { Actor } from "./services/actors.js";
import type { App } from "./deps.js";
import type { Logger } from "./log.js";
import { createResendSender } from "./services/outbox.js";
import { startWorkers, type Workers } from "./services/workers.js";
import { createProviderPacer } from "./services/providerPacing.js";
import { handleResendWebhook, RESEND_WEBHOOK_PATH } from "./http/webhooks.js";
import { DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD, seedDemo } from "./services/demo.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));
/** The built web app (`npm run build`); without it only the API is served. */
export const WEB_DIST_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

export interface AppOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
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

/** Turns domain errors into coded GraphQL errors and hides everything unexpected. */
function maskError(log: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const path = error instanceof GraphQLError ? error.path : undefined;
    if (original instanceof DomainError) {
      return new GraphQLError(original.message, { path, extensions: { ...original.extensions, code: original.code } });
    }
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) {
      const source = original instanceof GraphQLError ? original : error;
      return new GraphQLError(source.message, {
        path,
        nodes: source.nodes,
        extensions: { ...source.extensions, code: source.extensions.code ?? "BAD_USER_INPUT" },
      });
    }
    if (isDatabaseUnavailable(original)) {
      log.warn(`[db] unreachable while serving ${path ? path.join(".") : "a request"}`);
      return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, { path, extensions: { code: "SERVICE_UNAVAILABLE" } });
    }
    log.error(`unexpected error${path ? ` at ${path.join(".")}` : ""}`, original);
    return new GraphQLError("Unexpected error.", { path, extensions: { code: "INTERNAL_SERVER_ERROR" } });
  };
}

export async function buildApp(options: AppOptions): Promise<RunningApp> {
  const { config } = options;
  const log = options.log ?? createLogger();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
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
  };

  // Migrations and the demo seed under one lock: processes starting together on a fresh database
  // apply each migration once and seed one demo workspace (the others find it).
  try {
    const session = await db.openSession();
    try {
      await withMigrationLock(session, async () => {
        await applyMigrations(session, MIGRATIONS_DIR, log.info);
        if (config.seedDemo && !config.production) {
          const demo = await seedDemo(app);
          if (demo.created) {
            log.info(`[demo] seeded the "${demo.workspaceName}" workspace`);
            log.info(`[demo] sign in as ${DEMO_ADMIN_EMAIL} (ADMIN) or ${DEMO_AGENT_EMAIL} (AGENT), password: ${DEMO_PASSWORD}`);
            log.info(`[demo] demo API key, shown only now: ${demo.apiKey}`);
          } else {
            log.info(`[demo] sign in as ${DEMO_ADMIN_EMAIL} or ${DEMO_AGENT_EMAIL}, password: ${DEMO_PASSWORD}`);
          }
        }
      });
    } finally {
      await session.release();
    }
  } catch (err) {
    await fanout.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }

  const yoga = createYoga<{ req?: IncomingMessage; actor?: Actor | null }, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: config.production ? false : { subscriptionsProtocol: "WS" },
    maskedErrors: { maskError: maskError(log) },
    logging: false,
    plugins: graphqlGuards({ production: config.production, limits: app.limits }),
    // Browsers may call with credentials from our own origin and ALLOWED_ORIGINS only.
    cors: (request) => {
      const origin = request.headers.get("origin");
      return origin && allowedOrigins.has(origin) ? { origin: [origin], credentials: true, maxAge: 600 } : false;
    },
    context: async (initial) => {
      const ip = app.limits.clientIp(initial.req);
      // WebSocket operations arrive with the actor found when the socket connected.
      if (initial.actor !== undefined) return { app, actor: initial.actor, badCredentials: false, operator: false, ip };
      return { ...(await createContext(app, { authorization: initial.request.headers.get("authorization") })), ip };
    },
  });

  const allowedOrigins = browserOrigins(config);
  const serveWeb = createStaticHandler(WEB_DIST_DIR);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      // Logged without the token a rating link carries; answered as a page where a page was asked for.
      const path = pathForLog(req.url);
      const html = servesHtml(path);
      if (isClientAbort(req, err)) {
        log.info(`[http] ${req.method} ${path}: the client went away mid-request`);
        res.destroy();
        return;
      }
      if (isDatabaseUnavailable(err)) {
        log.warn(`[db] unreachable while serving ${req.method} ${path}`);
        if (html) return sendErrorPage(res, 503);
        if (!res.headersSent) res.writeHead(503, { "content-type": "application/json", "retry-after": "5" });
        res.end(JSON.stringify({ error: DATABASE_UNAVAILABLE_MESSAGE }));
        return;
      }
      log.error(`request ${req.method} ${path} failed`, withoutSecret(err, tokenInPath(req.url)));
      if (html) return sendErrorPage(res, 500);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Unexpected error." }));
    });
  });
  const requests = trackRequests(server);
  let ready = false;
  const databaseReachable = () =>
    Promise.race([
      db.prisma.$queryRaw`SELECT 1`.then(() => true, () => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
    ]);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    securityHeaders(res, url.pathname);
    if (url.pathname === "/healthz") {
      const ok = ready && (await databaseReachable());
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(ok ? { ok } : { ok, error: ready ? DATABASE_UNAVAILABLE_MESSAGE : "starting" }));
      return;
    }
    if (url.pathname === "/graphql") {
      if (req.method === "POST") {
        const length = Number(req.headers["content-length"]);
        if (!req.headers["content-length"] || !Number.isFinite(length)) {
          return sendJson(res, 411, { errors: [{ message: "POST /graphql needs a Content-Length" }] });
        }
        if (length > MAX_GRAPHQL_BODY_BYTES) {
          req.resume();
          return sendJson(res, 413, { errors: [{ message: `Request body is larger than ${MAX_GRAPHQL_BODY_BYTES} bytes` }] });
        }
      }
      await yoga(req, res, { req });
      return;
    }
    if (url.pathname === CSAT_EXPORT_PATH) return handleCsatExport(app, req, res, url);
    if (url.pathname === RESEND_WEBHOOK_PATH) return handleResendWebhook(app, config.resendWebhookSecret, req, res);
    if (url.pathname.startsWith("/api/") && (await handleRest(app, req, res, url.pathname))) return;
    if (url.pathname === "/mcp") return handleMcp(app, req, res);
    const rating = /^\/csat\/([^/]+)$/.exec(url.pathname);
    if (rating) return handleRatingPage(app, req, res, rating[1]!, url);
    if (await serveWeb(req, res)) return;
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "Not found" }));
  }

  const wss = serveGraphqlWs(app, yoga, server, { maxOperations: config.wsMaxSubscriptions });

  let workers: Workers | null = null;
  const running: RunningApp = {
    app,
    db,
    get workers(): Workers {
      if (!workers) throw new Error("workers start with start()");
      return workers;
    },
    async start(port = config.port) {
      // A failure to listen is the start's alone: the WebSocket server, which hears the HTTP
      // server's errors, would print it with a stack as an internal error of its own.
      const others = server.rawListeners("error") as ((...args: unknown[]) => void)[];
      server.removeAllListeners("error");
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", (err: NodeJS.ErrnoException) => {
            if (err.code === "EADDRINUSE") reject(new StartupError(`[start] port ${port} is already in use; stop what is using it or set PORT to another port`));
            else if (err.code === "EACCES") reject(new StartupError(`[start] no permission to listen on port ${port}; set PORT to another port`));
            else reject(err);
          });
          server.listen(port, () => resolve());
        });
      } finally {
        server.removeAllListeners("error");
        for (const listener of others) server.on("error", listener);
      }
      ready = true;
      workers = startWorkers(app, {
        sender: config.resendApiKey ? createResendSender(config.resendApiKey, config.resendBaseUrl) : null,
        intervalMs: config.workerIntervalMs,
        sendTimeoutMs: config.resendTimeoutMs,
        pacer: createProviderPacer({ requestsPerSecond: config.resendRequestsPerSecond, redis: fanout.redis, log }),
        ...(config.instantHandOff ? { listen: db.listen } : {}),
      });
      void workers.runOnce();
      const { port: actual } = server.address() as AddressInfo;
      log.info(`[http] listening on http://localhost:${actual} (GraphQL and graphql-ws at /graphql)`);
      return `http://localhost:${actual}`;
    },
    async stop() {
      ready = false;
      // The workers stop beside the drain: an email being sent is aborted, never waited for.
      const workersStopped = workers?.stop();
      for (const socket of wss.clients) socket.close(1001, "Server shutting down");
      const sockets = new Promise<void>((resolve) => wss.close(() => resolve()));
      // Every request already received is answered; whatever still runs after STOP_FORCE_MS is cut,
      // so `npm start` ends within its 10 s.
      await requests.drain(STOP_FORCE_MS, () => log.info("[http] draining: new connections are refused; requests already received are answered"));
      for (const socket of wss.clients) socket.terminate();
      await sockets;
      await workersStopped;
      await fanout.close();
      await db.close();
      log.info("[http] stopped");
    },
  };
  return running;
}

/** How long a stop waits for requests in flight before cutting them (main exits after 10 s). */
const STOP_FORCE_MS = 7000;

/** Routes that answer pages (the rating page, the web app) rather than JSON. */
function servesHtml(path: string): boolean {
  if (path.startsWith("/api/csat/unsubscribe/")) return true;
  return !(path === "/graphql" || path === "/healthz" || path === "/mcp" || path === CSAT_EXPORT_PATH || path.startsWith("/api/"));
}

/** The token of a rating-page path, to keep it out of logged errors. */
function tokenInPath(url: string | undefined): string | undefined {
  return /^\/csat\/([^/?#]+)/.exec(url ?? "")?.[1];
}
