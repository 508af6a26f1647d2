import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { check, saveChecks } from "./hardening/checks.js";
import { gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startResendStandIn } from "../testkit/resend.js";
import { createTestDatabase, DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const MINUTE = 60_000;

async function patch(url: string, id: string, body: unknown, token: string) {
  const res = await fetch(`${url}/api/conversations/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function mcpClient(url: string, token: string) {
  const client = new McpClient({ name: "lifecycle-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return client;
}

async function surveyOf(server: TestServer, conversationId: string) {
  return server.running.app.prisma.csatSurvey.findUnique({ where: { conversationId } });
}

async function outboxOf(server: TestServer, conversationId: string) {
  return server.running.app.prisma.emailOutbox.findMany({ where: { survey: { conversationId } } });
}

afterAll(() => saveChecks("lifecycle"));


describe.each(DB_KINDS)("survey lifecycle on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  const clock = createManualClock(new Date("2026-06-01T12:00:00Z"));
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer({ db, clock });
    ws = await createWorkspaceFixture(server.url);
    apiKey = (await gqlOk(server.url, `mutation { createApiKey(name: "test") { key } }`, {}, ws.token)).createApiKey.key;
  });
  afterAll(() => server?.stop());

  it("each door creates the survey once, and records how it was resolved", async () => {
    await enableCsat(server.url, ws.token, 0);
    const viaInbox = await createConversation(server.url, ws, { name: "A", email: "a@example.com" });
    const viaApi = await createConversation(server.url, ws, { name: "B", email: "b@example.com" });
    const viaMcp = await createConversation(server.url, ws, { name: "C", email: "c@example.com" });

    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: viaInbox }, ws.token);
    const rest = await patch(server.url, viaApi, { status: "resolved" }, apiKey);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ id: viaApi, status: "resolved", csatSurvey: { state: "DISPATCHED", resolvedVia: "API" } });
    const mcp = await mcpClient(server.url, apiKey);
    const tools = await mcp.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(["close_conversation", "csat_report", "list_csat_responses", "reopen_conversation", "update_csat_follow_up"]);
    const closed = await mcp.callTool({ name: "close_conversation", arguments: { conversation_id: viaMcp } });
    expect((closed.content as { text: string }[])[0]!.text).toBe(`Conversation ${viaMcp} resolved; a CSAT survey was created.`);

    for (const [id, via] of [[viaInbox, "INBOX"], [viaApi, "API"], [viaMcp, "MCP"]] as const) {
      const survey = await surveyOf(server, id);
      expect(survey).toMatchObject({ state: "DISPATCHED", resolvedVia: via, botId: ws.botId, channelId: ws.channelId, emailed: true });
      expect(survey!.expiresAt!.getTime() - survey!.dispatchedAt!.getTime()).toBe(30 * 24 * 60 * MINUTE);
      // Reopen and resolve again through every door: still that one survey, one email.
      await gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id }, ws.token);
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      expect((await patch(server.url, id, { status: "resolved" }, apiKey)).status).toBe(200);
      const again = await mcp.callTool({ name: "close_conversation", arguments: { conversation_id: id } });
      expect((again.content as { text: string }[])[0]!.text).toContain("was already resolved; no CSAT survey was created");
      expect(await server.running.app.prisma.csatSurvey.count({ where: { conversationId: id } })).toBe(1);
      expect(await outboxOf(server, id)).toHaveLength(1);
    }
    await mcp.close();
  });

  it("50 concurrent resolves across the three doors make one survey and one outbox row", async () => {
    await enableCsat(server.url, ws.token, 0);
    const id = await createConversation(server.url, ws, { name: "Racer", email: "race@example.com" });
    const mcp = await mcpClient(server.url, apiKey);
    const attempts = Array.from({ length: 50 }, (_, i) => {
      if (i % 3 === 0) return gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      if (i % 3 === 1) return patch(server.url, id, { status: "resolved" }, apiKey);
      return mcp.callTool({ name: "close_conversation", arguments: { conversation_id: id } });
    });
    const results = await Promise.all(attempts);
    const created = results.filter(
      (r) => "content" in r && (r.content as { text: string }[])[0]!.text.includes("a CSAT survey was created"),
    );
    expect(created.length).toBeLessThanOrEqual(1);
    expect(await server.running.app.prisma.csatSurvey.count({ where: { conversationId: id } })).toBe(1);
    expect(await outboxOf(server, id)).toHaveLength(1);
    // Every attempt succeeded on its door: GraphQL without errors (gqlOk), REST 200 with the survey, MCP no tool error.
    const graphql = results.filter((_, i) => i % 3 === 0) as { resolveConversation: { id: string } }[];
    const rest = results.filter((_, i) => i % 3 === 1) as Awaited<ReturnType<typeof patch>>[];
    const tools = results.filter((_, i) => i % 3 === 2) as { isError?: boolean; content: { text: string }[] }[];
    expect(graphql.every((r) => r.resolveConversation.id === id)).toBe(true);
    const restOk = rest.every((r) => r.status === 200 && r.body.status === "resolved" && r.body.csatSurvey?.state === "DISPATCHED");
    expect(check("11.19", restOk), `REST statuses: ${rest.map((r) => r.status).join(", ")}`).toBe(true);
    const toolsOk = tools.every((r) => !r.isError && /^Conversation \S+ (resolved|was already resolved); (a|no) CSAT survey was created\.$/.test(r.content[0]!.text));
    expect(check("11.19", toolsOk), JSON.stringify(tools.filter((r) => r.isError))).toBe(true);
    // Exactly one attempt created the survey: the one its door records. When that was MCP, its answer says so
    // (and its resolve was the one that changed the conversation); otherwise no MCP answer claims either.
    const survey = await surveyOf(server, id);
    const mcpWon = survey!.resolvedVia === "MCP" ? 1 : 0;
    const changedByMcp = tools.filter((r) => /^Conversation \S+ resolved; /.test(r.content[0]!.text)).length;
    expect(check("11.19", created.length === mcpWon && changedByMcp === mcpWon), `${created.length} MCP answers say created; the survey was made via ${survey!.resolvedVia}`).toBe(true);
    expect(survey).toMatchObject({ state: "DISPATCHED", emailed: true });
    await mcp.close();
  });

  it("with CSAT off no door creates a survey, and none comes later", async () => {
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: false }) { enabled } }`, {}, ws.token);
    const ids = await Promise.all([1, 2, 3].map(() => createConversation(server.url, ws)));
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: ids[0] }, ws.token);
    await patch(server.url, ids[1]!, { status: "resolved" }, apiKey);
    const mcp = await mcpClient(server.url, apiKey);
    const r = await mcp.callTool({ name: "close_conversation", arguments: { conversation_id: ids[2] } });
    expect((r.content as { text: string }[])[0]!.text).toContain("resolved; no CSAT survey was created");
    await mcp.close();
    await enableCsat(server.url, ws.token, 0);
    for (const id of ids) {
      await gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id }, ws.token);
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      expect(await surveyOf(server, id)).toBeNull();
    }
  });

  it("skipCsat resolves without a survey on every door", async () => {
    await enableCsat(server.url, ws.token, 0);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createConversation(server.url, ws)));
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id, skipCsat: true) { id } }`, { id: a }, ws.token);
    expect((await patch(server.url, b!, { status: "resolved", skipCsat: true }, apiKey)).body.csatSurvey).toBeNull();
    const mcp = await mcpClient(server.url, apiKey);
    await mcp.callTool({ name: "close_conversation", arguments: { conversation_id: c, skip_csat: true } });
    await mcp.close();
    for (const id of [a, b, c]) expect(await surveyOf(server, id!)).toBeNull();
  });

  it("dispatches a delayed survey at its minute, not before; reopen holds it, resolve restarts it", async () => {
    await enableCsat(server.url, ws.token, 60);
    const id = await createConversation(server.url, ws, { name: "Later", email: "later@example.com" });
    const resolvedAt = clock.now();
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    let survey = await surveyOf(server, id);
    expect(survey).toMatchObject({ state: "SCHEDULED", dispatchedAt: null });
    expect(survey!.dueAt.getTime()).toBe(resolvedAt.getTime() + 60 * MINUTE);

    clock.advance(59 * MINUTE);
    await server.running.workers.runOnce();
    expect((await surveyOf(server, id))!.state).toBe("SCHEDULED");

    // Reopened before dispatch: it waits, even past its due time.
    await gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id }, ws.token);
    clock.advance(10 * MINUTE);
    await server.running.workers.runOnce();
    expect(await surveyOf(server, id)).toMatchObject({ state: "SCHEDULED", onHold: true });

    // Resolved again: the countdown restarts from this resolve.
    const again = clock.now();
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    survey = await surveyOf(server, id);
    expect(survey).toMatchObject({ state: "SCHEDULED", onHold: false });
    expect(survey!.dueAt.getTime()).toBe(again.getTime() + 60 * MINUTE);
    clock.advance(60 * MINUTE - 1);
    await server.running.workers.runOnce();
    expect((await surveyOf(server, id))!.state).toBe("SCHEDULED");
    clock.advance(1);
    await server.running.workers.runOnce();
    survey = await surveyOf(server, id);
    expect(survey).toMatchObject({ state: "DISPATCHED", emailed: true });
    expect(survey!.dispatchedAt!.getTime()).toBe(again.getTime() + 60 * MINUTE);
    expect(await outboxOf(server, id)).toHaveLength(1);
  });

  it("switching CSAT off cancels the survey still waiting", async () => {
    await enableCsat(server.url, ws.token, 240);
    const id = await createConversation(server.url, ws, { name: "Cancelled", email: "x@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: false }) { enabled } }`, {}, ws.token);
    clock.advance(300 * MINUTE);
    await server.running.workers.runOnce();
    expect(await surveyOf(server, id)).toMatchObject({ state: "CANCELLED", dispatchedAt: null, tokenHash: null });
    expect(await outboxOf(server, id)).toHaveLength(0);
    await enableCsat(server.url, ws.token, 0);
  });

  it("answers exactly once under 20 racing submits over GraphQL and REST; the page then says so", async () => {
    await enableCsat(server.url, ws.token, 0);
    const id = await createConversation(server.url, ws, { name: "Rater", email: "rater@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    const token = tokenFromEmail((await outboxOf(server, id))[0]!.html);
    expect(token).toMatch(/^[0-9a-f]{32}$/);

    // A link scanner opening the 5-star link changes nothing.
    const scanned = await fetch(`${server.url}/csat/${token}?score=5`);
    expect(scanned.status).toBe(200);
    const form = await scanned.text();
    expect(form).toContain("How was your experience?");
    expect(form).toMatch(/id="s5" name="score" value="5" checked/);
    expect((await surveyOf(server, id))!.answeredAt).toBeNull();

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? gqlOk(server.url, `mutation($t: String!, $s: Int!) { submitCsat(token: $t, score: $s, comment: "via graphql") { outcome } }`, { t: token, s: 4 }).then(
              (d) => d.submitCsat.outcome as string,
            )
          : fetch(`${server.url}/api/csat/submit`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ token, score: 2, comment: "via rest" }),
            }).then(async (r) => {
              const body = (await r.json()) as { outcome: string };
              expect(r.status).toBe(body.outcome === "ACCEPTED" ? 200 : 409);
              return body.outcome;
            }),
      ),
    );
    expect(outcomes.filter((o) => o === "ACCEPTED")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "ALREADY_SUBMITTED")).toHaveLength(19);
    const survey = await surveyOf(server, id);
    expect(survey!.state).toBe("SUBMITTED");
    expect([survey!.answeredVia, survey!.score]).toEqual(survey!.score === 4 ? ["WIDGET", 4] : ["API", 2]);

    const page = await (await fetch(`${server.url}/csat/${token}`)).text();
    expect(page).toContain("Already submitted.");
    expect(page).toContain(survey!.comment);
  });

  it("the rating page form submits once, without JavaScript", async () => {
    await enableCsat(server.url, ws.token, 0);
    const id = await createConversation(server.url, ws, { name: "Form", email: "form@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    const token = tokenFromEmail((await outboxOf(server, id))[0]!.html);
    const post = (score: string) =>
      fetch(`${server.url}/csat/${token}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ score, comment: "<script>alert(1)</script> great" }).toString(),
      });
    const bad = await post("7");
    expect(bad.status).toBe(400);
    expect((await surveyOf(server, id))!.answeredAt).toBeNull();
    const ok = await post("5");
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain("Thank you");
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62; great");
    expect(await surveyOf(server, id)).toMatchObject({ score: 5, answeredVia: "EMAIL_LINK", comment: "<script>alert(1)</script> great" });
    expect((await post("1")).status).toBe(409);
  });

  it("REST errors: 401 without a key, 404 for another workspace's id, 400 for a bad body, 413 when too big", async () => {
    const id = await createConversation(server.url, ws);
    expect((await fetch(`${server.url}/api/conversations/${id}`, { method: "PATCH", body: "{}" })).status).toBe(401);
    expect((await patch(server.url, id, { status: "resolved" }, "hck_wrong")).status).toBe(401);
    const other = await createWorkspaceFixture(server.url, "Other");
    expect((await patch(server.url, id, { status: "resolved" }, other.token)).status).toBe(404);
    expect((await patch(server.url, "not-an-id", { status: "resolved" }, apiKey)).status).toBe(404);
    expect((await patch(server.url, id, { status: "closed" }, apiKey)).status).toBe(400);
    const submit = (body: string) =>
      fetch(`${server.url}/api/csat/submit`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect((await submit("{not json")).status).toBe(400);
    expect((await submit(JSON.stringify({ token: "0".repeat(32), score: 9 }))).status).toBe(400);
    expect(await (await submit(JSON.stringify({ token: "0".repeat(32), score: 3 }))).json()).toEqual({ outcome: "NOT_FOUND" });
    expect((await submit(JSON.stringify({ token: "x", score: 3, comment: "y".repeat(17_000) }))).status).toBe(413);
  });
  it("shows recorded emails to admins (emailOutbox), MCP refuses a foreign Origin, unknown tokens get the not-found page", async () => {
    await enableCsat(server.url, ws.token, 0);
    const id = await createConversation(server.url, ws, { name: "Dee", email: "dee@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    const { emailOutbox } = await gqlOk(
      server.url,
      `{ emailOutbox(first: 100) { to subject state attempts html text survey { id state } } }`,
      {},
      ws.token,
    );
    const dee = emailOutbox.filter((e: { to: string }) => e.to === "dee@example.com");
    expect(dee).toHaveLength(1);
    expect(dee[0]).toMatchObject({ to: "dee@example.com", state: "RECORDED", attempts: 0, survey: { state: "DISPATCHED" } });
    // Its links show where the token goes, never the token (issue 11.9).
    expect(dee[0].html).toContain("/csat/[survey token hidden]?score=5");
    expect(dee[0].html).not.toMatch(/[0-9a-f]{32}/);

    const foreign = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", origin: "https://evil.example", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(foreign.status).toBe(403);
    const anonymous = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(anonymous.status).toBe(401);

    for (const token of ["0".repeat(32), "not-a-token", "F".repeat(32)]) {
      const page = await fetch(`${server.url}/csat/${token}`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain("Survey not found");
    }
  });

  // Last: it moves the clock past every session's life.
  it("refuses an expired token 30 days and a minute after dispatch", async () => {
    await enableCsat(server.url, ws.token, 0);
    const id = await createConversation(server.url, ws, { name: "Slow", email: "slow@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    const token = tokenFromEmail((await outboxOf(server, id))[0]!.html);
    clock.advance(30 * 24 * 60 * MINUTE + MINUTE);
    const res = await fetch(`${server.url}/api/csat/submit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, score: 5 }),
    });
    expect([res.status, await res.json()]).toEqual([410, { outcome: "EXPIRED" }]);
    const page = await fetch(`${server.url}/csat/${token}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("expired");
    expect((await surveyOf(server, id))!.answeredAt).toBeNull();
  });

});

describe.each(DB_KINDS)("email through Resend on %s", (db: DbKind) => {
  it("sends one email per survey with the star links, retries a 500, and a restart sends what a dead process left", async () => {
    const resend = await startResendStandIn({ failures: 1 });
    const database = db === "postgres" ? await createTestDatabase() : null;
    const dataDir = db === "pglite" ? mkdtempSync(join(tmpdir(), "hydra-restart-")) : "memory://";
    const clock = createManualClock(new Date("2026-07-01T09:00:00Z"));
    const config = { databaseUrl: database?.url, dataDir, resendApiKey: "re_test_key", resendBaseUrl: resend.url };
    let first: TestServer | null = await startTestServer({ db, clock, config });
    let second: TestServer | null = null;
    try {
      const ws = await createWorkspaceFixture(first.url, "Mailer");
      await enableCsat(first.url, ws.token, 0);
      const a = await createConversation(first.url, ws, { name: "Ann", email: "ann@example.com" });
      await gqlOk(first.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: a }, ws.token);

      await first.running.workers.runOnce(); // Resend answers 500: kept for a retry
      const [row] = await outboxOf(first, a);
      expect(row).toMatchObject({ state: "PENDING", attempts: 1 });
      expect(row!.lastError).toContain("500");
      expect(resend.delivered.size).toBe(0);
      clock.advance(30_000);
      await first.running.workers.runOnce();
      expect(await outboxOf(first, a)).toMatchObject([{ state: "SENT", attempts: 2, providerId: "email_1" }]);
      expect(resend.delivered.size).toBe(1);

      const sent = [...resend.delivered.values()][0]!;
      const survey = await surveyOf(first, a);
      // Sent in a batch, under the key of the batch its row records (the retry after the 500 repeated it).
      const { batchId } = (await first.running.app.prisma.emailOutbox.findMany({ where: { surveyId: survey!.id } }))[0]!;
      expect(sent.batch).toBe(true);
      expect(sent.idempotencyKey).toBe(`csat-batch/${batchId}`);
      expect(resend.requests.map((r) => r.idempotencyKey)).toEqual([`csat-batch/${batchId}`, `csat-batch/${batchId}`]);
      expect(sent.body.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/csat\.test\/api\/csat\/unsubscribe\/[0-9a-f]{64}>$/);
      expect(sent.authorization).toBe("Bearer re_test_key");
      expect(sent.body.to).toEqual("ann@example.com");
      expect(sent.body.subject).toBe("How was your experience with Mailer?");
      const token = tokenFromEmail(sent.body.html);
      for (const n of [1, 2, 3, 4, 5]) expect(sent.body.html).toContain(`http://csat.test/csat/${token}?score=${n}`);
      expect(sent.body.html).toContain(`href="http://csat.test/csat/${token}"`);
      expect(sent.body.text).toContain(`Rating page: http://csat.test/csat/${token}`);
      // The kept copy of a sent email no longer holds the token (only its hash is stored).
      const kept = (await outboxOf(first, a))[0]!;
      expect(kept.html).not.toContain(token);
      expect(kept.text).not.toContain(token);
      expect(kept.html).toContain("/csat/[token removed after sending]?score=5");

      // A process that committed a dispatch and died before sending: the next process sends it, once.
      const b = await createConversation(first.url, ws, { name: "Bob", email: "bob@example.com" });
      await gqlOk(first.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: b }, ws.token);
      // And a survey that falls due while no process runs is dispatched by the next one.
      await enableCsat(first.url, ws.token, 60);
      const c = await createConversation(first.url, ws, { name: "Cat", email: "cat@example.com" });
      await gqlOk(first.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: c }, ws.token);
      await first.running.stop();
      first = null;
      clock.advance(61 * MINUTE);
      second = await startTestServer({ db, clock, config });
      await second.running.workers.runOnce();
      await second.running.workers.runOnce();
      expect(await outboxOf(second, b)).toMatchObject([{ state: "SENT", attempts: 1 }]);
      expect(await surveyOf(second, c)).toMatchObject({ state: "DISPATCHED", emailed: true });
      expect(await outboxOf(second, c)).toMatchObject([{ state: "SENT", attempts: 1 }]);
      expect([...resend.delivered.values()].map((e) => e.body.to).sort()).toEqual(["ann@example.com", "bob@example.com", "cat@example.com"]);
      expect(resend.requests.filter((r) => r.idempotencyKey?.startsWith("csat-batch/")).length).toBe(4); // 3 emails + one 500
      for (const to of ["ann@example.com", "bob@example.com", "cat@example.com"]) expect(resend.deliveredTo(to)).toBe(1);
    } finally {
      await first?.running.stop();
      await second?.running.stop();
      await database?.drop();
      if (dataDir !== "memory://") rmSync(dataDir, { recursive: true, force: true });
      await resend.stop();
    }
  });

  it("without RESEND_API_KEY records the email in the outbox and sends nothing", async () => {
    const server = await startTestServer({ db });
    try {
      const ws = await createWorkspaceFixture(server.url, "Quiet");
      await enableCsat(server.url, ws.token, 0);
      const id = await createConversation(server.url, ws, { name: "Cy", email: "cy@example.com" });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      await server.running.workers.runOnce();
      expect(await outboxOf(server, id)).toMatchObject([{ state: "RECORDED", attempts: 0, to: "cy@example.com" }]);
    } finally {
      await server.stop();
    }
  });
});
