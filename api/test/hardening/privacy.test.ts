import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../../src/clock.js";
import { deliverOutbox } from "../../src/services/outbox.js";
import { sweepRetention } from "../../src/services/privacy.js";
import { hashPassword } from "../../src/tokens.js";
import { codes, gql, gqlOk, until } from "../../testkit/client.js";
import { createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../../testkit/fixtures.js";
import { heldSender, startResendStandIn } from "../../testkit/resend.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../../testkit/server.js";
import { check, saveChecks } from "./checks.js";

// Item 11.17: eraseCustomer and the daily retention sweep erase a customer's personal data and
// comments, kill their tokens and cancel their unsent emails, while every report figure stays.

const DAY = 86_400_000;

const FIGURES = `averageRating responseRate satisfiedRate sent submitted ratingDistribution { score count }`;
const ROWS = `id label figures { ${FIGURES} }`;
const PERIOD = `from to totals { ${FIGURES} } byBot { ${ROWS} } byChannel { ${ROWS} }`;
const REPORT = `query($range: CsatRange!, $from: DateTime, $to: DateTime) {
  csatReport(range: $range, from: $from, to: $to) { range ${PERIOD} previous { ${PERIOD} } }
}`;
const COMMENTS = `{ csatReport(range: ALL_TIME) { recentComments(first: 100) { score comment } } }`;
const SETTINGS = `{ csatSettings { enabled delayMinutes retentionDays } }`;
const UPDATE_SETTINGS = `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { retentionDays } }`;
const ERASE = `mutation($id: ID!) { eraseCustomer(id: $id) }`;


/** Every report range, as the API gives it: a change to any figure shows as a difference. */
async function reports(url: string, token: string, at: Date) {
  const out: Record<string, unknown> = {};
  for (const range of ["ALL_TIME", "LAST_7_DAYS", "LAST_30_DAYS", "LAST_90_DAYS"]) {
    out[range] = (await gqlOk(url, REPORT, { range }, token)).csatReport;
  }
  const custom = { from: new Date(at.getTime() - 40 * DAY).toISOString(), to: new Date(at.getTime() + DAY).toISOString() };
  out.CUSTOM = (await gqlOk(url, REPORT, { range: "CUSTOM", ...custom }, token)).csatReport;
  return out;
}

/** Every row of every table of the database, as text: where an erased value must not be found. */
async function everyRow(server: TestServer): Promise<string> {
  const sql = server.running.app.sql;
  const tables = await sql.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  let all = "";
  for (const { table_name } of tables) {
    const rows = await sql.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    all += rows.map((r) => r.row).join("\n");
  }
  return all;
}

interface Customer {
  conversationId: string;
  customerId: string;
  visitorToken: string;
  surveyToken: string;
}

afterAll(() => saveChecks("privacy"));

describe.each(DB_KINDS)("privacy on %s (11.17)", (db: DbKind) => {
  // Near the real time: rows created by the database's own now() (customers, conversations) and
  // rows stamped by the clock (resolves, answers, messages) then agree within seconds.
  const T0 = new Date();
  const clock = createManualClock(T0);
  let server: TestServer;
  let second: TestServer | null = null;
  let resend: Awaited<ReturnType<typeof startResendStandIn>>;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  /** API keys of both, for after the sessions' 30 days. */
  let keys: { ws: string; other: string };

  beforeAll(async () => {
    resend = await startResendStandIn();
    // The workers run when the test says (runOnce), not on a timer that could take a sweep's day first,
    // nor on an outbox insert (emails wait in the outbox until the test sends them).
    const quiet = { workerIntervalMs: 3_600_000, instantHandOff: false };
    server = await startTestServer({ db, clock, config: { ...quiet, resendApiKey: "re_test_key", resendBaseUrl: resend.url } });
    await server.running.workers.runOnce();
    // On PostgreSQL, a second server process on the same database, for the concurrent sweep.
    if (db === "postgres") {
      second = await startTestServer({ db, clock, config: { ...quiet, databaseUrl: await currentDatabaseUrl(server) } });
      await second.running.workers.runOnce();
    }
    ws = await createWorkspaceFixture(server.url, "Acme");
    other = await createWorkspaceFixture(server.url, "Other");
    await enableCsat(server.url, ws.token, 0);
    await enableCsat(server.url, other.token, 0);
    const key = async (token: string) => (await gqlOk(server.url, `mutation { createApiKey(name: "privacy") { key } }`, {}, token)).createApiKey.key as string;
    keys = { ws: await key(ws.token), other: await key(other.token) };
  });
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
    await resend?.stop();
  });

  /** A widget conversation with messages, resolved (survey dispatched, email in the outbox). */
  async function widgetCustomer(w: WorkspaceFixture, name: string, email: string, text: string): Promise<Customer> {
    const started = (
      await gqlOk(
        server.url,
        `mutation($input: StartWidgetConversationInput!) {
          startWidgetConversation(input: $input) { visitorToken conversation { id customer { id } } } }`,
        { input: { channelId: w.channelId, customer: { name, email }, firstMessage: `${text} (first)` } },
      )
    ).startWidgetConversation;
    const conversationId = started.conversation.id as string;
    await gqlOk(server.url, `mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }`, { id: conversationId, b: `${text} (visitor)` }, started.visitorToken);
    await gqlOk(server.url, `mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }`, { id: conversationId, b: `Reply to ${name}` }, w.token);
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, w.token);
    const outbox = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId } } });
    return { conversationId, customerId: started.conversation.customer.id, visitorToken: started.visitorToken, surveyToken: tokenFromEmail(outbox.html) };
  }

  async function answerByPage(token: string, score: number, comment: string): Promise<number> {
    const res = await fetch(`${server.url}/csat/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ score: String(score), comment }).toString(),
    });
    await res.text();
    return res.status;
  }

  async function answerByWidget(token: string, score: number, comment: string): Promise<string> {
    const data = await gqlOk(server.url, `mutation($t: String!, $s: Int!, $c: String) { submitCsat(token: $t, score: $s, comment: $c) { outcome } }`, { t: token, s: score, c: comment });
    return data.submitCsat.outcome;
  }

  const visitorSees = async (c: Customer) =>
    gql(server.url, `query($id: ID!) { conversation(id: $id) { id } }`, { id: c.conversationId }, c.visitorToken);
  const surveyByToken = async (token: string) =>
    (await gqlOk(server.url, `query($t: String!) { csatSurveyByToken(token: $t) { state comment } }`, { t: token })).csatSurveyByToken;
  const ratingPageStatus = async (token: string) => (await fetch(`${server.url}/csat/${token}`)).status;

  it("eraseCustomer erases name, email, messages and comments, kills the tokens and the unsent email; every report figure stays", async () => {
    const prisma = server.running.app.prisma;
    clock.set(T0);
    // Alice: answered with a comment through the rating page; her email was sent first.
    const alice = await widgetCustomer(ws, "Alice Privateperson", "alice.private@example.com", "ALICE-MESSAGE my card ends 4242");
    await server.running.workers.runOnce();
    expect(resend.delivered.size).toBe(1);
    clock.set(new Date(T0.getTime() + 600_000));
    expect(await answerByPage(alice.surveyToken, 2, "ALICE-COMMENT the agent was rude")).toBe(200);
    // Carol: dispatched and unanswered, her email still waiting in the outbox.
    const carol = await widgetCustomer(ws, "Carol Secretname", "carol.secret@example.com", "CAROL-MESSAGE");
    // Keep: another customer, answered through the widget, who is not erased.
    const keep = await widgetCustomer(ws, "Kim Keeper", "kim.keeper@example.com", "KIM-MESSAGE");
    expect(await answerByWidget(keep.surveyToken, 5, "KEEP-COMMENT great")).toBe("ACCEPTED");
    expect((await prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId: carol.conversationId } } })).state).toBe("PENDING");

    const before = await reports(server.url, ws.token, clock.now());
    const commentsBefore = (await gqlOk(server.url, COMMENTS, {}, ws.token)).csatReport.recentComments;
    expect(commentsBefore.map((c: { comment: string }) => c.comment).sort()).toEqual(["ALICE-COMMENT the agent was rude", "KEEP-COMMENT great"]);
    expect((before.ALL_TIME as any).totals).toMatchObject({ sent: 3, submitted: 2, averageRating: 3.5 });
    // The tokens work before the erasure.
    expect((await visitorSees(alice)).data?.conversation?.id).toBe(alice.conversationId);
    expect(await surveyByToken(carol.surveyToken)).toMatchObject({ state: "OPEN" });
    expect(await surveyByToken(alice.surveyToken)).toMatchObject({ state: "ALREADY_SUBMITTED", comment: "ALICE-COMMENT the agent was rude" });
    expect(await ratingPageStatus(carol.surveyToken)).toBe(200);

    // Not an admin, or another workspace's admin: refused, nothing erased.
    const agentEmail = `agent-${randomBytes(4).toString("hex")}@agents.test`;
    await prisma.teammate.create({
      data: { workspaceId: ws.workspaceId, email: agentEmail, name: "Alan Agent", role: "AGENT", passwordHash: await hashPassword("correct horse battery") },
    });
    const agent = (await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: agentEmail, p: "correct horse battery" })).signIn.token;
    const refused = [
      codes(await gql(server.url, ERASE, { id: alice.customerId }, agent)),
      codes(await gql(server.url, ERASE, { id: alice.customerId }, other.token)),
      codes(await gql(server.url, ERASE, { id: alice.customerId }, alice.visitorToken)),
      codes(await gql(server.url, ERASE, { id: alice.customerId })),
      codes(await gql(server.url, ERASE, { id: "not-a-uuid" }, ws.token)),
    ];
    expect(check("11.17", JSON.stringify(refused) === JSON.stringify([["FORBIDDEN"], ["NOT_FOUND"], ["FORBIDDEN"], ["UNAUTHENTICATED"], ["NOT_FOUND"]]))).toBe(true);
    expect((await prisma.customer.findUniqueOrThrow({ where: { id: alice.customerId } })).name).toBe("Alice Privateperson");

    const sentBefore = resend.requests.length;
    for (const c of [alice, carol]) {
      expect((await gqlOk(server.url, ERASE, { id: c.customerId }, ws.token)).eraseCustomer).toBe(true);
    }

    // Reports: every range, total, breakdown and previous period the same; the comment is gone, its score stays.
    const after = await reports(server.url, ws.token, clock.now());
    expect(check("11.17", JSON.stringify(after) === JSON.stringify(before))).toBe(true);
    expect(after).toEqual(before);
    const commentsAfter = (await gqlOk(server.url, COMMENTS, {}, ws.token)).csatReport.recentComments;
    expect(check("11.17", JSON.stringify(commentsAfter) === JSON.stringify([{ score: 5, comment: "KEEP-COMMENT great" }]))).toBe(true);

    // The rows: contact data and text gone, figures and credit kept.
    const customers = await prisma.customer.findMany({ where: { id: { in: [alice.customerId, carol.customerId] } } });
    expect(customers.map((c) => [c.name, c.email, c.erasedAt !== null])).toEqual([
      ["Erased customer", null, true],
      ["Erased customer", null, true],
    ]);
    const aliceSurvey = await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: alice.conversationId } });
    expect(aliceSurvey).toMatchObject({ state: "SUBMITTED", score: 2, comment: null, tokenHash: null, answeredVia: "EMAIL_LINK", botId: null, channelId: ws.channelId });
    const messages = await prisma.message.findMany({ where: { conversationId: { in: [alice.conversationId, carol.conversationId] } } });
    expect(messages.length).toBe(6);
    expect(messages.every((m) => m.body === "")).toBe(true);
    expect(messages.filter((m) => m.authorId === ws.adminId).length).toBe(2);
    const keptMessages = await prisma.message.findMany({ where: { conversationId: keep.conversationId } });
    expect(keptMessages.every((m) => m.body !== "")).toBe(true);

    // The tokens: the visitor's is refused, the survey's finds nothing on every door.
    const visitor = await visitorSees(alice);
    const dead = [
      codes(visitor)[0] === "UNAUTHENTICATED" && !visitor.data?.conversation,
      (await surveyByToken(alice.surveyToken)) === null,
      (await surveyByToken(carol.surveyToken)) === null,
      (await answerByWidget(carol.surveyToken, 4, "late answer")) === "NOT_FOUND",
      (await ratingPageStatus(carol.surveyToken)) === 404,
      (await answerByPage(carol.surveyToken, 4, "late answer")) === 404,
      codes(await gql(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "hi") { id } }`, { id: carol.conversationId }, carol.visitorToken))[0] === "UNAUTHENTICATED",
    ];
    expect(dead).toEqual(dead.map(() => true));
    for (const held of dead) check("11.17", held);
    // Kim's tokens still work.
    expect((await visitorSees(keep)).data?.conversation?.id).toBe(keep.conversationId);

    // The outbox: the sent copy blanked; the unsent one cancelled and blanked, and never sent.
    const emails = await prisma.emailOutbox.findMany({ where: { survey: { conversationId: { in: [alice.conversationId, carol.conversationId] } } }, orderBy: { createdAt: "asc" } });
    expect(emails.map((e) => [e.state, e.to, e.html, e.text])).toEqual([
      ["SENT", "", "", ""],
      ["FAILED", "", "", ""],
    ]);
    expect(emails[1]!.lastError).toMatch(/erased/);
    await server.running.workers.runOnce();
    const carolMailed = resend.requests.slice(sentBefore).some((r) => JSON.stringify(r.body).includes("carol.secret"));
    expect(check("11.17", !carolMailed)).toBe(true);

    // Nowhere in the database, the audit log included; the audit entry counts, it does not copy.
    const dump = await everyRow(server);
    const secrets = ["Alice Privateperson", "alice.private", "ALICE-MESSAGE", "ALICE-COMMENT", "Carol Secretname", "carol.secret", "CAROL-MESSAGE", "Reply to Alice", "Reply to Carol"];
    const found = secrets.filter((s) => dump.includes(s));
    expect(check("11.17", found.length === 0)).toBe(true);
    expect(found).toEqual([]);
    expect(dump).toContain("KEEP-COMMENT great");
    expect(dump).toContain("kim.keeper@example.com");
    const audit = (await gqlOk(server.url, `{ auditLog(first: 10) { action actor { id } before after } }`, {}, ws.token)).auditLog;
    const erasures = audit.filter((e: { action: string }) => e.action === "Erased customer data");
    expect(erasures.length).toBe(2);
    expect(erasures.every((e: { actor: { id: string } }) => e.actor.id === ws.adminId)).toBe(true);
    const afters = erasures.map((e: { after: string }) => JSON.parse(e.after));
    afters.sort((a: { comments: number }, b: { comments: number }) => b.comments - a.comments);
    expect(afters).toEqual([
      { customerId: alice.customerId, customers: 1, conversations: 1, messages: 3, comments: 1, surveyTokens: 1, emails: 1 },
      { customerId: carol.customerId, customers: 1, conversations: 1, messages: 3, comments: 0, surveyTokens: 1, emails: 1 },
    ]);
    // Erasing again is harmless and changes no figure.
    expect((await gqlOk(server.url, ERASE, { id: alice.customerId }, ws.token)).eraseCustomer).toBe(true);
    expect(await reports(server.url, ws.token, clock.now())).toEqual(before);
  });

  it("an email on its way when the customer is erased is not written back into the outbox", async () => {
    const prisma = server.running.app.prisma;
    const dana = await widgetCustomer(ws, "Dana Inflight", "dana.inflight@example.com", "DANA-MESSAGE");
    const { sender, sending, release } = heldSender();
    const delivery = deliverOutbox(server.running.app, sender);
    await until(() => sending.some((email) => email.to === "dana.inflight@example.com"), 10_000, "the email to be claimed");
    expect((await gqlOk(server.url, ERASE, { id: dana.customerId }, ws.token)).eraseCustomer).toBe(true);
    release();
    await delivery;
    const email = await prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId: dana.conversationId } } });
    expect(check("11.17", email.to === "" && email.html === "" && email.text === "" && email.state === "FAILED")).toBe(true);
    const dump = await everyRow(server);
    expect(check("11.17", !dump.includes("dana.inflight") && !dump.includes("Dana Inflight"))).toBe(true);
  });

  it("a survey still waiting for its dispatch is cancelled with its customer: no token, no email, no figure", async () => {
    const prisma = server.running.app.prisma;
    await enableCsat(server.url, ws.token, 60);
    const erin = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id customer { id } } }`,
      { input: { channelId: ws.channelId, botId: ws.botId, customer: { name: "Erin Waiting", email: "erin.waiting@example.com" }, firstMessage: "ERIN-MESSAGE" } },
      ws.token,
    );
    const conversationId = erin.createConversation.id as string;
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, ws.token);
    expect((await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId } })).state).toBe("SCHEDULED");
    expect((await gqlOk(server.url, ERASE, { id: erin.createConversation.customer.id }, ws.token)).eraseCustomer).toBe(true);
    // Past its due time, the scheduler finds nothing to send: the figures do not grow by it.
    clock.advance(2 * 3_600_000);
    const before = await reports(server.url, ws.token, clock.now());
    await server.running.workers.runOnce();
    const survey = await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId } });
    const emails = await prisma.emailOutbox.count({ where: { surveyId: survey.id } });
    expect(check("11.17", survey.state === "CANCELLED" && survey.tokenHash === null && survey.dispatchedAt === null && emails === 0)).toBe(true);
    expect(await reports(server.url, ws.token, clock.now())).toEqual(before);
    await enableCsat(server.url, ws.token, 0);
  });

  it("retentionDays is 0 or 30..3650, audited; anything else is BAD_USER_INPUT and changes nothing", async () => {
    const prisma = server.running.app.prisma;
    expect((await gqlOk(server.url, SETTINGS, {}, other.token)).csatSettings).toEqual({ enabled: true, delayMinutes: 0, retentionDays: 0 });
    const auditsBefore = await prisma.auditEntry.count({ where: { workspaceId: other.workspaceId } });
    const bad = [29, 1, -1, 3651, 100_000, 30.5];
    for (const retentionDays of bad) {
      const result = await gql(server.url, UPDATE_SETTINGS, { input: { retentionDays } }, other.token);
      check("11.17", codes(result)[0] === "BAD_USER_INPUT");
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await prisma.auditEntry.count({ where: { workspaceId: other.workspaceId } })).toBe(auditsBefore);
    expect((await gqlOk(server.url, SETTINGS, {}, other.token)).csatSettings.retentionDays).toBe(0);
    for (const retentionDays of [3650, 30, 0, 30]) {
      clock.advance(1000);
      expect((await gqlOk(server.url, UPDATE_SETTINGS, { input: { retentionDays } }, other.token)).updateCsatSettings.retentionDays).toBe(retentionDays);
    }
    const audits = await prisma.auditEntry.findMany({
      where: { workspaceId: other.workspaceId, action: "Changed CSAT settings" },
      orderBy: { createdAt: "asc" },
    });
    expect(audits.slice(-4).map((a) => [(a.before as any).retentionDays, (a.after as any).retentionDays])).toEqual([
      [0, 3650],
      [3650, 30],
      [30, 0],
      [0, 30],
    ]);
    expect((await gqlOk(server.url, SETTINGS, {}, other.token)).csatSettings).toEqual({ enabled: true, delayMinutes: 0, retentionDays: 30 });
  });

  it("the daily sweep erases what is older than retentionDays, once a day across processes, and no figure moves", async () => {
    const prisma = server.running.app.prisma;
    clock.set(T0);
    // "Other" keeps 30 days (set by the test before). Old: all of it 31 days old at the sweep.
    const old = await widgetCustomer(other, "Olga Oldtimer", "olga.old@example.com", "OLGA-MESSAGE");
    expect(await answerByWidget(old.surveyToken, 1, "OLGA-COMMENT")).toBe("ACCEPTED");
    // Mid: answered 31 days before, but wrote again a day before the sweep: the comment goes, she stays.
    const mid = await widgetCustomer(other, "Mia Midway", "mia.mid@example.com", "MIA-MESSAGE");
    expect(await answerByWidget(mid.surveyToken, 4, "MIA-COMMENT")).toBe("ACCEPTED");
    // Young: resolved and answered 29 days before the sweep: kept whole.
    const yuri = await widgetCustomer(other, "Yuri Young", "yuri.young@example.com", "YURI-MESSAGE");
    // (Its survey went at T0; reopened and resolved again two days on, that is its last change.)
    clock.set(new Date(T0.getTime() + 2 * DAY));
    await gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: yuri.conversationId }, other.token);
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: yuri.conversationId }, other.token);
    expect(await answerByWidget(yuri.surveyToken, 3, "YURI-COMMENT")).toBe("ACCEPTED");
    const acmeCommentsBefore = (await gqlOk(server.url, COMMENTS, {}, ws.token)).csatReport.recentComments;

    // 29 days on: nothing is old enough yet (N - 1 kept).
    clock.set(new Date(T0.getTime() + 29 * DAY + 3_600_000));
    const sweptDays = await prisma.retentionSweep.count();
    await server.running.workers.runOnce();
    expect(await prisma.retentionSweep.count()).toBe(sweptDays + 1);
    expect((await prisma.customer.findUniqueOrThrow({ where: { id: old.customerId } })).name).toBe("Olga Oldtimer");
    expect((await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: old.conversationId } })).comment).toBe("OLGA-COMMENT");
    check("11.17", (await prisma.customer.count({ where: { erasedAt: { not: null }, workspaceId: other.workspaceId } })) === 0);

    clock.set(new Date(T0.getTime() + 30 * DAY));
    await gqlOk(server.url, `mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }`, { id: mid.conversationId, b: "MIA-FOLLOWUP" }, mid.visitorToken);

    // 31 days on: two sweeps at once (two server processes on PostgreSQL; two callers on PGlite).
    const at = new Date(T0.getTime() + 31 * DAY + 3_600_000);
    clock.set(at);
    const reportsBefore = await reports(server.url, keys.other, at);
    const otherApp = (second ?? server).running.app;
    const sweeps = await Promise.all([sweepRetention(server.running.app), sweepRetention(otherApp), sweepRetention(server.running.app)]);
    const ran = sweeps.filter((s) => s.ran);
    expect(check("11.17", ran.length === 1)).toBe(true);
    expect(ran[0]).toEqual({ ran: true, customers: 1, comments: 2 });
    expect(await prisma.retentionSweep.count()).toBe(sweptDays + 2);
    // The worker's own daily pass, on either process, finds the day taken.
    await Promise.all([server.running.workers.runOnce(), (second ?? server).running.workers.runOnce()]);
    const sweepAudits = await prisma.auditEntry.findMany({ where: { action: "Erased data past retention" } });
    expect(sweepAudits.map((a) => [a.workspaceId, a.actorId, (a.after as any).customers, (a.after as any).comments])).toEqual([[other.workspaceId, null, 1, 2]]);

    // Old: erased like eraseCustomer. Mid: comment gone, contact data kept. Young: all kept.
    const olga = await prisma.customer.findUniqueOrThrow({ where: { id: old.customerId } });
    const held = [
      olga.name === "Erased customer" && olga.email === null && olga.erasedAt !== null,
      (await prisma.message.findMany({ where: { conversationId: old.conversationId } })).every((m) => m.body === ""),
      codes(await visitorSees(old))[0] === "UNAUTHENTICATED",
      (await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: old.conversationId } })).comment === null,
      (await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: mid.conversationId } })).comment === null,
      (await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: mid.conversationId } })).score === 4,
      (await prisma.customer.findUniqueOrThrow({ where: { id: mid.customerId } })).email === "mia.mid@example.com",
      (await visitorSees(mid)).data?.conversation?.id === mid.conversationId,
      (await prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: yuri.conversationId } })).comment === "YURI-COMMENT",
      (await prisma.customer.findUniqueOrThrow({ where: { id: yuri.customerId } })).name === "Yuri Young",
      (await visitorSees(yuri)).data?.conversation?.id === yuri.conversationId,
    ];
    expect(held).toEqual(held.map(() => true));
    for (const h of held) check("11.17", h);
    // Figures unchanged in every range; Acme (retentionDays 0) untouched although its data is as old.
    expect(check("11.17", JSON.stringify(await reports(server.url, keys.other, at)) === JSON.stringify(reportsBefore))).toBe(true);
    expect((await gqlOk(server.url, COMMENTS, {}, keys.ws)).csatReport.recentComments).toEqual(acmeCommentsBefore);
    expect(check("11.17", (await everyRow(server)).includes("kim.keeper@example.com"))).toBe(true);

    // The same day again: nothing runs. The next day Yuri's data is past 30 days too, and only his
    // goes; the day after, nothing is left to erase, and no audit entry is written for nothing.
    expect(await sweepRetention(server.running.app)).toEqual({ ran: false, customers: 0, comments: 0 });
    clock.set(new Date(at.getTime() + DAY));
    expect(await sweepRetention(server.running.app)).toEqual({ ran: true, customers: 1, comments: 1 });
    expect((await prisma.customer.findUniqueOrThrow({ where: { id: yuri.customerId } })).name).toBe("Erased customer");
    clock.set(new Date(at.getTime() + 2 * DAY));
    const idle = await sweepRetention(server.running.app);
    expect(check("11.17", idle.ran && idle.customers === 0 && idle.comments === 0)).toBe(true);
    expect(await prisma.auditEntry.count({ where: { action: "Erased data past retention" } })).toBe(2);
    expect((await prisma.customer.findUniqueOrThrow({ where: { id: mid.customerId } })).email).toBe("mia.mid@example.com");
  });
});

async function currentDatabaseUrl(server: TestServer): Promise<string> {
  const [row] = await server.running.app.sql.query<{ db: string }>("SELECT current_database() AS db");
  const url = new URL(process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  url.pathname = `/${row!.db}`;
  return url.toString();
}
