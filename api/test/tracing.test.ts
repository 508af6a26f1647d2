import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk, until } from "../testkit/client.js";
import { createWorkspaceFixture, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

describe.each(DB_KINDS)("OpenTelemetry traces on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    // The in-process exporter stands in for OTEL_EXPORTER_OTLP_ENDPOINT: no network.
    server = await startTestServer({ db, spanExporter: exporter });
    ws = await createWorkspaceFixture(server.url);
  });
  afterAll(() => server?.stop());

  it("a GraphQL operation gets a span inside its HTTP request's span, continuing the caller's trace", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ws.token}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: "query Me { me { id } }" }),
    });
    expect(res.status).toBe(200);
    await until(() => exporter.getFinishedSpans().length >= 2, 5000, "two spans");
    const spans = exporter.getFinishedSpans();
    const http = spans.find((s) => s.kind === SpanKind.SERVER);
    const operation = spans.find((s) => s.name === "query.Me");
    expect(http?.name).toBe("POST graphql");
    expect(http?.attributes["http.response.status_code"]).toBe(200);
    expect(http?.spanContext().traceId).toBe(traceId);
    expect(operation?.spanContext().traceId).toBe(traceId);
    expect(operation?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId);
    expect(operation?.attributes["graphql.execute.operationName"]).toBe("Me");
    // No document, variables or result: nothing a client sent is copied into a trace.
    expect(operation?.attributes["graphql.execute.document"]).toBeUndefined();
  });

  it("other routes get their HTTP span", async () => {
    exporter.reset();
    await gqlOk(server.url, "{ __typename }");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await until(() => exporter.getFinishedSpans().some((s) => s.name === "GET healthz"), 5000, "the /healthz span");
  });
});
