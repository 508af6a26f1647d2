import type { IncomingMessage, ServerResponse } from "node:http";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { useOpenTelemetry } from "@envelop/opentelemetry";
import type { Plugin } from "graphql-yoga";
import { pathForLog } from "./log.js";
import { httpRouteOf } from "./metrics.js";

/**
 * OpenTelemetry traces, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (app.ts imports this module
 * then, and only then): a server span per HTTP request (continuing a caller's `traceparent`), and
 * inside it a span per GraphQL operation (envelop's plugin; WebSocket operations get theirs too).
 * Spans carry no variables, documents or results, so no token or address leaves in a trace.
 */
export interface Tracing {
  /** The GraphQL operation spans, for Yoga's plugin list. */
  plugin: Plugin;
  /** Runs the handling of one HTTP request inside its span. */
  http(req: IncomingMessage, res: ServerResponse, handle: () => Promise<void>): Promise<void>;
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

let contextReady = false;

/**
 * `exporter` receives the spans (tests pass an in-memory one); without it they go to the OTLP/HTTP
 * collector at `endpoint` (`<endpoint>/v1/traces`), batched.
 */
export async function createTracing(options: { endpoint?: string | undefined; exporter?: SpanExporter }): Promise<Tracing> {
  let processor;
  if (options.exporter) processor = new SimpleSpanProcessor(options.exporter);
  else {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${(options.endpoint ?? "").replace(/\/+$/, "")}/v1/traces` }));
  }
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "hydra-csat" }), spanProcessors: [processor] });
  // The context (which span is current) follows awaits; set once per process.
  if (!contextReady) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const tracer = provider.getTracer("hydra-csat");
  const plugin = useOpenTelemetry({ resolvers: false, variables: false, result: false, document: false }, provider, SpanKind.INTERNAL) as Plugin;
  return {
    plugin,
    http(req, res, handle) {
      const parent = propagation.extract(context.active(), req.headers);
      const route = httpRouteOf(req.url);
      const span = tracer.startSpan(
        `${req.method ?? "GET"} ${route}`,
        { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method ?? "GET", "http.route": route, "url.path": pathForLog(req.url) } },
        parent,
      );
      res.once("close", () => {
        span.setAttribute("http.response.status_code", res.statusCode);
        if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return context.with(trace.setSpan(parent, span), handle);
    },
    shutdown: () => provider.shutdown(),
  };
}
