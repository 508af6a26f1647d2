import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CsatAnswerVia } from "./generated/prisma/enums.js";

/** What a queue reader returns: its depth, and how long its oldest due item has waited (null: none due). */
export type QueueReading = number | { depth: number; oldestDueAgeSeconds: number | null };

/** The HTTP routes a response is counted under (a fixed set, so the series stay few). */
export const HTTP_ROUTES = ["graphql", "rest", "export", "webhook", "mcp", "rating", "healthz", "metrics", "static"] as const;
export type HttpRoute = (typeof HTTP_ROUTES)[number];

const ANSWER_WAYS: readonly CsatAnswerVia[] = ["WIDGET", "EMAIL_LINK", "API"];

/** How long a scrape waits for one reader (a database read) before leaving its series out. */
const READ_TIMEOUT_MS = 2000;

/**
 * The series an operator watches (GET /metrics): one registry per server, counters moved on the
 * paths that do the work, and gauges read when scraped. Hot paths only increment or observe
 * prebound children: no labels object is hashed per request.
 */
export interface Metrics {
  registry: Registry;
  /** A survey became DISPATCHED (at a resolve, or by the scheduler), counted after its commit. */
  surveyDispatched(count?: number): void;
  /** An answer was stored (once per survey), by the way it came. */
  surveyAnswered(via: CsatAnswerVia): void;
  /** Emails the provider accepted. */
  emailsSent(count: number): void;
  /** The provider answered 429 (too many requests). */
  providerRateLimited(): void;
  /** One HTTP response: its route, status and time from the request's arrival, in seconds. */
  httpResponse(route: HttpRoute, status: number, seconds: number): void;
  /**
   * A queue's depth (and the age of its oldest due item), read at each scrape; a reader that fails
   * or takes longer than 2 s leaves its queue's series out of that scrape. One line per queue:
   * `app.metrics.registerQueueDepth("webhook_deliveries", () => readWebhookQueue(app.sql))`.
   */
  registerQueueDepth(queue: string, read: () => QueueReading | Promise<QueueReading>): void;
  /** Open WebSocket connections and the GraphQL operations (mostly subscriptions) running on them. */
  watchWebSockets(read: () => { sockets: number; operations: number }): void;
  /** Open HTTP connections (keep-alive and WebSocket included). */
  watchHttpConnections(read: () => Promise<number>): void;
  /** The PostgreSQL pool: connections, idle ones, requests waiting for one, and checkouts that had to wait. */
  watchPool(read: () => { total: number; idle: number; waiting: number; waits: number }): void;
  /** The series as Prometheus text. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Process-wide series (CPU, memory, GC, event-loop delay): registered once, whatever number of servers a process builds. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  processMetrics();
  const dispatched = new Counter({ name: "hydra_surveys_dispatched_total", help: "Surveys dispatched (at a resolve with no delay, or by the scheduler)", registers: [registry] });
  const answered = new Counter({ name: "hydra_surveys_answered_total", help: "Survey answers stored, by how they came", labelNames: ["via"], registers: [registry] });
  // Every way in shows from the start (at 0), so a rate over it is defined before the first answer.
  const answeredVia = new Map<string, { inc(): void }>(ANSWER_WAYS.map((via) => [via, answered.labels(via)]));
  for (const via of ANSWER_WAYS) answered.labels(via).inc(0);
  const sent = new Counter({ name: "hydra_emails_sent_total", help: "Survey and reminder emails the provider accepted", registers: [registry] });
  const rateLimited = new Counter({ name: "hydra_provider_rate_limited_total", help: "Calls the email provider answered with 429 (too many requests)", registers: [registry] });
  const http = new Histogram({
    name: "hydra_http_request_duration_seconds",
    help: "HTTP requests by route and status class, from arrival to the response's last byte handed to the socket",
    labelNames: ["route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Children bound once per route and status class (1xx–5xx), on first use.
  const httpChildren: ({ observe(v: number): void } | undefined)[] = [];

  const queues = new Map<string, () => QueueReading | Promise<QueueReading>>();
  // prom-client collects every metric of a scrape at once: the queue gauges share one reading.
  let reading: Promise<void> | null = null;
  const readQueues = (): Promise<void> =>
    (reading ??= (async () => {
      const started = performance.now();
      queueDepth.reset();
      queueAge.reset();
      await Promise.all(
        [...queues].map(async ([queue, read]) => {
          try {
            const value = await withTimeout(Promise.resolve(read()), READ_TIMEOUT_MS);
            queueDepth.labels(queue).set(typeof value === "number" ? value : value.depth);
            if (typeof value !== "number") queueAge.labels(queue).set(Math.max(0, value.oldestDueAgeSeconds ?? 0));
          } catch {
            readFailures.labels(`queue:${queue}`).inc();
          }
        }),
      );
      readSeconds.set((performance.now() - started) / 1000);
    })().finally(() => (reading = null)));
  const queueDepth = new Gauge({
    name: "hydra_queue_depth",
    help: "Items waiting in a queue (email_outbox: unsent emails; survey_schedule: surveys due, not yet dispatched); counted up to 10000",
    labelNames: ["queue"],
    registers: [registry],
    collect: readQueues,
  });
  const queueAge = new Gauge({
    name: "hydra_queue_oldest_due_age_seconds",
    help: "How long the oldest due but unsent item of a queue has waited (0: none due)",
    labelNames: ["queue"],
    registers: [registry],
    collect: readQueues,
  });
  const readFailures = new Counter({
    name: "hydra_metrics_read_failures_total",
    help: "Scrape-time readings that failed or timed out (their series were left out)",
    labelNames: ["reading"],
    registers: [registry],
    collect: readQueues,
  });
  const readSeconds = new Gauge({ name: "hydra_queue_read_seconds", help: "How long this scrape took to read every queue", registers: [registry], collect: readQueues });

  let webSockets: () => { sockets: number; operations: number } = () => ({ sockets: 0, operations: 0 });
  new Gauge({ name: "hydra_websocket_connections", help: "Open graphql-ws connections", registers: [registry], collect() { this.set(webSockets().sockets); } });
  new Gauge({ name: "hydra_websocket_operations", help: "GraphQL operations running on WebSockets (live subscriptions, mostly)", registers: [registry], collect() { this.set(webSockets().operations); } });
  let httpConnections: (() => Promise<number>) | null = null;
  new Gauge({
    name: "hydra_http_connections",
    help: "Open HTTP connections (keep-alive and WebSocket included)",
    registers: [registry],
    async collect() {
      if (httpConnections) this.set(await httpConnections());
    },
  });
  let pool: (() => { total: number; idle: number; waiting: number; waits: number }) | null = null;
  new Gauge({
    name: "hydra_db_pool_connections",
    help: "PostgreSQL pool connections by state (busy, idle)",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const stats = pool?.();
      if (!stats) return;
      this.labels("busy").set(stats.total - stats.idle);
      this.labels("idle").set(stats.idle);
    },
  });
  new Gauge({
    name: "hydra_db_pool_waiting",
    help: "Requests waiting for a PostgreSQL pool connection now",
    registers: [registry],
    collect() {
      const stats = pool?.();
      if (stats) this.set(stats.waiting);
    },
  });
  let waitsSeen = 0;
  new Counter({
    name: "hydra_db_pool_waits_total",
    help: "PostgreSQL pool checkouts that found no idle connection and had to wait",
    registers: [registry],
    collect() {
      const waits = pool?.().waits ?? 0;
      if (waits > waitsSeen) this.inc(waits - waitsSeen);
      waitsSeen = waits;
    },
  });

  return {
    registry,
    surveyDispatched: (count = 1) => {
      if (count > 0) dispatched.inc(count);
    },
    surveyAnswered: (via) => {
      let child = answeredVia.get(via);
      if (!child) answeredVia.set(via, (child = answered.labels(via)));
      child.inc();
    },
    emailsSent: (count) => {
      if (count > 0) sent.inc(count);
    },
    providerRateLimited: () => rateLimited.inc(),
    httpResponse: (route, status, seconds) => {
      const statusClass = Math.min(5, Math.max(1, Math.floor(status / 100)));
      const index = HTTP_ROUTES.indexOf(route) * 5 + statusClass - 1;
      let child = httpChildren[index];
      if (!child) httpChildren[index] = child = http.labels(route, `${statusClass}xx`);
      child.observe(seconds);
    },
    registerQueueDepth: (queue, read) => void queues.set(queue, read),
    watchWebSockets: (read) => void (webSockets = read),
    watchHttpConnections: (read) => void (httpConnections = read),
    watchPool: (read) => void (pool = read),
    async render() {
      const merged = Registry.merge([processMetrics(), registry]);
      return { contentType: merged.contentType, body: await merged.metrics() };
    },
  };
}

/** The route a request path is counted under. */
export function httpRouteOf(url: string | undefined): HttpRoute {
  const path = url ?? "/";
  if (path.startsWith("/graphql")) return "graphql";
  if (path.startsWith("/api/webhooks/")) return "webhook";
  if (path.startsWith("/api/csat/export")) return "export";
  if (path.startsWith("/api/")) return "rest";
  if (path.startsWith("/mcp")) return "mcp";
  if (path.startsWith("/csat/")) return "rating";
  if (path.startsWith("/healthz")) return "healthz";
  if (path.startsWith("/metrics")) return "metrics";
  return "static";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
