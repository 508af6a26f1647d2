import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, collect, gql, gqlOk, until, wsClient, type GqlResult } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

// No query, mutation or subscription reads or changes another workspace's data: an id from
// another workspace behaves exactly like an id that does not exist.

const UNKNOWN_ID = "6f1d2c3b-0000-4000-8000-000000000000";

/** What the caller sees of an error, without where it happened. */
const shape = (result: GqlResult) => ({
  data: result.data,
  errors: (result.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })),
});

function expectNotFound(result: GqlResult) {
  expect(codes(result)).toEqual(["NOT_FOUND"]);
  for (const error of result.errors ?? []) expect(Object.keys(error.extensions ?? {})).toEqual(["code"]);
}

const SNAPSHOT = `{
  workspace { id name }
  bots { id name }
  channels { id name kind }
  csatSettings { enabled delayMinutes }
  conversations { id status resolvedAt bot { id } channel { id } customer { id name email }
    messages { id body fromCustomer } csatSurvey { id state score comment } }
  auditLog { id action before after }
  csatReport(range: ALL_TIME) { totals { sent submitted averageRating responseRate } }
}`;

describe.each(DB_KINDS)("tenancy on %s", (db) => {
  let server: TestServer;
  let url: string;
  let a: WorkspaceFixture;
  let b: WorkspaceFixture;
  let aConversation: string;
  let bOpen: string;
  let bResolved: string;
  let bWidget: { conversationId: string; visitorToken: string };
  let aWidget: { conversationId: string; visitorToken: string };
  let bBefore: Record<string, any>;
  let aKey: string;

  beforeAll(async () => {
    server = await startTestServer({ db });
    url = server.url;
    [a, b] = await Promise.all([createWorkspaceFixture(url, "Alpha"), createWorkspaceFixture(url, "Beta")]);
    await Promise.all([enableCsat(url, a.token), enableCsat(url, b.token)]);
    aConversation = await createConversation(url, a);
    bOpen = await createConversation(url, b, { name: "Bea", email: "bea@beta.test" });
    bResolved = await createConversation(url, b, { name: "Ben", email: null });
    await gqlOk(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: bResolved }, b.token);
    const start = async (ws: WorkspaceFixture) => {
      const data = await gqlOk(
        url,
        `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
        { input: { channelId: ws.channelId, customer: { name: "Visitor" }, firstMessage: "hello" } },
      );
      return { conversationId: data.startWidgetConversation.conversation.id, visitorToken: data.startWidgetConversation.visitorToken };
    };
    aWidget = await start(a);
    bWidget = await start(b);
    aKey = (await gqlOk(url, `mutation { createApiKey(name: "alpha key") { key } }`, {}, a.token)).createApiKey.key;
    bBefore = await gqlOk(url, SNAPSHOT, {}, b.token);
  });
  afterAll(() => server?.stop());

  /** Every id-taking operation, aimed at `id` (a bot, channel or conversation id as fits). */
  const idOperations = (ids: { conversation: string; bot: string; channel: string }): [string, string, Record<string, unknown>][] => [
    ["conversation", `query($id: ID!) { conversation(id: $id) { id status messages { body } } }`, { id: ids.conversation }],
    ["sendMessage", `mutation($id: ID!) { sendMessage(conversationId: $id, body: "injected") { id } }`, { id: ids.conversation }],
    ["resolveConversation", `mutation($id: ID!) { resolveConversation(id: $id) { id status } }`, { id: ids.conversation }],
    ["reopenConversation", `mutation($id: ID!) { reopenConversation(id: $id) { id status } }`, { id: ids.conversation }],
    ["deleteBot", `mutation($id: ID!) { deleteBot(id: $id) }`, { id: ids.bot }],
    ["deleteChannel", `mutation($id: ID!) { deleteChannel(id: $id) }`, { id: ids.channel }],
    [
      "createConversation (channelId)",
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: ids.channel, customer: { name: "Mallory" }, firstMessage: "hi" } },
    ],
    [
      "createConversation (botId)",
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: a.channelId, botId: ids.bot, customer: { name: "Mallory" }, firstMessage: "hi" } },
    ],
  ];

  it("with A's admin token, every id-taking field against B's ids is NOT_FOUND, exactly as for an unknown id", async () => {
    const aCustomersBefore = await server.running.app.prisma.customer.count({ where: { workspaceId: a.workspaceId } });
    const cross = idOperations({ conversation: bOpen, bot: b.botId, channel: b.channelId });
    const unknown = idOperations({ conversation: UNKNOWN_ID, bot: UNKNOWN_ID, channel: UNKNOWN_ID });
    for (const [i, [what, query, variables]] of cross.entries()) {
      const result = await gql(url, query, variables, a.token);
      expect({ what, codes: codes(result) }).toEqual({ what, codes: ["NOT_FOUND"] });
      expectNotFound(result);
      const [, unknownQuery, unknownVariables] = unknown[i]!;
      expect(shape(result)).toEqual(shape(await gql(url, unknownQuery, unknownVariables, a.token)));
    }
    // Reopen aimed at B's resolved conversation too.
    expectNotFound(await gql(url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: bResolved }, a.token));
    expectNotFound(await gql(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: bWidget.conversationId }, a.token));
    // No half-made customer or conversation was left in A either.
    expect(await server.running.app.prisma.customer.count({ where: { workspaceId: a.workspaceId } })).toBe(aCustomersBefore);
  });

  it("with A's API key, the same: NOT_FOUND for B's ids", async () => {
    for (const [what, query, variables] of idOperations({ conversation: bOpen, bot: b.botId, channel: b.channelId })) {
      const result = await gql(url, query, variables, aKey);
      expect({ what, codes: codes(result) }).toEqual({ what, codes: ["NOT_FOUND"] });
    }
    expectNotFound(await gql(url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: bResolved }, aKey));
  });

  it("malformed ids are NOT_FOUND", async () => {
    for (const bad of ["nope", "", "1", `${bOpen}x`, "' OR 1=1 --"]) {
      for (const [what, query, variables] of idOperations({ conversation: bad, bot: bad, channel: bad })) {
        const result = await gql(url, query, variables, a.token);
        expect({ what, bad, codes: codes(result) }).toEqual({ what, bad, codes: ["NOT_FOUND"] });
      }
    }
  });

  it("A's lists, report and audit log never show B's data", async () => {
    const seen = await gqlOk(url, SNAPSHOT, {}, a.token);
    expect(seen.workspace).toEqual({ id: a.workspaceId, name: "Alpha" });
    expect(seen.bots).toEqual([{ id: a.botId, name: "Ava" }]);
    expect(seen.channels).toEqual([{ id: a.channelId, name: "Website chat", kind: "WEB_WIDGET" }]);
    expect(seen.conversations.map((c: any) => c.id).sort()).toEqual([aConversation, aWidget.conversationId].sort());
    // A's own: its settings change and the creation of its API key (audited since issue 11.12).
    expect(seen.auditLog.map((e: any) => e.action).sort()).toEqual(["Changed CSAT settings", "Created API key"]);
    expect(seen.csatReport.totals).toEqual({ sent: 0, submitted: 0, averageRating: null, responseRate: null });
    // B did resolve one conversation with CSAT on.
    expect(bBefore.csatReport.totals).toEqual({ sent: 1, submitted: 0, averageRating: null, responseRate: 0 });
  });

  it("a visitor token of a conversation in B reaches nothing of A", async () => {
    const token = bWidget.visitorToken;
    for (const [what, query, variables] of [
      ["conversation", `query($id: ID!) { conversation(id: $id) { id } }`, { id: aConversation }],
      ["sendMessage", `mutation($id: ID!) { sendMessage(conversationId: $id, body: "x") { id } }`, { id: aConversation }],
      ["resolveConversation", `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: aWidget.conversationId }],
      ["conversations", `{ conversations { id } }`, {}],
    ] as const) {
      const result = await gql(url, query, variables, token);
      expect({ what, codes: codes(result) }).toEqual({ what, codes: ["FORBIDDEN"] });
      expect(result.data?.[what] ?? null).toBeNull();
    }
  });

  it("a visitor token of a conversation in B cannot subscribe to A's conversation (close 4403)", async () => {
    const client = wsClient(server.wsUrl, { visitorToken: bWidget.visitorToken });
    try {
      const sub = collect(client, `subscription($id: ID!) { csatRequested(conversationId: $id) { token } }`, { id: aWidget.conversationId });
      await until(() => client.closes.length > 0, 5000, "the socket to close");
      expect(client.closes).toEqual([4403]);
      expect(sub.events).toEqual([]);
      expect(await server.running.app.presence.isOpen(aWidget.conversationId)).toBe(false);
    } finally {
      await client.dispose();
    }
  });

  it("B's data is unchanged after all of the above", async () => {
    expect(await gqlOk(url, SNAPSHOT, {}, b.token)).toEqual(bBefore);
    expect(bBefore.conversations.find((c: any) => c.id === bOpen)).toMatchObject({ status: "OPEN", csatSurvey: null });
    expect(bBefore.conversations.find((c: any) => c.id === bResolved)).toMatchObject({ status: "RESOLVED", csatSurvey: { state: "DISPATCHED" } });
    expect(bBefore.bots).toEqual([{ id: b.botId, name: "Ava" }]);
    expect(bBefore.channels).toEqual([{ id: b.channelId, name: "Website chat", kind: "WEB_WIDGET" }]);
    expect(await server.running.app.prisma.message.count({ where: { body: "injected" } })).toBe(0);
  });
});
