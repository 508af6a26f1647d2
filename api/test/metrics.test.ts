import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startResendStandIn } from "../testkit/resend.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

/** The Prometheus text of GET /metrics. */
async function scrape(url: string, token?: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return res.text();
}

/** The value of one series (`name{labels}`), or undefined when the scrape has no such line. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The sum of every series of `name` (all label sets). */
function total(text: string, name: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

const START = new Date("2026-06-01T12:00:00Z");

describe.each(DB_KINDS)("GET /metrics on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let resend: Awaited<ReturnType<typeof startResendStandIn>>;
  const clock = createManualClock(START);

  beforeAll(async () => {
    resend = await startResendStandIn();
    // Emails wait for runOnce (no instant hand-off), so the queue can be seen holding them.
    server = await startTestServer({ db, clock, config: { resendApiKey: "re_metrics_test_key", resendBaseUrl: resend.url, instantHandOff: false } });
    ws = await createWorkspaceFixture(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await resend?.stop();
  });

  it("exposes the series an operator watches", async () => {
    await gqlOk(server.url, `query Me { me { id } }`, {}, ws.token);
    const text = await scrape(server.url);
    const missing = [
      'hydra_http_request_duration_seconds_count{route="graphql",status="2xx"}',
      'graphql_envelop_request_duration_count{operationType="query",operationName="Me"}',
      "hydra_surveys_dispatched_total",
      'hydra_surveys_answered_total{via="WIDGET"}',
      "hydra_emails_sent_total",
      "hydra_provider_rate_limited_total",
      'hydra_queue_depth{queue="email_outbox"}',
      'hydra_queue_depth{queue="survey_schedule"}',
      'hydra_queue_oldest_due_age_seconds{queue="email_outbox"}',
      'hydra_queue_depth{queue="webhook_deliveries"}',
      "hydra_websocket_connections",
      "hydra_websocket_operations",
      "hydra_http_connections",
      "nodejs_eventloop_lag_p99_seconds",
      "process_cpu_seconds_total",
      ...(db === "postgres" ? ['hydra_db_pool_connections{state="idle"}', "hydra_db_pool_waiting", "hydra_db_pool_waits_total"] : []),
    ].filter((series) => !(value(text, series)! >= 0));
    expect(missing, text).toEqual([]);
    expect(value(text, 'hydra_http_request_duration_seconds_count{route="graphql",status="2xx"}')).toBeGreaterThan(0);
  });

  it("surveys dispatched and answered, emails sent and the queues move as a survey goes out and is answered", async () => {
    const before = await scrape(server.url);
    await enableCsat(server.url, ws.token, 0);
    const now = await createConversation(server.url, ws, { name: "Nora", email: "nora@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: now }, ws.token);
    clock.advance(90_000);
    const waiting = await scrape(server.url);
    expect(total(waiting, "hydra_surveys_dispatched_total") - total(before, "hydra_surveys_dispatched_total")).toBe(1);
    expect(value(waiting, 'hydra_queue_depth{queue="email_outbox"}')).toBe(1);
    expect(value(waiting, 'hydra_queue_oldest_due_age_seconds{queue="email_outbox"}')).toBeGreaterThanOrEqual(90);

    await server.running.workers.runOnce();
    const sent = await scrape(server.url);
    expect(total(sent, "hydra_emails_sent_total") - total(before, "hydra_emails_sent_total")).toBe(1);
    expect(value(sent, 'hydra_queue_depth{queue="email_outbox"}')).toBe(0);
    expect(value(sent, 'hydra_queue_oldest_due_age_seconds{queue="email_outbox"}')).toBe(0);

    const token = tokenFromEmail(resend.requests.find((r) => r.body.to === "nora@example.com" || (r.body.to as string[]).includes?.("nora@example.com"))!.body.html);
    await gqlOk(server.url, `mutation($t: String!) { submitCsat(token: $t, score: 5) { outcome } }`, { t: token });
    const answered = await scrape(server.url);
    expect(total(answered, "hydra_surveys_answered_total") - total(before, "hydra_surveys_answered_total")).toBe(1);
    expect(value(answered, 'hydra_surveys_answered_total{via="WIDGET"}')! - value(before, 'hydra_surveys_answered_total{via="WIDGET"}')!).toBe(1);

    // A delayed survey waits in the schedule until a scheduler dispatches it.
    await enableCsat(server.url, ws.token, 10);
    const later = await createConversation(server.url, ws, { name: "Lee" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: later }, ws.token);
    clock.advance(11 * 60_000);
    const due = await scrape(server.url);
    expect(total(due, "hydra_surveys_dispatched_total")).toBe(total(answered, "hydra_surveys_dispatched_total"));
    expect(value(due, 'hydra_queue_depth{queue="survey_schedule"}')).toBe(1);
    expect(value(due, 'hydra_queue_oldest_due_age_seconds{queue="survey_schedule"}')).toBeGreaterThanOrEqual(60);
    await server.running.workers.runOnce();
    const dispatched = await scrape(server.url);
    expect(total(dispatched, "hydra_surveys_dispatched_total") - total(due, "hydra_surveys_dispatched_total")).toBe(1);
    expect(value(dispatched, 'hydra_queue_depth{queue="survey_schedule"}')).toBe(0);
  });

  it("counts open WebSockets and the subscriptions on them", async () => {
    const client = wsClient(server.url.replace(/^http/, "ws") + "/graphql", { authorization: `Bearer ${ws.token}` });
    const dispose = client.subscribe({ query: "subscription { csatAnswered { score } }" }, { next: () => {}, error: () => {}, complete: () => {} });
    try {
      await until(async () => value(await scrape(server.url), "hydra_websocket_operations") === 1, 5000, "one subscription counted");
      expect(value(await scrape(server.url), "hydra_websocket_connections")).toBe(1);
    } finally {
      dispose();
      await client.dispose();
    }
    await until(async () => value(await scrape(server.url), "hydra_websocket_connections") === 0, 5000, "the socket's close counted");
  });
});

describe.each(DB_KINDS)("provider 429s on %s", (db: DbKind) => {
  it("each 429 the provider answers is counted", async () => {
    // One call a second at the provider; three emails handed off at once make three calls.
    const resend = await startResendStandIn({ requestsPerSecond: 1 });
    const server = await startTestServer({ db, config: { resendApiKey: "re_metrics_429_key", resendBaseUrl: resend.url, resendRequestsPerSecond: 10 } });
    try {
      const ws = await createWorkspaceFixture(server.url);
      await enableCsat(server.url, ws.token, 0);
      for (const name of ["a", "b", "c"]) {
        const id = await createConversation(server.url, ws, { name, email: `${name}@example.com` });
        await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      }
      await until(async () => value(await scrape(server.url), "hydra_emails_sent_total") === 3, 30_000, "three emails sent");
      const text = await scrape(server.url);
      expect(["a", "b", "c"].map((n) => resend.deliveredTo(`${n}@example.com`))).toEqual([1, 1, 1]);
      expect(resend.state.rateLimited).toBeGreaterThan(0);
      expect(value(text, "hydra_provider_rate_limited_total")).toBe(resend.state.rateLimited);
      expect(value(text, "hydra_emails_sent_total")).toBe(3);
    } finally {
      await server.stop();
      await resend.stop();
    }
  }, 60_000);
});

describe("METRICS_TOKEN", () => {
  it("when set, /metrics answers only a Bearer of that token", async () => {
    const token = "metrics-token-0123456789";
    const server = await startTestServer({ db: "pglite", config: { metricsToken: token } });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer metrics-token-wrong-000000" } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await scrape(server.url, token)).toContain("hydra_surveys_dispatched_total");
    } finally {
      await server.stop();
    }
  });

  it("unset, /metrics is open", async () => {
    const server = await startTestServer({ db: "pglite" });
    try {
      expect(await scrape(server.url)).toContain("hydra_http_request_duration_seconds");
    } finally {
      await server.stop();
    }
  });
});
