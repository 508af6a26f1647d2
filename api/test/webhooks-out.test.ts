// Issue 15, part 6: outgoing webhooks. Endpoints registered by admins; events written to the delivery
// outbox in the transaction that causes them; POSTed signed per Standard Webhooks to a real local
// receiver that verifies with the standardwebhooks package; retries, kill -9 and the SSRF guard.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { sealSecret } from "../src/services/webhookSecrets.js";
import { postWebhook } from "../src/services/webhookTargets.js";
import { codes, gql, gqlOk, until } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startServerProcess } from "../testkit/processes.js";
import { createTestDatabase, DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";
import { startWebhookReceiver } from "../testkit/webhookReceiver.js";

const START = new Date("2026-07-01T09:00:00Z");
const ALL_EVENTS = ["csat.survey.dispatched", "csat.response.created", "csat.followup.opened"];

const CREATE = `mutation($url: String!, $events: [String!]!) {
  createWebhookEndpoint(url: $url, events: $events) { secret endpoint { id url events enabled createdAt } }
}`;
const DELIVERIES = `query($id: ID!) {
  webhookDeliveries(endpointId: $id) { id event state attempts responseStatus lastError createdAt lastAttemptAt nextAttemptAt deliveredAt }
}`;

async function register(url: string, token: string, endpointUrl: string, events = ALL_EVENTS) {
  const data = await gqlOk(url, CREATE, { url: endpointUrl, events }, token);
  return data.createWebhookEndpoint as { secret: string; endpoint: { id: string; url: string; events: string[] } };
}

const deliveries = async (url: string, token: string, endpointId: string) =>
  (await gqlOk(url, DELIVERIES, { id: endpointId }, token)).webhookDeliveries as Record<string, any>[];

/** Resolves a new conversation (CSAT on, no delay): its survey is dispatched at once. Returns the survey's id and token. */
async function dispatchOne(server: TestServer, ws: WorkspaceFixture, email = "kim@example.com") {
  const id = await createConversation(server.url, ws, { name: "Kim", email });
  await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
  const [row] = await server.running.app.sql.query<{ surveyId: string; html: string }>(
    `SELECT s.id AS "surveyId", o.html FROM csat_survey s JOIN email_outbox o ON o.survey_id = s.id WHERE s.conversation_id = $1::uuid`,
    [id],
  );
  return { conversationId: id, surveyId: row!.surveyId, token: tokenFromEmail(row!.html) };
}

describe.each(DB_KINDS)("outgoing webhooks on %s", (db: DbKind) => {
  const clock = createManualClock(START);
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ db, clock, config: { outboxLeaseMs: 6000 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("delivers both survey events signed per Standard Webhooks, each once, with the survey's data", async () => {
    const receiver = await startWebhookReceiver();
    const narrow = await startWebhookReceiver();
    try {
      const ws = await createWorkspaceFixture(server.url, "Hooked");
      await enableCsat(server.url, ws.token, 0);
      const { secret, endpoint } = await register(server.url, ws.token, receiver.url);
      receiver.setSecret(secret);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(endpoint).toMatchObject({ url: receiver.url, events: ALL_EVENTS });
      const onlyAnswers = await register(server.url, ws.token, narrow.url, ["csat.response.created"]);
      narrow.setSecret(onlyAnswers.secret);

      const survey = await dispatchOne(server, ws);
      await until(() => receiver.accepted().length === 1, 10_000, "the dispatched event");
      clock.advance(60_000);
      const answer = await gqlOk(server.url, `mutation($t: String!) { submitCsat(token: $t, score: 2, comment: "Slow") { outcome } }`, { t: survey.token });
      expect(answer.submitCsat.outcome).toBe("ACCEPTED");
      // A 2 is at or below the follow-up threshold (2): the answer opens a follow-up, and says so too.
      await until(() => receiver.accepted().length === 3 && narrow.accepted().length === 1, 10_000, "the answer's events");

      const [dispatched] = receiver.accepted();
      const answered = receiver.accepted().find((r) => r.type === "csat.response.created");
      const opened = receiver.accepted().find((r) => r.type === "csat.followup.opened");
      expect(dispatched).toMatchObject({
        type: "csat.survey.dispatched",
        timestamp: START.toISOString(),
        data: {
          surveyId: survey.surveyId,
          conversationId: survey.conversationId,
          score: null,
          comment: null,
          bot: { id: ws.botId, name: "Ava" },
          channel: { id: ws.channelId, name: "Website chat", kind: "WEB_WIDGET" },
          // Credited at dispatch to the admin who resolved it; asked in the workspace's language.
          teammate: { id: ws.adminId },
          locale: "en",
        },
      });
      expect(answered).toMatchObject({ type: "csat.response.created", data: { surveyId: survey.surveyId, score: 2, comment: "Slow", bot: { name: "Ava" } } });
      const followUp = await server.running.app.prisma.csatFollowUp.findUniqueOrThrow({ where: { surveyId: survey.surveyId } });
      expect(opened).toMatchObject({ data: { surveyId: survey.surveyId, score: 2, followUpId: followUp.id, ownerId: ws.adminId, teammate: { id: ws.adminId } } });
      expect(narrow.accepted().map((r) => r.type)).toEqual(["csat.response.created"]);
      // Every request carried the three headers and verified; the webhook-id is the delivery's id.
      for (const r of receiver.received) {
        expect(r.verified).toBe(true);
        expect(r.headers["webhook-signature"]).toMatch(/^v1,/);
      }
      // The receiver has answered; the sender marks each delivery just after (a moment later on a busy machine).
      await until(async () => (await deliveries(server.url, ws.token, endpoint.id)).every((d) => d.state === "SUCCEEDED"), 10_000, "the deliveries marked");
      const listed = await deliveries(server.url, ws.token, endpoint.id);
      expect(listed.map((d) => [d.event, d.state, d.attempts, d.responseStatus]).sort()).toEqual([
        ["csat.followup.opened", "SUCCEEDED", 1, 204],
        ["csat.response.created", "SUCCEEDED", 1, 204],
        ["csat.survey.dispatched", "SUCCEEDED", 1, 204],
      ]);
      expect(new Set(listed.map((d) => d.id))).toEqual(new Set(receiver.received.map((r) => r.id)));
      // A body is dropped once delivered.
      const kept = await server.running.app.sql.query(`SELECT payload FROM webhook_delivery WHERE endpoint_id = $1::uuid AND payload IS NOT NULL`, [endpoint.id]);
      expect(kept).toEqual([]);

      // Another workspace's admin sees none of it; its events go nowhere here.
      const other = await createWorkspaceFixture(server.url, "Elsewhere");
      expect(codes(await gql(server.url, DELIVERIES, { id: endpoint.id }, other.token))).toEqual(["NOT_FOUND"]);
      expect((await gqlOk(server.url, `{ webhookEndpoints { id } }`, {}, other.token)).webhookEndpoints).toEqual([]);
    } finally {
      await receiver.stop();
      await narrow.stop();
    }
  });

  it("a survey dispatched later by the scheduler sends its event then, from the scheduler's statement", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const ws = await createWorkspaceFixture(server.url, "Delayed");
      await enableCsat(server.url, ws.token, 60);
      const { secret, endpoint } = await register(server.url, ws.token, receiver.url, ["csat.survey.dispatched"]);
      receiver.setSecret(secret);
      const id = await createConversation(server.url, ws, { name: "Lee", email: "lee@example.com" });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      await server.running.workers.runOnce();
      expect(await deliveries(server.url, ws.token, endpoint.id)).toEqual([]);
      clock.advance(61 * 60_000);
      await server.running.workers.runOnce();
      await until(() => receiver.accepted().length === 1, 10_000, "the scheduled dispatch's event");
      expect(receiver.accepted()[0]).toMatchObject({ type: "csat.survey.dispatched", data: { conversationId: id, bot: { id: ws.botId } } });
    } finally {
      await receiver.stop();
    }
  });

  it("a receiver that fails twice then succeeds gets the event once as a success: 3 attempts, with backoff", async () => {
    const receiver = await startWebhookReceiver({ failFirst: 2 });
    try {
      const ws = await createWorkspaceFixture(server.url, "Flaky");
      await enableCsat(server.url, ws.token, 0);
      const { secret, endpoint } = await register(server.url, ws.token, receiver.url, ["csat.survey.dispatched"]);
      receiver.setSecret(secret);
      await dispatchOne(server, ws);
      const attempted = async (n: number) =>
        until(
          async () => {
            // Counted when claimed, marked once answered: wait for the mark too.
            const [d] = await deliveries(server.url, ws.token, endpoint.id);
            return d?.attempts === n && d.responseStatus !== null && receiver.received.length === n;
          },
          10_000,
          `attempt ${n}`,
        );
      await attempted(1);
      let [delivery] = await deliveries(server.url, ws.token, endpoint.id);
      expect(delivery).toMatchObject({ state: "PENDING", attempts: 1, responseStatus: 500, lastError: "answered 500" });
      expect(new Date(delivery!.nextAttemptAt).getTime() - clock.now().getTime()).toBe(5_000);
      // Not due yet: a pass now sends nothing.
      await server.running.workers.runOnce();
      expect(receiver.received.length).toBe(1);
      clock.advance(5_000);
      await server.running.workers.runOnce();
      await attempted(2);
      [delivery] = await deliveries(server.url, ws.token, endpoint.id);
      expect(new Date(delivery!.nextAttemptAt).getTime() - clock.now().getTime()).toBe(20_000);
      clock.advance(20_000);
      await server.running.workers.runOnce();
      await attempted(3);
      // Later passes send nothing more.
      clock.advance(86_400_000);
      await server.running.workers.runOnce();
      expect(receiver.received.map((r) => r.answered)).toEqual([500, 500, 204]);
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
      expect(receiver.accepted()).toHaveLength(1);
      [delivery] = await deliveries(server.url, ws.token, endpoint.id);
      expect(delivery).toMatchObject({ state: "SUCCEEDED", attempts: 3, responseStatus: 204, lastError: null, nextAttemptAt: null });
      expect(delivery!.deliveredAt).not.toBeNull();
    } finally {
      await receiver.stop();
    }
  });

  it("erasing the customer takes the comment out of an event still waiting to be sent; the event goes with the score", async () => {
    const receiver = await startWebhookReceiver({ failFirst: 1 });
    try {
      const ws = await createWorkspaceFixture(server.url, "Erasing");
      await enableCsat(server.url, ws.token, 0);
      const { secret, endpoint } = await register(server.url, ws.token, receiver.url, ["csat.response.created"]);
      receiver.setSecret(secret);
      const survey = await dispatchOne(server, ws, "erase-me@example.com");
      const comment = "Call me back on 555-0100, Dana";
      await gqlOk(server.url, `mutation($t: String!, $c: String) { submitCsat(token: $t, score: 4, comment: $c) { outcome } }`, { t: survey.token, c: comment });
      // The first attempt fails: the event waits, its body (with the comment) kept for the retry.
      await until(async () => (await deliveries(server.url, ws.token, endpoint.id))[0]?.responseStatus === 500, 10_000, "the first attempt, marked");
      expect(JSON.parse(receiver.received[0]!.body).data.comment).toBe(comment);
      const payloadOf = async () =>
        JSON.stringify((await server.running.app.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } })).payload);
      expect(await payloadOf()).toContain("555-0100");
      const { customerId } = await server.running.app.prisma.conversation.findUniqueOrThrow({ where: { id: survey.conversationId } });
      await gqlOk(server.url, `mutation($id: ID!) { eraseCustomer(id: $id) }`, { id: customerId }, ws.token);
      expect(await payloadOf()).not.toContain("555-0100");
      clock.advance(5_000);
      await server.running.workers.runOnce();
      await until(() => receiver.accepted().length === 1, 10_000, "the retry");
      expect(receiver.accepted()[0]).toMatchObject({ type: "csat.response.created", data: { surveyId: survey.surveyId, score: 4, comment: null } });
      expect(receiver.received.every((r) => r.verified)).toBe(true);
    } finally {
      await receiver.stop();
    }
  });

  it("no answer in time is a failed attempt; after a day of failures the delivery is given up (FAILED)", async () => {
    const hanging = (await import("node:http")).createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const failing = await startWebhookReceiver({ failFirst: 1000 });
    try {
      const ws = await createWorkspaceFixture(server.url, "Gone");
      await enableCsat(server.url, ws.token, 0);
      const slow = await register(server.url, ws.token, `http://127.0.0.1:${(hanging.address() as { port: number }).port}/`, ["csat.survey.dispatched"]);
      const { endpoint } = await register(server.url, ws.token, failing.url, ["csat.survey.dispatched"]);
      await dispatchOne(server, ws);
      // A pass of our own besides the instant one (which the first test shows), so this waits on no timing.
      void server.running.workers.runOnce();
      // The lease is 6 s here, so a receiver has 3 s (10 s with the default lease of 60 s).
      await until(async () => (await deliveries(server.url, ws.token, slow.endpoint.id))[0]?.lastError != null, 15_000, "the timeout").catch(async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(await deliveries(server.url, ws.token, slow.endpoint.id))} ${server.log.lines.slice(-10).join("\n")}`);
      });
      expect((await deliveries(server.url, ws.token, slow.endpoint.id))[0]).toMatchObject({ attempts: 1, lastError: "no answer within 3 s" });
      await gqlOk(server.url, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: slow.endpoint.id }, ws.token);
      await until(async () => (await deliveries(server.url, ws.token, endpoint.id))[0]?.attempts === 1, 10_000, "the first attempt");
      for (let i = 0; i < 40; i++) {
        clock.advance(7_200_000);
        await server.running.workers.runOnce();
        if ((await deliveries(server.url, ws.token, endpoint.id))[0]?.state === "FAILED") break;
      }
      const [delivery] = await deliveries(server.url, ws.token, endpoint.id);
      // Tries at 0 h, then every 2 h (each pass here): the one at 24 h is the last (the next would fall past the day).
      expect(delivery).toMatchObject({ state: "FAILED", attempts: 13, responseStatus: 500, lastError: "answered 500", nextAttemptAt: null });
      expect(failing.received).toHaveLength(13);
    } finally {
      await failing.stop();
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it("shows the secret once: no field, listing or column holds it afterwards", async () => {
    const ws = await createWorkspaceFixture(server.url, "Secretive");
    const { secret, endpoint } = await register(server.url, ws.token, "https://hooks.example.com/csat?k=1");
    expect(endpoint.url).toBe("https://hooks.example.com/csat?k=1");
    const listed = await gqlOk(server.url, `{ webhookEndpoints { id url events enabled createdAt } }`, {}, ws.token);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const type = await gqlOk(server.url, `{ __type(name: "WebhookEndpoint") { fields { name } } }`, {}, ws.token);
    expect(type.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual(["createdAt", "enabled", "events", "id", "url"]);
    const [row] = await server.running.app.sql.query<{ sealed: string }>(`SELECT secret_sealed AS sealed FROM webhook_endpoint WHERE id = $1::uuid`, [endpoint.id]);
    expect(row!.sealed).not.toContain(secret.slice(6, 20));
    expect(row!.sealed).toMatch(/^v1\./);
    const audit = await gqlOk(server.url, `{ auditLog { action after } }`, {}, ws.token);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(audit.auditLog.map((a: { action: string }) => a.action)).toContain("Created webhook endpoint");
  });

  it("ADMIN only (teammates and API keys with ADMIN); AGENT forbidden; bad input refused with nothing stored", async () => {
    const ws = await createWorkspaceFixture(server.url, "Guarded");
    const agentKey = (await gqlOk(server.url, `mutation { createApiKey(name: "agent", role: AGENT) { key } }`, {}, ws.token)).createApiKey.key;
    const adminKey = (await gqlOk(server.url, `mutation { createApiKey(name: "admin", role: ADMIN) { key } }`, {}, ws.token)).createApiKey.key;
    const url = "https://hooks.example.com/a";
    expect(codes(await gql(server.url, CREATE, { url, events: ALL_EVENTS }, agentKey))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(server.url, `{ webhookEndpoints { id } }`, {}, agentKey))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(server.url, CREATE, { url, events: ALL_EVENTS }))).toEqual(["UNAUTHENTICATED"]);
    const { endpoint } = await register(server.url, adminKey, url);
    expect(codes(await gql(server.url, DELIVERIES, { id: endpoint.id }, agentKey))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(server.url, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpoint.id }, agentKey))).toEqual(["FORBIDDEN"]);

    for (const [bad, events] of [
      ["not a url", ALL_EVENTS],
      ["ftp://hooks.example.com/", ALL_EVENTS],
      ["http://hooks.example.com/", ALL_EVENTS], // http only to loopback
      ["https://user:pw@hooks.example.com/", ALL_EVENTS],
      [url, []],
      [url, ["csat.everything"]],
    ] as const) {
      const result = await gql(server.url, CREATE, { url: bad, events }, ws.token);
      expect(codes(result), `${bad} ${events.join(",")}`).toEqual(["BAD_USER_INPUT"]);
    }
    const listed = await gqlOk(server.url, `{ webhookEndpoints { url } }`, {}, adminKey);
    expect(listed.webhookEndpoints).toEqual([{ url }]);
    expect((await gqlOk(server.url, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpoint.id }, adminKey)).deleteWebhookEndpoint).toBe(true);
    expect((await gqlOk(server.url, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpoint.id }, ws.token)).deleteWebhookEndpoint).toBe(false);
    expect((await gqlOk(server.url, `{ webhookEndpoints { id } }`, {}, ws.token)).webhookEndpoints).toEqual([]);
  });
});

describe.each(DB_KINDS)("SSRF in production on %s", (db: DbKind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ db, config: { production: true } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses http, and hosts that are or resolve to private, loopback or link-local addresses, with nothing stored", async () => {
    const ws = await createWorkspaceFixture(server.url, "Prod");
    for (const bad of [
      "http://127.0.0.1:8080/hooks",
      "http://hooks.example.com/",
      "https://127.0.0.1/hooks",
      "https://localhost/hooks",
      "https://10.1.2.3/hooks",
      "https://192.168.0.10/hooks",
      "https://172.16.5.4/hooks",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hooks",
      "https://[fd00::1]/hooks",
      "https://[::ffff:10.0.0.1]/hooks",
      "https://100.64.0.1/hooks",
      "https://0.0.0.0/hooks",
      "https://nowhere.invalid/hooks",
    ]) {
      expect(codes(await gql(server.url, CREATE, { url: bad, events: ALL_EVENTS }, ws.token)), bad).toEqual(["BAD_USER_INPUT"]);
    }
    expect((await gqlOk(server.url, `{ webhookEndpoints { id } }`, {}, ws.token)).webhookEndpoints).toEqual([]);
    const [row] = await server.running.app.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_endpoint`);
    expect(row!.n).toBe(0);
  });

  it("refuses at send time too: a name that resolves to loopback now (DNS rebinding) is never connected to", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const ws = await createWorkspaceFixture(server.url, "Rebound");
      await enableCsat(server.url, ws.token, 0);
      // As if hooks.example.com had resolved to a public address at registration and to 127.0.0.1 now.
      const port = new URL(receiver.url).port;
      const { app } = server.running;
      const id = crypto.randomUUID();
      for (const [endpointId, url] of [
        [id, `https://localhost:${port}/hooks`],
        [crypto.randomUUID(), `https://127.0.0.1:${port}/hooks`],
        [crypto.randomUUID(), `http://127.0.0.1:${port}/hooks`],
      ] as const) {
        await app.prisma.webhookEndpoint.create({
          data: { id: endpointId, workspaceId: ws.workspaceId, url, events: ["csat.survey.dispatched"], secretSealed: sealSecret(app, endpointId, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") },
        });
      }
      await dispatchOne(server, ws);
      await until(async () => {
        const rows = await app.sql.query<{ lastError: string | null }>(`SELECT last_error AS "lastError" FROM webhook_delivery WHERE workspace_id = $1::uuid`, [ws.workspaceId]);
        return rows.length === 3 && rows.every((r) => r.lastError?.startsWith("refused"));
      }, 10_000, "the three deliveries refused");
      expect(receiver.received).toEqual([]);
      const direct = await postWebhook(`https://localhost:${port}/hooks`, {}, "{}", { timeoutMs: 1000, production: true });
      expect(direct).toMatchObject({ status: null, error: expect.stringContaining("not a public address") });
    } finally {
      await receiver.stop();
    }
  });
});

describe.each(DB_KINDS)("kill -9 between commit and POST on %s", (db: DbKind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "hydra-webhooks-"));
    if (db === "postgres") database = await createTestDatabase();
    // The embedded database is made and migrated here first, so the process under test starts in seconds.
    else await (await startTestServer({ db, config: { dataDir, databaseUrl: undefined } })).stop();
  }, 180_000);
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the event committed before the crash is delivered once after the restart", async () => {
    const receiver = await startWebhookReceiver();
    const env = { DATABASE_URL: database?.url ?? "", DATA_DIR: dataDir, WORKER_INTERVAL_MS: "100", OUTBOX_LEASE_MS: "4000" };
    try {
      // Two minutes to start: this machine may be busy, and a start is not what this test measures.
      const doomed = await startServerProcess({ ...env, HYDRA_FAULT: "webhooks:after-claim" }, 120_000);
      const ws = await createWorkspaceFixture(doomed.url, "Crashy");
      await enableCsat(doomed.url, ws.token, 0);
      const { secret, endpoint } = await register(doomed.url, ws.token, receiver.url, ["csat.survey.dispatched"]);
      receiver.setSecret(secret);
      const id = await createConversation(doomed.url, ws, { name: "Kim", email: "kim@example.com" });
      // The resolve commits the survey and its delivery; the sender claims it and dies before the POST.
      await gql(doomed.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token).catch(() => null);
      await Promise.race([doomed.stop("SIGCONT"), new Promise((r) => setTimeout(r, 10_000))]);
      expect(doomed.child.signalCode, "the process died at webhooks:after-claim").toBe("SIGKILL");
      expect(receiver.received).toEqual([]);

      const restarted = await startServerProcess(env, 120_000);
      try {
        await until(() => receiver.accepted().length === 1, 20_000, "the delivery after the restart").catch((err: Error) => {
          throw new Error(`${err.message}\n${restarted.output()}\n--- before the crash:\n${doomed.output()}`);
        });
        const [delivery] = await deliveries(restarted.url, ws.token, endpoint.id);
        // The attempt claimed before the crash counts: 2 (more only if the loaded machine made an attempt time out).
        expect(delivery).toMatchObject({ event: "csat.survey.dispatched", state: "SUCCEEDED", responseStatus: 204 });
        expect(delivery!.attempts).toBeGreaterThanOrEqual(2);
        expect(receiver.accepted()[0]).toMatchObject({ id: delivery!.id, type: "csat.survey.dispatched", data: { conversationId: id } });
        await new Promise((r) => setTimeout(r, 1500));
        expect(receiver.accepted()).toHaveLength(1);
      } finally {
        expect(await restarted.stop()).toBe(0);
      }
    } finally {
      await receiver.stop();
    }
  }, 300_000);
});
