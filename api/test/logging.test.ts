import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, maskSecrets, requestLog } from "../src/log.js";
import { setRequestIdReach, withRequestId } from "../src/requestId.js";
import { gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startServerProcess, type ServerProcess } from "../testkit/processes.js";
import { startResendStandIn } from "../testkit/resend.js";
import { createTestDatabase, DB_KINDS, type DbKind } from "../testkit/server.js";

interface LogLine {
  level: string;
  time: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

/** Anything shaped like an email address. */
const ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;

describe("the logger", () => {
  it("writes JSON lines with the current request id, masks tokens and addresses in the text and censors named fields", () => {
    setRequestIdReach("all");
    const lines: string[] = [];
    const log = createLogger({ format: "json", level: "debug", write: (line) => void lines.push(line) });
    withRequestId("req-42", () => {
      log.info("sign-in of ada@example.com with hcs_abcdefghijklmnopqrstuvwx failed", { email: "ada@example.com", attempt: 2 });
      log.debug!("rating link /csat/0123456789abcdef0123456789abcdef opened");
    });
    log.error("provider refused re_live_0123456789abcdefgh", new Error("Authorization: Bearer hck_abcdefghijklmnopqrstuvwx rejected for bo@example.org"));
    const parsed = lines.map((l) => JSON.parse(l) as LogLine);
    expect(parsed.map((l) => [l.level, l.requestId])).toEqual([["info", "req-42"], ["debug", "req-42"], ["error", undefined]]);
    expect(parsed[0]).toMatchObject({ msg: "sign-in of [email] with [masked] failed", email: "[redacted]", attempt: 2 });
    const all = lines.join("");
    for (const secret of ["ada@example.com", "bo@example.org", "hcs_", "hck_", "re_live", "0123456789abcdef0123456789abcdef"]) expect(all).not.toContain(secret);
  });

  it("writes the human line when asked: time, level, text, request id", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "pretty", write: (line) => void lines.push(line) });
    withRequestId("req-7", () => log.warn("[outbox] slow"));
    expect(lines).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN \[outbox\] slow \[req-7\]\n$/)]);
  });

  it("with LOG_REQUEST_IDS=edge, AsyncLocalStorage carries nothing and a pass's own logger names its id", () => {
    setRequestIdReach("edge");
    const lines: string[] = [];
    const log = createLogger({ format: "json", write: (line) => void lines.push(line) });
    withRequestId("req-1", () => log.info("inside"));
    requestLog(log, "outbox-1").warn("from the pass");
    requestLog(log, "req-2").error("failed", new Error("x"));
    expect(lines.map((l) => (JSON.parse(l) as LogLine).requestId)).toEqual([undefined, "outbox-1", "req-2"]);
    setRequestIdReach("all");
  });

  it("leaves debug lines out at info", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "json", write: (line) => void lines.push(line) });
    log.debug!("not written");
    log.info("written");
    expect(lines).toHaveLength(1);
    expect(maskSecrets("write to a.b+c@d-e.co.uk")).toBe("write to [email]");
  });
});

describe.each(DB_KINDS)("a server process's log on %s", (db: DbKind) => {
  let server: ServerProcess;
  let resend: Awaited<ReturnType<typeof startResendStandIn>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  let dataDir: string | null = null;
  let ws: WorkspaceFixture;
  /** Every secret and address the test handled: none may appear in the log. */
  const secrets: string[] = [];

  beforeAll(async () => {
    resend = await startResendStandIn();
    if (db === "postgres") database = await createTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), "hydra-log-"));
    const resendKey = "re_logtest_0123456789abcdef";
    secrets.push(resendKey);
    server = await startServerProcess({
      LOG_FORMAT: "json",
      LOG_LEVEL: "debug",
      LOG_REQUEST_IDS: "all",
      RESEND_API_KEY: resendKey,
      RESEND_BASE_URL: resend.url,
      ...(database ? { DATABASE_URL: database.url } : { DATABASE_URL: "", DATA_DIR: dataDir! }),
    });
    ws = await createWorkspaceFixture(server.url, "Logs");
    secrets.push(ws.token, ws.adminEmail);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await resend?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const lines = () =>
    server
      .output()
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          throw new Error(`not a JSON line: ${l}`);
        }
      });

  it("is JSON lines carrying request ids into the services, and never a token or an address", async () => {
    // Sign-in.
    const session = (await gqlOk(server.url, `mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { token } }`, { e: ws.adminEmail })).signIn.token as string;
    secrets.push(session);
    // An API key, used to resolve a conversation whose customer gets an email survey.
    const apiKey = (await gqlOk(server.url, `mutation { createApiKey(name: "logs") { key } }`, {}, session)).createApiKey.key as string;
    secrets.push(apiKey);
    await enableCsat(server.url, session, 0);
    const customerEmail = "customer.logs@example.com";
    secrets.push(customerEmail);
    const conversationId = await createConversation(server.url, ws, { name: "Carla", email: customerEmail });
    const resolved = await fetch(`${server.url}/api/conversations/${conversationId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, "x-request-id": "req-resolve-1" },
      body: JSON.stringify({ status: "resolved" }),
    });
    expect(resolved.status).toBe(200);
    expect(resolved.headers.get("x-request-id")).toBe("req-resolve-1");
    // The email goes out through the outbox worker; its link is answered on the rating page.
    await until(() => resend.deliveredTo(customerEmail) === 1, 30_000, "the survey email");
    const surveyToken = tokenFromEmail(resend.requests.find((r) => JSON.stringify(r.body.to).includes(customerEmail))!.body.html);
    secrets.push(surveyToken);
    const page = await fetch(`${server.url}/csat/${surveyToken}?score=4`);
    expect(page.status).toBe(200);
    const submitted = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-answer-1" },
      body: JSON.stringify({ query: `mutation($t: String!) { submitCsat(token: $t, score: 4, comment: "mail me at carla@example.net") { outcome } }`, variables: { t: surveyToken } }),
    });
    expect(((await submitted.json()) as { data: { submitCsat: { outcome: string } } }).data.submitCsat.outcome).toBe("ACCEPTED");
    secrets.push("carla@example.net");
    // A widget session: its visitor token opens a socket and follows its conversation.
    const widget = (
      await gqlOk(
        server.url,
        `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
        { input: { channelId: ws.channelId, customer: { name: "Wendy", email: "wendy@example.com" }, firstMessage: "Hi, I am wendy@example.com" } },
      )
    ).startWidgetConversation as { visitorToken: string; conversation: { id: string } };
    secrets.push(widget.visitorToken, "wendy@example.com");
    const socket = wsClient(server.wsUrl, { visitorToken: widget.visitorToken });
    const events: unknown[] = [];
    const stop = socket.subscribe(
      { query: `subscription Follow($id: ID!) { conversationUpdated(conversationId: $id) { change } }`, variables: { id: widget.conversation.id } },
      { next: (e) => void events.push(e), error: () => {}, complete: () => {} },
    );
    await until(() => lines().some((l) => l.msg.includes("[ws] operation Follow started")), 10_000, "the socket's operation logged");
    stop();
    await socket.dispose();
    // Every line is JSON (lines() throws otherwise).
    await until(() => lines().some((l) => l.msg.includes("[outbox] sent 1 survey email")), 10_000, "the outbox's line");
    const all = lines();

    // The resolve's request line and the service line it caused carry the caller's id.
    const resolveLines = all.filter((l) => l.requestId === "req-resolve-1").map((l) => l.msg);
    expect(resolveLines).toContainEqual(expect.stringMatching(/^\[http\] PATCH \/api\/conversations\/[0-9a-f-]+ 200 /));
    expect(resolveLines).toContainEqual(expect.stringMatching(/^\[csat\] survey dispatched at the resolve of conversation /));
    const answerLines = all.filter((l) => l.requestId === "req-answer-1").map((l) => l.msg);
    expect(answerLines).toContainEqual(expect.stringMatching(/^\[http\] POST \/graphql 200 /));
    expect(answerLines).toContainEqual(expect.stringMatching(/^\[csat\] survey [0-9a-f-]+ answered/));
    // Requests without an id get one of their own; the socket's lines carry its connection's id.
    const rating = all.find((l) => l.msg.startsWith("[http] GET /csat/[token] 200"));
    expect(rating?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const connected = all.find((l) => l.msg === "[ws] connected (visitor)");
    const operation = all.find((l) => l.msg === "[ws] operation Follow started");
    expect(connected?.requestId).toMatch(/^ws-[0-9a-f-]{36}$/);
    expect(operation?.requestId).toBe(`${connected?.requestId}/${operation?.requestId?.split("/")[1]}`);
    // Worker passes carry an id of their own.
    expect(all.find((l) => l.msg.includes("[outbox] sent 1 survey email"))?.requestId).toMatch(/^outbox-/);

    const output = server.output();
    for (const secret of secrets) expect(output.includes(secret), `the log contains ${secret.slice(0, 6)}…`).toBe(false);
    expect(ADDRESS.exec(output)?.[0]).toBeUndefined();
  }, 120_000);
});
