// Issue 17: a request id carried from HTTP and WebSocket into the services and on into the workers.
// Run with LOG_REQUEST_IDS=edge (Node 20's default: no AsyncLocalStorage): a request's own app
// (appForRequest) puts its id on the services' lines, and the rows it leaves (survey, email, webhook
// delivery) keep it, so the scheduler's, the outbox's and the webhook sender's lines name it as
// causedBy, beside their own pass's id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { causedBy, CAUSES_LISTED, createLogger } from "../src/log.js";
import { gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startResendStandIn } from "../testkit/resend.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";
import { startWebhookReceiver } from "../testkit/webhookReceiver.js";

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  causedBy?: string[];
  causedByMore?: number;
}

const START = new Date("2026-09-01T09:00:00Z");
const RESOLVE = `mutation($id: ID!) { resolveConversation(id: $id) { id csatSurvey { state } } }`;

describe("causedBy", () => {
  it("lists the distinct ids of the rows' requests in the order seen, at most CAUSES_LISTED, counting the rest", () => {
    expect(causedBy([null, undefined])).toBeUndefined();
    expect(causedBy(["a", null, "b", "a"])).toEqual({ causedBy: ["a", "b"] });
    const many = Array.from({ length: CAUSES_LISTED + 5 }, (_, i) => `r${i}`);
    expect(causedBy([...many, ...many])).toEqual({ causedBy: many.slice(0, CAUSES_LISTED), causedByMore: 5 });
  });
});

describe.each(DB_KINDS)("request ids into the workers on %s (LOG_REQUEST_IDS=edge)", (db: DbKind) => {
  const clock = createManualClock(START);
  const lines: LogLine[] = [];
  let server: TestServer;
  let resend: Awaited<ReturnType<typeof startResendStandIn>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    resend = await startResendStandIn();
    receiver = await startWebhookReceiver();
    const log = createLogger({ format: "json", level: "debug", write: (line) => void lines.push(JSON.parse(line) as LogLine) });
    server = await startTestServer({ db, clock, log, config: { resendApiKey: "re_requestids", resendBaseUrl: resend.url, logRequestIds: "edge" } });
    ws = await createWorkspaceFixture(server.url, "Traced");
    const endpoint = await gqlOk(
      server.url,
      `mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["csat.survey.dispatched", "csat.response.created", "csat.followup.opened"]) { secret } }`,
      { url: receiver.url },
      ws.token,
    );
    receiver.setSecret(endpoint.createWebhookEndpoint.secret as string);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await resend?.stop();
    await receiver?.stop();
  });

  /** Resolves over HTTP with `x-request-id: requestId`. */
  async function resolveAs(requestId: string, conversationId: string) {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ws.token}`, "x-request-id": requestId },
      body: JSON.stringify({ query: RESOLVE, variables: { id: conversationId } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    return ((await res.json()) as { data: { resolveConversation: { csatSurvey: { state: string } } } }).data.resolveConversation.csatSurvey.state;
  }
  /** The request ids the conversation's survey, its email and its dispatched event's delivery keep. */
  async function stampedIds(conversationId: string) {
    const [row] = await server.running.app.sql.query<{ survey: string; email: string; delivery: string }>(
      `SELECT s.request_id AS survey, o.request_id AS email, d.request_id AS delivery
       FROM csat_survey s JOIN email_outbox o ON o.survey_id = s.id
       JOIN webhook_delivery d ON d.subject_id = s.id AND d.event = 'csat.survey.dispatched'
       WHERE s.conversation_id = $1::uuid`,
      [conversationId],
    );
    return row;
  }
  const line = (start: string, cause?: string) => lines.find((l) => l.msg.startsWith(start) && (cause === undefined || l.causedBy?.includes(cause)));

  it("a survey dispatched at the resolve: its email and its event name the resolve's request; the answer's events name the answer's socket operation", async () => {
    await enableCsat(server.url, ws.token, 0);
    const email = "ines@example.com";
    const conversationId = await createConversation(server.url, ws, { name: "Inès", email });
    expect(await resolveAs("req-resolve-now", conversationId)).toBe("DISPATCHED");
    // The service's own line carries the request's id without AsyncLocalStorage.
    expect(line("[csat] survey dispatched at the resolve of conversation")?.requestId).toBe("req-resolve-now");
    const stamped = await stampedIds(conversationId);
    expect(stamped).toEqual({ survey: "req-resolve-now", email: "req-resolve-now", delivery: "req-resolve-now" });

    await server.running.workers.runOnce();
    await until(() => resend.deliveredTo(email) === 1 && receiver.accepted().length === 1, 10_000, "the email and the dispatched event");
    await until(() => line("[webhooks] csat.survey.dispatched delivered", "req-resolve-now") !== undefined, 10_000, "the sender's line");
    const sent = line("[outbox] sent 1 survey email", "req-resolve-now");
    expect(sent?.requestId).toMatch(/^outbox-/);
    expect(sent?.causedBy).toEqual(["req-resolve-now"]);
    expect(line("[webhooks] csat.survey.dispatched delivered", "req-resolve-now")?.requestId).toMatch(/^webhooks-/);

    // The customer answers 2 over a WebSocket: the answer's event and the follow-up's name that operation.
    const token = tokenFromEmail(resend.requests.find((r) => JSON.stringify(r.body.to).includes(email))!.body.html);
    const socket = wsClient(server.wsUrl);
    try {
      const answered = await new Promise<unknown>((resolve, reject) => {
        socket.subscribe(
          { query: `mutation($t: String!) { submitCsat(token: $t, score: 2, comment: "Too slow") { outcome } }`, variables: { t: token } },
          { next: (r) => resolve(r.data), error: reject, complete: () => {} },
        );
      });
      expect(answered).toEqual({ submitCsat: { outcome: "ACCEPTED" } });
    } finally {
      await socket.dispose();
    }
    const operation = lines.find((l) => /^\[csat\] survey [0-9a-f-]+ answered/.test(l.msg))?.requestId;
    expect(operation).toMatch(/^ws-[0-9a-f-]{36}\/.+$/);
    await server.running.workers.runOnce();
    await until(() => receiver.accepted().length === 3, 10_000, "the answer's two events");
    for (const event of ["csat.response.created", "csat.followup.opened"]) {
      await until(() => line(`[webhooks] ${event} delivered`) !== undefined, 10_000, `${event}'s line`);
      expect(line(`[webhooks] ${event} delivered`)?.causedBy).toEqual([operation]);
    }
  });

  it("a survey the scheduler dispatches later: the scheduler's, the outbox's and the sender's lines name the resolve's request", async () => {
    await enableCsat(server.url, ws.token, 30);
    const email = "joao@example.com";
    const conversationId = await createConversation(server.url, ws, { name: "João", email });
    expect(await resolveAs("req-resolve-later", conversationId)).toBe("SCHEDULED");
    await server.running.workers.runOnce();
    expect(line("[scheduler] dispatched", "req-resolve-later")).toBeUndefined();

    clock.advance(31 * 60_000);
    await server.running.workers.runOnce();
    const dispatched = line("[scheduler] dispatched 1 survey", "req-resolve-later");
    expect(dispatched?.requestId).toMatch(/^scheduler-/);
    expect(dispatched?.causedBy).toEqual(["req-resolve-later"]);
    await until(() => resend.deliveredTo(email) === 1, 10_000, "the scheduled email");
    await until(() => line("[outbox] sent 1 survey email", "req-resolve-later") !== undefined, 10_000, "the outbox's line");
    await until(() => line("[webhooks] csat.survey.dispatched delivered", "req-resolve-later") !== undefined, 10_000, "the sender's line");
    // The survey, its email and its event row all keep the resolve's id, not the scheduler pass's.
    const stamped = await stampedIds(conversationId);
    expect(stamped).toEqual({ survey: "req-resolve-later", email: "req-resolve-later", delivery: "req-resolve-later" });
  });
});
