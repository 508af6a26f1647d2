import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { gqlOk } from "../testkit/client.js";
import { createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const START = `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`;
const SEND = `mutation($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { id fromCustomer } }`;
const READ = `query($id: ID!) { conversation(id: $id) { status messages { body } csatSurvey { id state score } } }`;

/** Issue 16 part 3: a customer writing to a resolved conversation reopens that same conversation. */
describe.each(DB_KINDS)("a widget message after resolve on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  const clock = createManualClock(new Date("2026-06-01T12:00:00Z"));

  beforeAll(async () => {
    server = await startTestServer({ db, clock });
    ws = await createWorkspaceFixture(server.url, "Reopen");
  });
  afterAll(() => server?.stop());

  async function startChat(name: string, email: string | null = null) {
    const started = await gqlOk(server.url, START, { input: { channelId: ws.channelId, customer: { name, email }, firstMessage: "Hello" } });
    return { id: started.startWidgetConversation.conversation.id as string, visitor: started.startWidgetConversation.visitorToken as string };
  }
  const resolve = (id: string) => gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { status } }`, { id }, ws.token);
  const read = async (id: string) => (await gqlOk(server.url, READ, { id }, ws.token)).conversation;
  const surveys = (id: string) => server.running.app.prisma.csatSurvey.findMany({ where: { conversationId: id } });

  it("reopens the same conversation; its dispatched survey stays the one survey and stays answerable", async () => {
    await enableCsat(server.url, ws.token, 0);
    const chat = await startChat("Rita", "rita@example.com");
    await resolve(chat.id);
    expect((await read(chat.id)).csatSurvey.state).toBe("DISPATCHED");

    clock.advance(60_000);
    const sent = await gqlOk(server.url, SEND, { id: chat.id, body: "One more thing" }, chat.visitor);
    expect(sent.sendMessage.fromCustomer).toBe(true);
    const reopened = await read(chat.id);
    expect(reopened.status).toBe("OPEN");
    expect(reopened.messages.map((m: { body: string }) => m.body).sort()).toEqual(["Hello", "One more thing"]);
    expect(reopened.csatSurvey.state).toBe("DISPATCHED");
    const audit = await server.running.app.prisma.conversation.findUniqueOrThrow({ where: { id: chat.id } });
    expect(audit.resolvedAt).toBeNull();

    // Resolved again: still that one survey, one email; the card the customer got is still answerable.
    await resolve(chat.id);
    expect(await surveys(chat.id)).toHaveLength(1);
    const emails = await server.running.app.prisma.emailOutbox.findMany({ where: { survey: { conversationId: chat.id } } });
    expect(emails).toHaveLength(1);
    const submitted = await gqlOk(server.url, `mutation($t: String!) { submitCsat(token: $t, score: 4) { outcome } }`, { t: tokenFromEmail(emails[0]!.html) });
    expect(submitted.submitCsat.outcome).toBe("ACCEPTED");
    expect((await read(chat.id)).csatSurvey).toMatchObject({ state: "SUBMITTED", score: 4 });
  });

  it("holds a survey that was not dispatched yet, and the next resolve restarts its countdown", async () => {
    await enableCsat(server.url, ws.token, 60);
    const chat = await startChat("Sam");
    await resolve(chat.id);
    expect(await surveys(chat.id)).toMatchObject([{ state: "SCHEDULED", onHold: false }]);

    await gqlOk(server.url, SEND, { id: chat.id, body: "Wait, it broke again" }, chat.visitor);
    expect((await read(chat.id)).status).toBe("OPEN");
    expect(await surveys(chat.id)).toMatchObject([{ state: "SCHEDULED", onHold: true }]);

    clock.advance(10 * 60_000);
    await resolve(chat.id);
    const [survey] = await surveys(chat.id);
    expect(survey).toMatchObject({ state: "SCHEDULED", onHold: false });
    expect(survey!.dueAt.getTime()).toBe(clock.now().getTime() + 60 * 60_000);
  });

  it("a teammate's message leaves a resolved conversation resolved; an open one stays open", async () => {
    await enableCsat(server.url, ws.token, 0);
    const chat = await startChat("Tess");
    await gqlOk(server.url, SEND, { id: chat.id, body: "Still open" }, chat.visitor);
    expect((await read(chat.id)).status).toBe("OPEN");
    await resolve(chat.id);
    const reply = await gqlOk(server.url, SEND, { id: chat.id, body: "Glad we could help" }, ws.token);
    expect(reply.sendMessage.fromCustomer).toBe(false);
    expect((await read(chat.id)).status).toBe("RESOLVED");
    expect(await surveys(chat.id)).toHaveLength(1);
  });
});
