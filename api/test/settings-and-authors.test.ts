import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const SETTINGS = `{ csatSettings { enabled scheduledCount } }`;

/** Issue 16 part 5: what switching CSAT off cancels, and who wrote a reply. */
describe.each(DB_KINDS)("CSAT settings' scheduled count and message authors on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Counted");
    other = await createWorkspaceFixture(server.url, "Elsewhere");
  });
  afterAll(() => server?.stop());

  const resolve = (id: string, token: string) => gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, token);

  it("counts the workspace's surveys waiting for dispatch, held ones too, and none once CSAT is off", async () => {
    expect((await gqlOk(server.url, SETTINGS, {}, ws.token)).csatSettings).toEqual({ enabled: false, scheduledCount: 0 });
    await enableCsat(server.url, ws.token, 60);
    await enableCsat(server.url, other.token, 60);
    const ids = [];
    for (const name of ["A", "B", "C"]) ids.push(await createConversation(server.url, ws, { name }));
    for (const id of ids) await resolve(id, ws.token);
    // Another workspace's scheduled survey is not this one's.
    await resolve(await createConversation(server.url, other, { name: "Z" }), other.token);
    // A held survey (reopened before its dispatch) still waits, and is still cancelled by switching off.
    await gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: ids[0] }, ws.token);
    expect((await gqlOk(server.url, SETTINGS, {}, ws.token)).csatSettings.scheduledCount).toBe(3);

    // A dispatched survey is not waiting: with no delay the next one goes at once.
    await enableCsat(server.url, ws.token, 0);
    await resolve(await createConversation(server.url, ws, { name: "D", email: "d@example.com" }), ws.token);
    expect((await gqlOk(server.url, SETTINGS, {}, ws.token)).csatSettings.scheduledCount).toBe(3);

    const off = await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: false }) { enabled scheduledCount } }`, {}, ws.token);
    expect(off.updateCsatSettings).toEqual({ enabled: false, scheduledCount: 0 });
    expect(await server.running.app.prisma.csatSurvey.count({ where: { workspaceId: ws.workspaceId, state: "CANCELLED" } })).toBe(3);
    expect((await gqlOk(server.url, SETTINGS, {}, other.token)).csatSettings.scheduledCount).toBe(1);
  });

  it("names the teammate who wrote a reply; customers' messages have none, and a visitor reads no author", async () => {
    const started = await gqlOk(
      server.url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
      { input: { channelId: ws.channelId, customer: { name: "Vic" }, firstMessage: "Hi" } },
    );
    const id = started.startWidgetConversation.conversation.id;
    const sent = await gqlOk(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "Hello Vic") { author { id name } } }`, { id }, ws.token);
    expect(sent.sendMessage.author).toEqual({ id: ws.adminId, name: "Counted Admin" });
    const read = `query($id: ID!) { conversation(id: $id) { messages { body author { name } } } }`;
    const asTeam = await gqlOk(server.url, read, { id }, ws.token);
    expect(asTeam.conversation.messages.map((m: { body: string; author: { name: string } | null }) => [m.body, m.author?.name ?? null]).sort()).toEqual([
      ["Hello Vic", "Counted Admin"],
      ["Hi", null],
    ]);
    const asVisitor = await gql(server.url, read, { id }, started.startWidgetConversation.visitorToken);
    expect(asVisitor.errors).toBeUndefined();
    expect(asVisitor.data?.conversation.messages.map((m: { author: unknown }) => m.author)).toEqual([null, null]);
  });
});
