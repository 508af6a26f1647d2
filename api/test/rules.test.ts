/**
 * Issue 15, part 3 (and issue 13's SUPPRESSED_EMAIL): labels, and the survey rules applied at a
 * conversation's first resolve — CSAT off, the teammate's skip, excluded labels, sampling, a
 * suppressed address, the per-customer cooldown (racing resolves included) — each first resolve
 * that makes no survey recording why, and the report counting them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { sampledIn } from "../src/services/csat/rules.js";
import { codes, collect, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";
import { statementsOf } from "../testkit/statements.js";

const DAY = 86_400_000;
const RESOLVE = `mutation($id: ID!, $skip: Boolean) { resolveConversation(id: $id, skipCsat: $skip) { id csatSkipReason csatSurvey { id state } } }`;
const LABELS = `mutation($id: ID!, $labels: [String!]!) { setConversationLabels(id: $id, labels: $labels) { id labels } }`;
const SETTINGS = `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { excludeLabels cooldownDays samplePercent } }`;

describe.each(DB_KINDS)("survey rules on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let agentToken: string;
  const clock = createManualClock(new Date("2026-06-01T12:00:00Z"));

  const resolve = async (id: string, skip = false, token = ws.token) => (await gqlOk(server.url, RESOLVE, { id, skip }, token)).resolveConversation;
  const settings = (input: Record<string, unknown>) => gqlOk(server.url, SETTINGS, { input }, ws.token);

  beforeAll(async () => {
    server = await startTestServer({ db, clock });
    ws = await createWorkspaceFixture(server.url, "Rules");
    await gqlOk(
      server.url,
      `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { id } }`,
      { input: { email: `agent-${db}@rules.test`, name: "Agent", role: "AGENT", password: "correct horse battery" } },
      ws.token,
    );
    agentToken = (await gqlOk(server.url, `mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { token } }`, { e: `agent-${db}@rules.test` })).signIn.token;
  });
  afterAll(() => server?.stop());

  it("labels: replaced, lower-cased, each once, at most 20; any member; bad input changes nothing; each change is an event", async () => {
    const id = await createConversation(server.url, ws);
    const set = await gqlOk(server.url, LABELS, { id, labels: ["Billing", " VIP ", "billing"] }, agentToken);
    expect(set.setConversationLabels.labels).toEqual(["billing", "vip"]);
    for (const labels of [Array.from({ length: 21 }, (_, i) => `l${i}`), [""], ["a".repeat(51)], ["two\nlines"]]) {
      expect(codes(await gql(server.url, LABELS, { id, labels }, ws.token))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(codes(await gql(server.url, LABELS, { id, labels: ["x"] }))).toEqual(["UNAUTHENTICATED"]);
    const other = await createWorkspaceFixture(server.url, "Elsewhere");
    expect(codes(await gql(server.url, LABELS, { id, labels: ["x"] }, other.token))).toEqual(["NOT_FOUND"]);
    const twenty = Array.from({ length: 20 }, (_, i) => `L${i}`);
    expect((await gqlOk(server.url, LABELS, { id, labels: twenty }, ws.token)).setConversationLabels.labels).toEqual(twenty.map((l) => l.toLowerCase()));
    await gqlOk(server.url, LABELS, { id, labels: [] }, ws.token);
    // The same labels again record nothing.
    await gqlOk(server.url, LABELS, { id, labels: [] }, ws.token);
    const events = await server.running.app.prisma.conversationEvent.findMany({ where: { conversationId: id }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => [e.action, (e.after as { labels: string[] }).labels.length])).toEqual([
      ["Changed labels", 2],
      ["Changed labels", 20],
      ["Changed labels", 0],
    ]);
    const read = await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { labels } }`, { id }, ws.token);
    expect(read.conversation.labels).toEqual([]);
  });

  it("CSAT off, and a teammate's skip: no survey, and why", async () => {
    const off = await createConversation(server.url, ws, { name: "Off", email: "off@example.com" });
    expect(await resolve(off)).toMatchObject({ csatSkipReason: "CSAT_OFF", csatSurvey: null });
    await enableCsat(server.url, ws.token, 0);
    // Resolved again with CSAT on: still no survey, and the first resolve's reason stays.
    await gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: off }, ws.token);
    expect(await resolve(off)).toMatchObject({ csatSkipReason: "CSAT_OFF", csatSurvey: null });
    const skipped = await createConversation(server.url, ws, { name: "Skip", email: "skip@example.com" });
    expect(await resolve(skipped, true, agentToken)).toMatchObject({ csatSkipReason: "SKIPPED_BY_TEAMMATE", csatSurvey: null });
    const made = await createConversation(server.url, ws, { name: "Made", email: "made@example.com" });
    expect(await resolve(made)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
  });

  it("an excluded label: no survey (labels compared lower-cased)", async () => {
    await settings({ excludeLabels: ["Spam", "internal"] });
    const spam = await createConversation(server.url, ws, { name: "Spam", email: "spam@example.com" });
    await gqlOk(server.url, LABELS, { id: spam, labels: ["SPAM", "billing"] }, ws.token);
    expect(await resolve(spam)).toMatchObject({ csatSkipReason: "EXCLUDED_LABEL", csatSurvey: null });
    const fine = await createConversation(server.url, ws, { name: "Fine", email: "fine@example.com" });
    await gqlOk(server.url, LABELS, { id: fine, labels: ["billing"] }, ws.token);
    expect(await resolve(fine)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
    await settings({ excludeLabels: [] });
  });

  it("sampling: decided by the conversation alone, so every try decides the same", async () => {
    await settings({ samplePercent: 40 });
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push(await createConversation(server.url, ws, { name: `S${i}`, email: `s${i}@example.com` }));
    const results = await Promise.all(ids.map((id) => resolve(id)));
    const expected = ids.map((id) => (sampledIn(id, 40) ? null : "SAMPLED_OUT"));
    expect(results.map((r) => r.csatSkipReason)).toEqual(expected);
    expect(results.map((r) => r.csatSurvey !== null)).toEqual(expected.map((e) => e === null));
    // Both outcomes happened (16 conversations at 40%), and sampling is stable per id.
    expect(new Set(expected).size).toBe(2);
    expect(ids.map((id) => sampledIn(id, 40))).toEqual(ids.map((id) => sampledIn(id, 40)));
    expect(ids.every((id) => sampledIn(id, 100))).toBe(true);
    await settings({ samplePercent: 100 });
  });

  it("a suppressed address that is the only way to reach the customer: no survey; with the widget open, the widget still asks", async () => {
    const prisma = server.running.app.prisma;
    await prisma.emailSuppression.create({ data: { workspaceId: ws.workspaceId, email: "gone@example.com", reason: "bounced" } });
    const emailOnly = await createConversation(server.url, ws, { name: "Gone", email: "Gone@Example.com" });
    expect(await resolve(emailOnly)).toMatchObject({ csatSkipReason: "SUPPRESSED_EMAIL", csatSurvey: null });

    // The customer's widget is open on its conversation: the survey is made, and the widget is asked.
    const started = await gqlOk(
      server.url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
      { input: { channelId: ws.channelId, customer: { name: "Gone", email: "gone@example.com" }, firstMessage: "Hi" } },
    );
    const { visitorToken, conversation } = started.startWidgetConversation;
    const widget = wsClient(server.wsUrl, { visitorToken });
    const feed = collect(widget, `subscription($id: ID!) { conversationUpdated(conversationId: $id) { change } }`, { id: conversation.id });
    await until(() => server.running.app.presence.isOpen(conversation.id), 5000, "the widget to be open");
    const withWidget = await resolve(conversation.id);
    expect(withWidget).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
    await until(() => feed.events.some((e) => (e.data as { conversationUpdated: { change: string } }).conversationUpdated.change === "CSAT_REQUESTED"));
    feed.dispose();
    await widget.dispose();

    // With a delay, a conversation that has a widget may still ask at dispatch; one without cannot.
    await enableCsat(server.url, ws.token, 60);
    const delayedEmailOnly = await createConversation(server.url, ws, { name: "Gone", email: "gone@example.com" });
    expect(await resolve(delayedEmailOnly)).toMatchObject({ csatSkipReason: "SUPPRESSED_EMAIL", csatSurvey: null });
    const delayedWidget = await gqlOk(
      server.url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { conversation { id } } }`,
      { input: { channelId: ws.channelId, customer: { name: "Gone", email: "gone@example.com" } } },
    );
    expect(await resolve(delayedWidget.startWidgetConversation.conversation.id)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "SCHEDULED" } });
    await enableCsat(server.url, ws.token, 0);
    // A customer with no address is no suppression case: the survey is made (dispatched, maybe ungathered).
    const noEmail = await createConversation(server.url, ws, { name: "Nobody" });
    expect(await resolve(noEmail)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
  });

  it("cooldown: no survey to the same address or the same customer within N days; afterwards again", async () => {
    await settings({ cooldownDays: 7 });
    const first = await createConversation(server.url, ws, { name: "Dana", email: "dana@example.com" });
    expect(await resolve(first)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
    // Another customer record with the same address (a new conversation from the API).
    const sameEmail = await createConversation(server.url, ws, { name: "Dana again", email: "DANA@example.com" });
    expect(await resolve(sameEmail)).toMatchObject({ csatSkipReason: "COOLDOWN", csatSurvey: null });
    // The same customer (no address) on a second conversation.
    const prisma = server.running.app.prisma;
    const noAddress = await createConversation(server.url, ws, { name: "Eli" });
    expect(await resolve(noAddress)).toMatchObject({ csatSkipReason: null });
    const { customerId } = await prisma.conversation.findUniqueOrThrow({ where: { id: noAddress } });
    const second = await prisma.conversation.create({ data: { workspaceId: ws.workspaceId, customerId, channelId: ws.channelId } });
    expect(await resolve(second.id)).toMatchObject({ csatSkipReason: "COOLDOWN", csatSurvey: null });
    // Someone else is not held back.
    const stranger = await createConversation(server.url, ws, { name: "Fay", email: "fay@example.com" });
    expect(await resolve(stranger)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
    // Seven days on, Dana may be asked again.
    clock.advance(7 * DAY + 1000);
    const later = await createConversation(server.url, ws, { name: "Dana", email: "dana@example.com" });
    expect(await resolve(later)).toMatchObject({ csatSkipReason: null, csatSurvey: { state: "DISPATCHED" } });
  });

  it("cooldown race: 20 concurrent first resolves of one customer's conversations make exactly one survey", async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => createConversation(server.url, ws, { name: "Gil", email: "gil@example.com" })));
    const results = await Promise.all(ids.map((id) => resolve(id)));
    expect(results.filter((r) => r.csatSurvey !== null)).toHaveLength(1);
    expect(results.filter((r) => r.csatSkipReason === "COOLDOWN")).toHaveLength(19);
    const prisma = server.running.app.prisma;
    expect(await prisma.csatSurvey.count({ where: { conversationId: { in: ids } } })).toBe(1);
    expect(await prisma.emailOutbox.count({ where: { to: "gil@example.com" } })).toBe(1);
    // Scheduled surveys count as well: with a delay, racing resolves still make one.
    await enableCsat(server.url, ws.token, 30);
    const delayed = await Promise.all(Array.from({ length: 20 }, () => createConversation(server.url, ws, { name: "Hal", email: "hal@example.com" })));
    const delayedResults = await Promise.all(delayed.map((id) => resolve(id)));
    expect(delayedResults.filter((r) => r.csatSurvey?.state === "SCHEDULED")).toHaveLength(1);
    expect(delayedResults.filter((r) => r.csatSkipReason === "COOLDOWN")).toHaveLength(19);
    await enableCsat(server.url, ws.token, 0);
    await settings({ cooldownDays: 0 });
  });

  it("csatReport.skipped counts the window's resolves that made no survey, by reason", async () => {
    const { csatReport } = await gqlOk(server.url, `{ csatReport(range: ALL_TIME) { skipped { reason count } } }`, {}, ws.token);
    const counts = Object.fromEntries(csatReport.skipped.map((s: { reason: string; count: number }) => [s.reason, s.count]));
    const sampledOut = (await server.running.app.prisma.conversation.count({ where: { workspaceId: ws.workspaceId, csatSkipReason: "SAMPLED_OUT" } }));
    expect(sampledOut).toBeGreaterThan(0);
    expect(counts).toEqual({ CSAT_OFF: 1, SKIPPED_BY_TEAMMATE: 1, EXCLUDED_LABEL: 1, SAMPLED_OUT: sampledOut, SUPPRESSED_EMAIL: 2, COOLDOWN: 40 });
    // The last 7 days leave out what was resolved before the clock moved on.
    const week = await gqlOk(server.url, `{ csatReport(range: LAST_7_DAYS) { skipped { reason count } } }`, {}, ws.token);
    expect(week.csatReport.skipped).toEqual([{ reason: "COOLDOWN", count: 38 }]);
  });

  it.runIf(db === "postgres")("rules cost statements only when on: none off; two for the cooldown", async () => {
    const plain = await createConversation(server.url, ws, { name: "P", email: "p@example.com" });
    // authenticate, BEGIN, lock with settings and rules, update, survey + email, COMMIT
    expect(await statementsOf(() => resolve(plain))).toHaveLength(6);
    await settings({ cooldownDays: 3, excludeLabels: ["spam"], samplePercent: 99 });
    const ruled = await createConversation(server.url, ws, { name: "Q", email: "q@example.com" });
    const sql = await statementsOf(() => resolve(ruled));
    // … plus the customer's lock and the look for a recent survey (sampled out: no survey, so neither those nor the insert).
    expect(sql.length).toBe(sampledIn(ruled, 99) ? 8 : 5);
    await settings({ cooldownDays: 0, excludeLabels: [], samplePercent: 100 });
  });
});
