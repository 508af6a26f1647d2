import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { appForRequest } from "../context.js";
import type { App } from "../deps.js";
import { StartupError } from "../db/dataLock.js";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from "../errors.js";
import { trackRequests } from "../http/drain.js";
import { CSAT_EXPORT_PATH, handleCsatExport } from "../http/export.js";
import { handleResendWebhook, RESEND_WEBHOOK_PATH } from "../http/webhooks.js";
import { isClientAbort, securityHeaders } from "../http/headers.js";
import { MAX_GRAPHQL_BODY_BYTES, sendJson } from "../http/json.js";
import { handleMcp } from "../http/mcp.js";
import { handleRatingPage, sendErrorPage } from "../http/ratingPage.js";
import { handleRest } from "../http/rest.js";
import { createStaticHandler } from "../http/static.js";
import { handleMetrics, METRICS_PATH } from "../http/metrics.js";
import { pathForLog, requestLog, withoutSecret } from "../log.js";
import { httpRouteOf } from "../metrics.js";
import { requestIdFrom, withRequestId } from "../requestId.js";
import type { Tracing } from "../tracing.js";
import type { Yoga } from "./yoga.js";

/** How long a stop waits for requests in flight before cutting them (main exits after 10 s). */
const STOP_FORCE_MS = 7000;

export interface HttpServerOptions {
  /** The built web app's folder; without it only the API is served. */
  webDist: string;
  /** Whether the database answers, for /healthz. */
  databaseReachable: () => Promise<boolean>;
  /** The Resend webhook's `whsec_…` secret; unset, its endpoint answers 404. */
  resendWebhookSecret: string | undefined;
  /** GET /metrics asks for this bearer token when set. */
  metricsToken?: string | undefined;
  /** Spans for each request, when tracing is on. */
  tracing?: Tracing | null;
}

export interface HttpServer {
  /** The node server; the WebSocket server shares it. */
  server: Server;
  /**
   * Listens on `port` (0 for any free one) and resolves with the port taken. A port in use or
   * refused fails with a one-line StartupError; /healthz answers 200 from then on.
   */
  listen(port: number): Promise<number>;
  /**
   * /healthz answers 503 at once; new connections are refused, every request already received is
   * answered, and whatever still runs after STOP_FORCE_MS is cut.
   */
  drain(): Promise<void>;
}

/** The HTTP side of the service: /healthz, GraphQL, the CSV export, REST, MCP, rating pages and the web app. */
export function createHttpServer(app: App, yoga: Yoga, options: HttpServerOptions): HttpServer {
  const { log } = app;
  const { databaseReachable } = options;
  const serveWeb = createStaticHandler(options.webDist);
  let ready = false;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    securityHeaders(res, url.pathname);
    if (url.pathname === "/healthz") {
      const ok = ready && (await databaseReachable());
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(ok ? { ok } : { ok, error: ready ? DATABASE_UNAVAILABLE_MESSAGE : "starting" }));
      return;
    }
    // The request's own app, for the routes that run services (not /metrics, not the web app's
    // files): its id on every line the services write and on the work it leaves the workers.
    const own = () => appForRequest(app, res.getHeader("x-request-id") as string);
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
      await yoga(req, res, { req, app: own() });
      return;
    }
    if (url.pathname === METRICS_PATH) return handleMetrics(app, options.metricsToken, req, res);
    if (url.pathname === CSAT_EXPORT_PATH) return handleCsatExport(own(), req, res, url);
    if (url.pathname === RESEND_WEBHOOK_PATH) return handleResendWebhook(own(), options.resendWebhookSecret, req, res);
    if (url.pathname.startsWith("/api/") && (await handleRest(own(), req, res, url.pathname))) return;
    if (url.pathname === "/mcp") return handleMcp(own(), req, res);
    const rating = /^\/csat\/(.+)$/.exec(url.pathname);
    if (rating) return handleRatingPage(own(), req, res, rating[1]!, url);
    if (await serveWeb(req, res)) return;
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "Not found" }));
  }

  // One listener function for every response (no closure per request): the response's time goes to
  // the route's histogram, and with LOG_LEVEL=debug a line to the log under the request's id.
  const logRequests = log.debug !== undefined && app.config.logLevel === "debug";
  function responded(this: TimedResponse) {
    const seconds = (performance.now() - this[STARTED]) / 1000;
    app.metrics.httpResponse(httpRouteOf(this.req.url), this.statusCode, seconds);
    if (logRequests) {
      log.debug?.(`[http] ${this.req.method} ${pathForLog(this.req.url)} ${this.statusCode} ${(seconds * 1000).toFixed(1)} ms`, { requestId: String(this.getHeader("x-request-id")) });
    }
  }
  const { tracing } = options;

  const server: Server = createServer((req, res) => {
    (res as TimedResponse)[STARTED] = performance.now();
    res.on("finish", responded);
    // The caller's x-request-id (when it is a short token) or a new one: echoed, and carried into
    // every log line the request causes.
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    res.setHeader("x-request-id", requestId);
    withRequestId(requestId, serve, req, res);
  });
  const requests = trackRequests(server);

  function serve(req: IncomingMessage, res: ServerResponse): void {
    (tracing ? tracing.http(req, res, () => handle(req, res)) : handle(req, res)).catch((err) => {
      // Logged without the token a rating link carries, under the request's id; answered as a page
      // where a page was asked for.
      const log = requestLog(app.log, String(res.getHeader("x-request-id")));
      const path = pathForLog(req.url);
      const html = servesHtml(path);
      if (isClientAbort(req, err)) {
        log.info(`[http] ${req.method} ${path}: the client went away mid-request`);
        res.destroy();
        return;
      }
      if (isDatabaseUnavailable(err)) {
        log.warn(`[db] unreachable while serving ${req.method} ${path}`);
        if (html) return sendErrorPage(res, 503, req);
        if (!res.headersSent) res.writeHead(503, { "content-type": "application/json", "retry-after": "5" });
        res.end(JSON.stringify({ error: DATABASE_UNAVAILABLE_MESSAGE }));
        return;
      }
      log.error(`request ${req.method} ${path} failed`, withoutSecret(err, tokenInPath(req.url)));
      if (html) return sendErrorPage(res, 500, req);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Unexpected error." }));
    });
  }

  // Idle kept-alive sockets stay open longer than clients (undici: 4 s) and load balancers (often
  // 60 s) keep theirs: the client closes first, so it never reuses a socket the server is closing
  // at that very moment (an ECONNRESET on a busy machine). A stop closes idle sockets at once anyway.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  return {
    server,
    async listen(port) {
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
      return (server.address() as AddressInfo).port;
    },
    async drain() {
      ready = false;
      await requests.drain(STOP_FORCE_MS, () => log.info("[http] draining: new connections are refused; requests already received are answered"));
    },
  };
}

const STARTED = Symbol("started");
type TimedResponse = ServerResponse & { [STARTED]: number; req: IncomingMessage };

/** Routes that answer pages (the rating page, the web app) rather than JSON. */
function servesHtml(path: string): boolean {
  if (path.startsWith("/api/csat/unsubscribe/")) return true;
  return !(path === "/graphql" || path === "/healthz" || path === "/mcp" || path === METRICS_PATH || path === CSAT_EXPORT_PATH || path.startsWith("/api/"));
}

/** The token of a rating-page path, to keep it out of logged errors. */
function tokenInPath(url: string | undefined): string | undefined {
  return /^\/csat\/([^/?#]+)/.exec(url ?? "")?.[1];
}
