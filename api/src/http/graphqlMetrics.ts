import { createCounter, createHistogram, usePrometheus } from "@graphql-yoga/plugin-prometheus";
import type { Plugin } from "graphql-yoga";
import type { Metrics } from "../metrics.js";

/** Distinct operation names a process labels series with; later ones are counted as "other". */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * GraphQL operation durations and errors (Yoga's Prometheus plugin, over HTTP and WebSocket alike;
 * subscriptions' streams are left alone, see below)
 * into the server's registry, labelled by operation type and name. Names come from clients, so only
 * the first 200 well-formed ones become labels: a client inventing names cannot grow the registry
 * without end. Every other series the plugin offers is off (each costs work per request), and it
 * serves no endpoint of its own: GET /metrics does.
 */
export function graphqlMetrics(metrics: Metrics): Plugin {
  const seen = new Set<string>();
  const operationName = (name: string | undefined): string => {
    if (!name) return "anonymous";
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES || !OPERATION_NAME.test(name)) return "other";
    seen.add(name);
    return name;
  };
  const registry = metrics.registry;
  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: "graphql_envelop_request_duration",
          help: "GraphQL queries and mutations (HTTP and WebSocket), from the start of execution to its end, in seconds",
          labelNames: ["operationType", "operationName"],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        },
        fillLabelsFn: (params) => ({ operationType: params.operationType ?? "unknown", operationName: operationName(params.operationName) }),
        // Queries and mutations only: a subscription's life is no latency, and measuring it would
        // wrap every live subscription's stream in one more iterator (~1 KiB per idle widget).
        phases: ["execute"],
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: "graphql_envelop_error_result",
          help: "GraphQL operations that ended with errors, by phase (parse, validate, context, execute)",
          labelNames: ["operationType", "operationName", "phase"],
        },
        // Not "subscribe", for the same reason: it would wrap every live subscription's stream.
        phases: ["parse", "validate", "context", "execute"],
        fillLabelsFn: (params) => ({
          operationType: params.operationType ?? "unknown",
          operationName: operationName(params.operationName),
          phase: params.errorPhase ?? "execute",
        }),
      }),
      graphql_envelop_deprecated_field: false,
      graphql_envelop_request: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_execute_resolver: false,
      graphql_envelop_schema_change: false,
      graphql_yoga_http_duration: false,
    },
  });
}
