import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../src/tokens.js";
import { codes, gql, gqlOk, type GqlResult } from "../testkit/client.js";
import { createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

// Every Query and Mutation of the public contract, over real HTTP, on PGlite and PostgreSQL.

const DAY_MS = 86_400_000;
const HEX32 = /^[0-9a-f]{32}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PASSWORD = "correct horse battery";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uuid = () => crypto.randomUUID();

/** No error may carry a stack trace, SQL or driver detail; extensions hold the code alone. */
function expectCleanErrors(result: GqlResult) {
  for (const error of result.errors ?? []) {
    expect(Object.keys(error.extensions ?? {})).toEqual(["code"]);
    const text = JSON.stringify(error);
    expect(text).not.toMatch(/\bat .+:\d+:\d+|stack|\.ts\b|\.js\b/i);
    expect(text).not.toMatch(/\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE)\b/);
    expect(text).not.toMatch(/prisma|postgres|pglite|P20\d\d|constraint|relation "/i);
  }
}

/** The request failed with exactly this one code, cleanly. */
function expectCode(result: GqlResult, code: string) {
  expect(codes(result)).toEqual([code]);
  expectCleanErrors(result);
}

const CONVERSATION = `id status resolvedAt
  channel { id name kind } bot { id name } customer { id name email }
  messages { id body fromCustomer createdAt }
  csatSurvey { id state dueAt dispatchedAt expiresAt deliveredToWidget emailed score comment answeredAt answeredVia }`;

describe.each(DB_KINDS)("public GraphQL contract on %s", (db) => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ db });
    url = server.url;
  });
  afterAll(() => server?.stop());

  async function newConversation(
    ws: Pick<WorkspaceFixture, "token" | "channelId">,
    opts: { botId?: string | null; email?: string | null; name?: string; firstMessage?: string | null } = {},
  ): Promise<string> {
    const data = await gqlOk(
      url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      {
        input: {
          channelId: ws.channelId,
          botId: opts.botId ?? null,
          customer: { name: opts.name ?? "Casey Customer", email: opts.email ?? null },
          firstMessage: opts.firstMessage ?? null,
        },
      },
      ws.token,
    );
    return data.createConversation.id;
  }

  const getConversation = async (token: string, id: string) =>
    (await gqlOk(url, `query($id: ID!) { conversation(id: $id) { ${CONVERSATION} } }`, { id }, token)).conversation;

  const resolve = async (token: string, id: string) =>
    (await gqlOk(url, `mutation($id: ID!) { resolveConversation(id: $id) { ${CONVERSATION} } }`, { id }, token))
      .resolveConversation;

  const reopen = async (token: string, id: string) =>
    (await gqlOk(url, `mutation($id: ID!) { reopenConversation(id: $id) { ${CONVERSATION} } }`, { id }, token))
      .reopenConversation;

  const updateSettings = (token: string, input: Record<string, unknown>) =>
    gql(url, `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { enabled delayMinutes } }`, { input }, token);

  const settings = async (token: string) => (await gqlOk(url, `{ csatSettings { enabled delayMinutes } }`, {}, token)).csatSettings;

  const surveyCount = (conversationId: string) => server.running.app.prisma.csatSurvey.count({ where: { conversationId } });

  /** The survey token, read from the link in the survey email the outbox recorded. */
  async function surveyTokenFromOutbox(conversationId: string): Promise<string> {
    const row = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId } } });
    return tokenFromEmail(row.html);
  }

  /** A resolved conversation with a dispatched survey whose token we hold (CSAT must be on, delay 0). */
  async function dispatchedSurvey(ws: WorkspaceFixture, opts: { botId?: string; channelId?: string } = {}) {
    const id = await newConversation(
      { token: ws.token, channelId: opts.channelId ?? ws.channelId },
      { botId: opts.botId ?? ws.botId, email: `c-${randomBytes(3).toString("hex")}@customer.test` },
    );
    await resolve(ws.token, id);
    return { conversationId: id, token: await surveyTokenFromOutbox(id) };
  }

  /** An AGENT of the workspace, inserted directly, then signed in through the API. */
  async function signedInAgent(ws: WorkspaceFixture): Promise<{ id: string; token: string }> {
    const email = `agent-${randomBytes(4).toString("hex")}@agents.test`;
    const agent = await server.running.app.prisma.teammate.create({
      data: { workspaceId: ws.workspaceId, email, name: "Alan Agent", role: "AGENT", passwordHash: await hashPassword(PASSWORD) },
    });
    const data = await gqlOk(
      url,
      `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token teammate { id role } } }`,
      { email, password: PASSWORD },
    );
    expect(data.signIn.teammate).toEqual({ id: agent.id, role: "AGENT" });
    return { id: agent.id, token: data.signIn.token };
  }

  describe("workspaces and sign-in", () => {
    it("createWorkspace returns the workspace, its ADMIN and a token usable as Bearer", async () => {
      const email = `Founder-${randomBytes(4).toString("hex")}@Globex.test`;
      const result = await gqlOk(
        url,
        `mutation($input: CreateWorkspaceInput!) {
          createWorkspace(input: $input) { token workspace { id name } admin { id email name role } }
        }`,
        { input: { name: "Globex", adminEmail: email, adminName: "Gina Globex", password: PASSWORD } },
      );
      const { token, workspace, admin } = result.createWorkspace;
      expect(workspace).toEqual({ id: expect.any(String), name: "Globex" });
      expect(admin).toEqual({ id: expect.any(String), email: email.toLowerCase(), name: "Gina Globex", role: "ADMIN" });
      expect(token).toEqual(expect.any(String));

      const me = await gqlOk(url, `{ me { id email name role } workspace { id name } }`, {}, token);
      expect(me).toEqual({ me: admin, workspace });

      // A new workspace starts empty, with CSAT off.
      const fresh = await gqlOk(
        url,
        `{ csatSettings { enabled delayMinutes } bots { id } channels { id } conversations { id } auditLog { id } }`,
        {},
        token,
      );
      expect(fresh).toEqual({ csatSettings: { enabled: false, delayMinutes: 0 }, bots: [], channels: [], conversations: [], auditLog: [] });
    });

    it("createWorkspace refuses bad input and a taken email with BAD_USER_INPUT", async () => {
      const mutation = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { token } }`;
      const email = `dup-${randomBytes(4).toString("hex")}@dup.test`;
      await gqlOk(url, mutation, { input: { name: "Dup", adminEmail: email, adminName: "D", password: PASSWORD } });
      const before = await server.running.app.prisma.workspace.count();
      for (const input of [
        { name: "Dup 2", adminEmail: email.toUpperCase(), adminName: "D", password: PASSWORD },
        { name: "Bad", adminEmail: "not-an-email", adminName: "D", password: PASSWORD },
        { name: "Bad", adminEmail: `x-${randomBytes(4).toString("hex")}@a.test`, adminName: "D", password: "short" },
        { name: "   ", adminEmail: `y-${randomBytes(4).toString("hex")}@a.test`, adminName: "D", password: PASSWORD },
      ]) {
        const result = await gql(url, mutation, { input });
        expectCode(result, "BAD_USER_INPUT");
        expect(result.data).toBeNull();
      }
      expect(await server.running.app.prisma.workspace.count()).toBe(before);
    });

    it("me is null without a token; signIn opens a session and signOut ends only that one", async () => {
      const ws = await createWorkspaceFixture(url, "Initech");
      expect(await gqlOk(url, `{ me { id } }`)).toEqual({ me: null });
      // Wrong credentials are not "nobody": they are refused.
      for (const token of ["garbage", "hcs_not-a-session", "hck_not-a-key"]) {
        const result = await gql(url, `{ me { id } }`, {}, token);
        expectCode(result, "UNAUTHENTICATED");
        expect(result.data).toEqual({ me: null });
      }

      const signIn = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token teammate { id email role } } }`;
      const signedIn = await gqlOk(url, signIn, { email: ws.adminEmail.toUpperCase(), password: PASSWORD });
      expect(signedIn.signIn.teammate).toEqual({ id: ws.adminId, email: ws.adminEmail, role: "ADMIN" });
      const session = signedIn.signIn.token as string;
      expect(session).not.toBe(ws.token);
      expect((await gqlOk(url, `{ me { id } }`, {}, session)).me).toEqual({ id: ws.adminId });

      expect(await gqlOk(url, `mutation { signOut }`, {}, session)).toEqual({ signOut: true });
      expectCode(await gql(url, `{ bots { id } }`, {}, session), "UNAUTHENTICATED");
      expectCode(await gql(url, `{ me { id } }`, {}, session), "UNAUTHENTICATED");
      expectCode(await gql(url, `mutation { signOut }`, {}, session), "UNAUTHENTICATED");
      // The fixture's own session is untouched.
      expect((await gqlOk(url, `{ me { id } }`, {}, ws.token)).me).toEqual({ id: ws.adminId });

      for (const creds of [
        { email: ws.adminEmail, password: "wrong password" },
        { email: `nobody-${randomBytes(4).toString("hex")}@nowhere.test`, password: PASSWORD },
      ]) {
        const result = await gql(url, signIn, creds);
        expectCode(result, "UNAUTHENTICATED");
        expect(result.data).toBeNull();
      }
    });

    it("an API key made by an admin works as Bearer, and its settings changes are audited without an actor", async () => {
      const ws = await createWorkspaceFixture(url, "Hooli");
      const created = await gqlOk(url, `mutation { createApiKey(name: "Zapier") { key apiKey { id name prefix } } }`, {}, ws.token);
      const { key, apiKey } = created.createApiKey;
      expect(apiKey).toEqual({ id: expect.any(String), name: "Zapier", prefix: expect.any(String) });
      expect(key.startsWith(apiKey.prefix)).toBe(true);
      const stored = await server.running.app.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
      expect(JSON.stringify(stored)).not.toContain(key);

      const asKey = await gqlOk(url, `{ me { id } workspace { id name } bots { id name } channels { id } }`, {}, key);
      expect(asKey).toEqual({
        me: null,
        workspace: { id: ws.workspaceId, name: "Hooli" },
        bots: [{ id: ws.botId, name: "Ava" }],
        channels: [{ id: ws.channelId }],
      });
      expect((await updateSettings(key, { enabled: true })).data).toEqual({ updateCsatSettings: { enabled: true, delayMinutes: 0 } });
      const log = await gqlOk(url, `{ auditLog { action actor { id } actorName before after } }`, {}, key);
      // Newest first: the key's change (no teammate; the key's name), then the key's creation (issue 11.12).
      expect(log.auditLog).toHaveLength(2);
      expect(log.auditLog[0]).toMatchObject({ action: "Changed CSAT settings", actor: null, actorName: "Zapier" });
      expect(log.auditLog[1]).toMatchObject({ action: "Created API key", actor: { id: ws.adminId } });
    });
  });

  describe("bots and channels", () => {
    it("createBot / bots / deleteBot", async () => {
      const ws = await createWorkspaceFixture(url, "Bots");
      const zed = (await gqlOk(url, `mutation { createBot(name: "  Zed  ") { id name } }`, {}, ws.token)).createBot;
      expect(zed).toEqual({ id: expect.any(String), name: "Zed" });
      const bots = async () => (await gqlOk(url, `{ bots { id name } }`, {}, ws.token)).bots.sort((a: any, b: any) => a.name.localeCompare(b.name));
      expect(await bots()).toEqual([{ id: ws.botId, name: "Ava" }, zed]);

      expect(await gqlOk(url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: zed.id }, ws.token)).toEqual({ deleteBot: true });
      expect(await bots()).toEqual([{ id: ws.botId, name: "Ava" }]);
      expectCode(await gql(url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: zed.id }, ws.token), "NOT_FOUND");

      for (const name of ["", "   ", "x".repeat(201)]) {
        expectCode(await gql(url, `mutation($name: String!) { createBot(name: $name) { id } }`, { name }, ws.token), "BAD_USER_INPUT");
      }
      expect(await bots()).toEqual([{ id: ws.botId, name: "Ava" }]);
    });

    it("createChannel / channels / deleteChannel", async () => {
      const ws = await createWorkspaceFixture(url, "Channels");
      const email = (await gqlOk(url, `mutation { createChannel(name: "Support email", kind: EMAIL) { id name kind } }`, {}, ws.token))
        .createChannel;
      const api = (await gqlOk(url, `mutation { createChannel(name: "Partner API", kind: API) { id name kind } }`, {}, ws.token))
        .createChannel;
      expect(email).toEqual({ id: expect.any(String), name: "Support email", kind: "EMAIL" });
      expect(api).toEqual({ id: expect.any(String), name: "Partner API", kind: "API" });
      const channels = async () =>
        (await gqlOk(url, `{ channels { id name kind } }`, {}, ws.token)).channels.sort((a: any, b: any) => a.name.localeCompare(b.name));
      expect(await channels()).toEqual([api, email, { id: ws.channelId, name: "Website chat", kind: "WEB_WIDGET" }]);

      expect(await gqlOk(url, `mutation($id: ID!) { deleteChannel(id: $id) }`, { id: api.id }, ws.token)).toEqual({ deleteChannel: true });
      expect(await channels()).toEqual([email, { id: ws.channelId, name: "Website chat", kind: "WEB_WIDGET" }]);
      expectCode(await gql(url, `mutation($id: ID!) { deleteChannel(id: $id) }`, { id: api.id }, ws.token), "NOT_FOUND");
      expectCode(await gql(url, `mutation { createChannel(name: "", kind: EMAIL) { id } }`, {}, ws.token), "BAD_USER_INPUT");
      expect(await channels()).toHaveLength(2);
    });

    it("deleting a bot or channel keeps its conversations, with the link set to null", async () => {
      const ws = await createWorkspaceFixture(url, "Unlink");
      const id = await newConversation(ws, { botId: ws.botId, firstMessage: "hi" });
      await gqlOk(url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: ws.botId }, ws.token);
      await gqlOk(url, `mutation($id: ID!) { deleteChannel(id: $id) }`, { id: ws.channelId }, ws.token);
      const conversation = await getConversation(ws.token, id);
      expect(conversation).toMatchObject({ id, status: "OPEN", bot: null, channel: null, messages: [{ body: "hi", fromCustomer: true }] });
    });
  });

  describe("conversations and messages", () => {
    it("createConversation and conversation return the full conversation", async () => {
      const ws = await createWorkspaceFixture(url, "Convos");
      const data = await gqlOk(
        url,
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { ${CONVERSATION} } }`,
        {
          input: {
            channelId: ws.channelId,
            botId: ws.botId,
            customer: { name: "Casey Customer", email: "Casey@Example.test" },
            firstMessage: "Hello, I need help",
          },
        },
        ws.token,
      );
      const created = data.createConversation;
      expect(created).toEqual({
        id: expect.any(String),
        status: "OPEN",
        resolvedAt: null,
        channel: { id: ws.channelId, name: "Website chat", kind: "WEB_WIDGET" },
        bot: { id: ws.botId, name: "Ava" },
        customer: { id: expect.any(String), name: "Casey Customer", email: "casey@example.test" },
        messages: [{ id: expect.any(String), body: "Hello, I need help", fromCustomer: true, createdAt: expect.stringMatching(ISO) }],
        csatSurvey: null,
      });
      expect(await getConversation(ws.token, created.id)).toEqual(created);

      // Without a bot, an email or a first message.
      const bare = await getConversation(ws.token, await newConversation(ws, { name: "Bare" }));
      expect(bare).toMatchObject({ status: "OPEN", bot: null, customer: { name: "Bare", email: null }, messages: [], csatSurvey: null });

      for (const input of [
        { channelId: ws.channelId, customer: { name: "" } },
        { channelId: ws.channelId, customer: { name: "X", email: "nope" } },
        { channelId: ws.channelId, customer: { name: "X" }, firstMessage: "   " },
      ]) {
        expectCode(
          await gql(url, `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`, { input }, ws.token),
          "BAD_USER_INPUT",
        );
      }
      expect((await gqlOk(url, `{ conversations { id } }`, {}, ws.token)).conversations).toHaveLength(2);
    });

    it("conversations filters by status and honours first", async () => {
      const ws = await createWorkspaceFixture(url, "Lists");
      const c1 = await newConversation(ws, { firstMessage: "one" });
      const c2 = await newConversation(ws, { firstMessage: "two" });
      const c3 = await newConversation(ws, { firstMessage: "three" });
      await resolve(ws.token, c3);
      await sleep(5);
      await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "bump") { id } }`, { id: c1 }, ws.token);

      const list = async (args: string) =>
        (await gqlOk(url, `{ conversations${args} { id status } }`, {}, ws.token)).conversations as { id: string; status: string }[];
      const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
      expect(ids(await list(""))).toEqual([c1, c2, c3].sort());
      expect(await list("(status: OPEN)")).toHaveLength(2);
      expect(ids(await list("(status: OPEN)"))).toEqual([c1, c2].sort());
      expect(await list("(status: RESOLVED)")).toEqual([{ id: c3, status: "RESOLVED" }]);
      expect(await list("(first: 2)")).toHaveLength(2);
      expect(await list("(status: OPEN, first: 1)")).toEqual([{ id: c1, status: "OPEN" }]); // latest activity first
      expect(await list("(first: 0)")).toEqual([]);
      expectCode(await gql(url, `{ conversations(first: -1) { id } }`, {}, ws.token), "BAD_USER_INPUT");
    });

    it("startWidgetConversation is public and returns a visitor token for that conversation", async () => {
      const ws = await createWorkspaceFixture(url, "Widget");
      const started = await gqlOk(
        url,
        `mutation($input: StartWidgetConversationInput!) {
          startWidgetConversation(input: $input) { visitorToken conversation { id status channel { id } bot { id } customer { name email } messages { body fromCustomer } } }
        }`,
        { input: { channelId: ws.channelId, customer: { name: "Wendy" }, firstMessage: "Hi from the widget" } },
      );
      const session = started.startWidgetConversation;
      expect(session).toEqual({
        visitorToken: expect.any(String),
        conversation: {
          id: expect.any(String),
          status: "OPEN",
          channel: { id: ws.channelId },
          bot: null,
          customer: { name: "Wendy", email: null },
          messages: [{ body: "Hi from the widget", fromCustomer: true }],
        },
      });
      // The team sees it in its inbox.
      const inbox = await gqlOk(url, `{ conversations { id } }`, {}, ws.token);
      expect(inbox.conversations).toEqual([{ id: session.conversation.id }]);
      // The visitor reads its own conversation.
      const own = await gqlOk(url, `query($id: ID!) { conversation(id: $id) { id status } }`, { id: session.conversation.id }, session.visitorToken);
      expect(own.conversation).toEqual({ id: session.conversation.id, status: "OPEN" });

      for (const channelId of [uuid(), "nope"]) {
        expectCode(
          await gql(
            url,
            `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken } }`,
            { input: { channelId, customer: { name: "Wendy" } } },
          ),
          "NOT_FOUND",
        );
      }
    });

    it("sendMessage: a teammate's message is not from the customer, the visitor's is; other visitors are refused", async () => {
      const ws = await createWorkspaceFixture(url, "Messages");
      const start = async (name: string) =>
        (
          await gqlOk(
            url,
            `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
            { input: { channelId: ws.channelId, customer: { name }, firstMessage: `Hi, I am ${name}` } },
          )
        ).startWidgetConversation;
      const wendy = await start("Wendy");
      const victor = await start("Victor");
      const send = (token: string | undefined, conversationId: string, body: string) =>
        gql(url, `mutation($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { id body fromCustomer createdAt } }`, { id: conversationId, body }, token);

      const reply = await send(ws.token, wendy.conversation.id, "How can I help?");
      expect(reply.data?.sendMessage).toEqual({ id: expect.any(String), body: "How can I help?", fromCustomer: false, createdAt: expect.stringMatching(ISO) });
      const answer = await send(wendy.visitorToken, wendy.conversation.id, "My order is late");
      expect(answer.data?.sendMessage).toEqual({ id: expect.any(String), body: "My order is late", fromCustomer: true, createdAt: expect.stringMatching(ISO) });

      // Victor's visitor token is for Victor's conversation only.
      const intruder = await send(victor.visitorToken, wendy.conversation.id, "let me in");
      expectCode(intruder, "FORBIDDEN");
      expect(intruder.data).toBeNull();
      expectCode(await gql(url, `query($id: ID!) { conversation(id: $id) { id } }`, { id: wendy.conversation.id }, victor.visitorToken), "FORBIDDEN");
      expectCode(await gql(url, `{ conversations { id } }`, {}, wendy.visitorToken), "FORBIDDEN");
      expectCode(await gql(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: wendy.conversation.id }, wendy.visitorToken), "FORBIDDEN");
      expectCode(await send(undefined, wendy.conversation.id, "anonymous"), "UNAUTHENTICATED");
      expectCode(await send(ws.token, wendy.conversation.id, "  "), "BAD_USER_INPUT");

      const thread = await gqlOk(url, `query($id: ID!) { conversation(id: $id) { messages { body fromCustomer } } }`, { id: wendy.conversation.id }, ws.token);
      expect(thread.conversation.messages).toEqual([
        { body: "Hi, I am Wendy", fromCustomer: true },
        { body: "How can I help?", fromCustomer: false },
        { body: "My order is late", fromCustomer: true },
      ]);
    });
  });

  describe("resolving and surveys", () => {
    it("with CSAT on and delay 0, the first resolve dispatches exactly one survey; later resolves are no-ops", async () => {
      const ws = await createWorkspaceFixture(url, "Resolve");
      await enableCsat(url, ws.token, 0);
      const id = await newConversation(ws, { botId: ws.botId, email: "pat@customer.test" });

      const resolved = await resolve(ws.token, id);
      expect(resolved).toMatchObject({ id, status: "RESOLVED", resolvedAt: expect.stringMatching(ISO) });
      const survey = resolved.csatSurvey;
      expect(survey).toEqual({
        id: expect.any(String),
        state: "DISPATCHED",
        dueAt: resolved.resolvedAt,
        dispatchedAt: resolved.resolvedAt,
        expiresAt: new Date(Date.parse(resolved.resolvedAt) + 30 * DAY_MS).toISOString(),
        deliveredToWidget: false,
        emailed: true,
        score: null,
        comment: null,
        answeredAt: null,
        answeredVia: null,
      });
      const outbox = await server.running.app.prisma.emailOutbox.findMany({ where: { surveyId: survey.id } });
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({ to: "pat@customer.test", state: "RECORDED" });
      expect(outbox[0]!.html).toMatch(/http:\/\/csat\.test\/csat\/[0-9a-f]{32}/);

      // Resolving again changes nothing.
      expect(await resolve(ws.token, id)).toEqual(resolved);
      // Reopen, then resolve again: still the same single survey.
      const reopened = await reopen(ws.token, id);
      expect(reopened).toMatchObject({ status: "OPEN", resolvedAt: null, csatSurvey: survey });
      expect(await reopen(ws.token, id)).toMatchObject({ status: "OPEN", resolvedAt: null });
      await sleep(3);
      const again = await resolve(ws.token, id);
      expect(again.status).toBe("RESOLVED");
      expect(Date.parse(again.resolvedAt)).toBeGreaterThan(Date.parse(resolved.resolvedAt));
      expect(again.csatSurvey).toEqual(survey);
      expect(await surveyCount(id)).toBe(1);
      expect(await server.running.app.prisma.emailOutbox.count({ where: { surveyId: survey.id } })).toBe(1);
    });

    it("racing resolves create one survey between them", async () => {
      const ws = await createWorkspaceFixture(url, "Race");
      await enableCsat(url, ws.token, 0);
      const id = await newConversation(ws);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => gql(url, `mutation($id: ID!) { resolveConversation(id: $id) { status } }`, { id }, ws.token)),
      );
      for (const r of results) expect(r.data).toEqual({ resolveConversation: { status: "RESOLVED" } });
      expect(await surveyCount(id)).toBe(1);
    });

    it("with CSAT off no survey is created, not even after re-enabling and resolving again", async () => {
      const ws = await createWorkspaceFixture(url, "Off");
      const first = await newConversation(ws);
      const resolved = await resolve(ws.token, first);
      expect(resolved).toMatchObject({ status: "RESOLVED", csatSurvey: null });
      await reopen(ws.token, first);

      await enableCsat(url, ws.token, 0);
      expect(await resolve(ws.token, first)).toMatchObject({ status: "RESOLVED", csatSurvey: null });
      expect(await surveyCount(first)).toBe(0);

      // A conversation resolved for the first time now does get one.
      const second = await newConversation(ws);
      expect((await resolve(ws.token, second)).csatSurvey).toMatchObject({ state: "DISPATCHED" });
    });

    it("with a delay the survey is SCHEDULED; a reopen holds it, a resolve restarts the countdown, switching off cancels it", async () => {
      const ws = await createWorkspaceFixture(url, "Delay");
      await enableCsat(url, ws.token, 60);
      const id = await newConversation(ws, { email: "late@customer.test" });
      const first = await resolve(ws.token, id);
      expect(first.csatSurvey).toMatchObject({
        state: "SCHEDULED",
        dueAt: new Date(Date.parse(first.resolvedAt) + 60 * 60_000).toISOString(),
        dispatchedAt: null,
        expiresAt: null,
        emailed: false,
      });
      await sleep(5);
      expect((await reopen(ws.token, id)).csatSurvey).toMatchObject({ id: first.csatSurvey.id, state: "SCHEDULED" });
      const second = await resolve(ws.token, id);
      expect(Date.parse(second.resolvedAt)).toBeGreaterThan(Date.parse(first.resolvedAt));
      expect(second.csatSurvey).toMatchObject({
        id: first.csatSurvey.id,
        state: "SCHEDULED",
        dueAt: new Date(Date.parse(second.resolvedAt) + 60 * 60_000).toISOString(),
      });

      expect((await updateSettings(ws.token, { enabled: false })).data).toEqual({ updateCsatSettings: { enabled: false, delayMinutes: 60 } });
      expect((await getConversation(ws.token, id)).csatSurvey).toMatchObject({ id: first.csatSurvey.id, state: "CANCELLED", dispatchedAt: null });
      expect(await server.running.app.prisma.emailOutbox.count({ where: { surveyId: first.csatSurvey.id } })).toBe(0);
    });
  });

  describe("CSAT settings and the audit log", () => {
    /** Every setting a new workspace has, as the audit log records them. */
    const SETTINGS_DEFAULTS = {
      enabled: false, delayMinutes: 0, retentionDays: 0, reminderAfterDays: 0, defaultLocale: "en", texts: [], excludeLabels: [],
      cooldownDays: 0, samplePercent: 100, reasons: [], reasonsAtOrBelow: 3, followUpAtOrBelow: 2,
    };
    it("updateCsatSettings writes one audit entry per change, none for identical values", async () => {
      const ws = await createWorkspaceFixture(url, "Settings");
      const admin = { id: ws.adminId, email: ws.adminEmail, name: "Settings Admin", role: "ADMIN" };
      expect((await updateSettings(ws.token, { enabled: true })).data).toEqual({ updateCsatSettings: { enabled: true, delayMinutes: 0 } });
      await sleep(3);
      expect((await updateSettings(ws.token, { delayMinutes: 240 })).data).toEqual({ updateCsatSettings: { enabled: true, delayMinutes: 240 } });
      await sleep(3);
      // Identical values and an empty input change nothing.
      expect((await updateSettings(ws.token, { enabled: true, delayMinutes: 240 })).data).toEqual({ updateCsatSettings: { enabled: true, delayMinutes: 240 } });
      expect((await updateSettings(ws.token, {})).data).toEqual({ updateCsatSettings: { enabled: true, delayMinutes: 240 } });
      expect(await settings(ws.token)).toEqual({ enabled: true, delayMinutes: 240 });

      const log = (await gqlOk(url, `{ auditLog { id action actor { id email name role } before after createdAt } }`, {}, ws.token)).auditLog;
      expect(log).toHaveLength(2);
      expect(log.map((e: any) => ({ ...e, before: JSON.parse(e.before), after: JSON.parse(e.after) }))).toEqual([
        {
          id: expect.any(String),
          action: "Changed CSAT settings",
          actor: admin,
          before: { ...SETTINGS_DEFAULTS, enabled: true },
          after: { ...SETTINGS_DEFAULTS, enabled: true, delayMinutes: 240 },
          createdAt: expect.stringMatching(ISO),
        },
        {
          id: expect.any(String),
          action: "Changed CSAT settings",
          actor: admin,
          before: { ...SETTINGS_DEFAULTS },
          after: { ...SETTINGS_DEFAULTS, enabled: true },
          createdAt: expect.stringMatching(ISO),
        },
      ]);
      expect(Date.parse(log[0].createdAt)).toBeGreaterThan(Date.parse(log[1].createdAt));
      const newest = await gqlOk(url, `{ auditLog(first: 1) { id } }`, {}, ws.token);
      expect(newest.auditLog).toEqual([{ id: log[0].id }]);
    });

    it("delayMinutes outside 0..10080 is BAD_USER_INPUT and changes nothing", async () => {
      const ws = await createWorkspaceFixture(url, "Bounds");
      await updateSettings(ws.token, { enabled: true, delayMinutes: 60 });
      for (const input of [{ delayMinutes: 10081 }, { delayMinutes: -1 }, { enabled: false, delayMinutes: 10081 }, { enabled: false, delayMinutes: -1 }]) {
        const result = await updateSettings(ws.token, input);
        expectCode(result, "BAD_USER_INPUT");
        expect(result.data).toBeNull();
      }
      expect(await settings(ws.token)).toEqual({ enabled: true, delayMinutes: 60 });
      expect((await gqlOk(url, `{ auditLog { id } }`, {}, ws.token)).auditLog).toHaveLength(1);

      for (const delayMinutes of [10080, 0, 1440, 1]) {
        expect((await updateSettings(ws.token, { delayMinutes })).data).toEqual({ updateCsatSettings: { enabled: true, delayMinutes } });
      }
      expect((await gqlOk(url, `{ auditLog { id } }`, {}, ws.token)).auditLog).toHaveLength(5);
    });
  });

  describe("answering a survey", () => {
    let ws: WorkspaceFixture;
    beforeAll(async () => {
      ws = await createWorkspaceFixture(url, "Answers & Co");
      await enableCsat(url, ws.token, 0);
    });
    const submit = (token: string, score: number, comment?: string | null) =>
      gql(
        url,
        `mutation($token: String!, $score: Int!, $comment: String) {
          submitCsat(token: $token, score: $score, comment: $comment) { outcome survey { question state workspaceName score comment } }
        }`,
        { token, score, comment },
      );
    const byToken = async (token: string) =>
      (await gqlOk(url, `query($token: String!) { csatSurveyByToken(token: $token) { question state workspaceName score comment } }`, { token }))
        .csatSurveyByToken;

    it("csatSurveyByToken shows the open survey; submitCsat accepts once, then says ALREADY_SUBMITTED", async () => {
      const { conversationId, token } = await dispatchedSurvey(ws);
      expect(token).toMatch(HEX32);
      expect(await byToken(token)).toEqual({
        question: "How was your experience?",
        state: "OPEN",
        workspaceName: "Answers & Co",
        score: null,
        comment: null,
      });

      const accepted = await submit(token, 4, "  Quick and kind.\nThanks!  ");
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data?.submitCsat).toEqual({
        outcome: "ACCEPTED",
        survey: { question: "How was your experience?", state: "ALREADY_SUBMITTED", workspaceName: "Answers & Co", score: 4, comment: "  Quick and kind.\nThanks!  " },
      });
      const survey = (await getConversation(ws.token, conversationId)).csatSurvey;
      expect(survey).toMatchObject({ state: "SUBMITTED", score: 4, comment: "  Quick and kind.\nThanks!  ", answeredVia: "WIDGET", answeredAt: expect.stringMatching(ISO) });

      const second = await submit(token, 1, "changed my mind");
      expect(second.data?.submitCsat).toEqual({
        outcome: "ALREADY_SUBMITTED",
        survey: { question: "How was your experience?", state: "ALREADY_SUBMITTED", workspaceName: "Answers & Co", score: 4, comment: "  Quick and kind.\nThanks!  " },
      });
      expect(await byToken(token)).toMatchObject({ state: "ALREADY_SUBMITTED", score: 4 });
      expect((await getConversation(ws.token, conversationId)).csatSurvey).toEqual(survey);
    });

    it("racing submissions: exactly one is accepted", async () => {
      const { token } = await dispatchedSurvey(ws);
      const results = await Promise.all([1, 2, 3, 4, 5].map((score) => submit(token, score)));
      const outcomes = results.map((r) => r.data?.submitCsat.outcome).sort();
      expect(outcomes).toEqual(["ACCEPTED", "ALREADY_SUBMITTED", "ALREADY_SUBMITTED", "ALREADY_SUBMITTED", "ALREADY_SUBMITTED"]);
      const winner = results.findIndex((r) => r.data?.submitCsat.outcome === "ACCEPTED") + 1;
      expect(await byToken(token)).toMatchObject({ state: "ALREADY_SUBMITTED", score: winner });
    });

    it("bad scores and over-long comments are BAD_USER_INPUT and change nothing", async () => {
      const { conversationId, token } = await dispatchedSurvey(ws);
      for (const [score, comment] of [
        [0, null],
        [6, null],
        [-3, "bad"],
        [3, "x".repeat(2001)],
      ] as const) {
        const result = await submit(token, score, comment);
        expectCode(result, "BAD_USER_INPUT");
        expect(result.data).toBeNull();
      }
      expect(await byToken(token)).toMatchObject({ state: "OPEN", score: null, comment: null });
      expect((await getConversation(ws.token, conversationId)).csatSurvey).toMatchObject({ state: "DISPATCHED", score: null });

      // 2,000 characters is the limit, inclusive.
      const longest = "é".repeat(2000);
      expect((await submit(token, 3, longest)).data?.submitCsat).toMatchObject({ outcome: "ACCEPTED", survey: { score: 3, comment: longest } });
    });

    it("after 30 days an unanswered survey is EXPIRED; an answered one stays ALREADY_SUBMITTED", async () => {
      const open = await dispatchedSurvey(ws);
      const answered = await dispatchedSurvey(ws);
      expect((await submit(answered.token, 3)).data?.submitCsat.outcome).toBe("ACCEPTED");
      // Move both surveys' dispatch 31 days back.
      for (const { conversationId } of [open, answered]) {
        await server.running.app.prisma.csatSurvey.updateMany({
          where: { conversationId },
          data: { dispatchedAt: new Date(Date.now() - 31 * DAY_MS), expiresAt: new Date(Date.now() - DAY_MS) },
        });
      }
      expect(await byToken(open.token)).toEqual({ question: "How was your experience?", state: "EXPIRED", workspaceName: "Answers & Co", score: null, comment: null });
      expect((await submit(open.token, 5, "late")).data?.submitCsat).toEqual({
        outcome: "EXPIRED",
        survey: { question: "How was your experience?", state: "EXPIRED", workspaceName: "Answers & Co", score: null, comment: null },
      });
      expect((await getConversation(ws.token, open.conversationId)).csatSurvey).toMatchObject({ state: "DISPATCHED", score: null, answeredAt: null });
      expect((await submit(answered.token, 1)).data?.submitCsat).toMatchObject({ outcome: "ALREADY_SUBMITTED", survey: { state: "ALREADY_SUBMITTED", score: 3 } });
    });

    it("an unknown or malformed token is NOT_FOUND and reveals nothing", async () => {
      for (const token of [randomBytes(16).toString("hex"), "nope", ""]) {
        const result = await submit(token, 5, "hello");
        expect(result.errors).toBeUndefined();
        expect(result.data).toEqual({ submitCsat: { outcome: "NOT_FOUND", survey: null } });
        expect(await byToken(token)).toBeNull();
      }
    });
  });

  describe("reports", () => {
    it("csatReport: hand-computed totals, per bot, per channel and recent comments", async () => {
      const ws = await createWorkspaceFixture(url, "Reports");
      const bo = (await gqlOk(url, `mutation { createBot(name: "Bo") { id } }`, {}, ws.token)).createBot.id as string;
      const email = (await gqlOk(url, `mutation { createChannel(name: "Email", kind: EMAIL) { id } }`, {}, ws.token)).createChannel.id as string;

      const report = async (token: string, range = "ALL_TIME", first?: number) =>
        (
          await gqlOk(
            url,
            `query($range: CsatRange!, $first: Int) { csatReport(range: $range) {
              range
              totals { averageRating responseRate sent submitted }
              byBot { id label figures { averageRating responseRate sent submitted } }
              byChannel { id label figures { averageRating responseRate sent submitted } }
              recentComments(first: $first) { score comment answeredAt bot { id name } channel { id name } }
            } }`,
            { range, first },
            token,
          )
        ).csatReport;
      const sortRows = (rows: any[]) => [...rows].sort((a, b) => a.label.localeCompare(b.label));

      // Nothing sent yet.
      expect(await report(ws.token)).toEqual({
        range: "ALL_TIME",
        totals: { averageRating: null, responseRate: null, sent: 0, submitted: 0 },
        byBot: [],
        byChannel: [],
        recentComments: [],
      });

      await enableCsat(url, ws.token, 0);
      const ava1 = await dispatchedSurvey(ws, { botId: ws.botId, channelId: ws.channelId });
      const ava2 = await dispatchedSurvey(ws, { botId: ws.botId, channelId: email });
      const bo1 = await dispatchedSurvey(ws, { botId: bo, channelId: ws.channelId });
      // A conversation that is still open counts for nothing.
      await newConversation(ws, { botId: bo });
      expect((await gql(url, `mutation($t: String!) { submitCsat(token: $t, score: 5, comment: "Lovely") { outcome } }`, { t: ava1.token })).data)
        .toEqual({ submitCsat: { outcome: "ACCEPTED" } });
      await sleep(5);
      expect((await gql(url, `mutation($t: String!) { submitCsat(token: $t, score: 2, comment: "Slow") { outcome } }`, { t: bo1.token })).data)
        .toEqual({ submitCsat: { outcome: "ACCEPTED" } });
      expect(ava2.token).toMatch(HEX32);

      const full = await report(ws.token);
      expect(full.range).toBe("ALL_TIME");
      expect(full.totals).toEqual({ averageRating: 3.5, responseRate: 2 / 3, sent: 3, submitted: 2 });
      expect(full.totals.responseRate).toBeCloseTo(0.6667, 4);
      expect(sortRows(full.byBot)).toEqual([
        { id: ws.botId, label: "Ava", figures: { averageRating: 5, responseRate: 0.5, sent: 2, submitted: 1 } },
        { id: bo, label: "Bo", figures: { averageRating: 2, responseRate: 1, sent: 1, submitted: 1 } },
      ]);
      expect(sortRows(full.byChannel)).toEqual([
        { id: email, label: "Email", figures: { averageRating: null, responseRate: 0, sent: 1, submitted: 0 } },
        { id: ws.channelId, label: "Website chat", figures: { averageRating: 3.5, responseRate: 1, sent: 2, submitted: 2 } },
      ]);
      expect(full.recentComments).toEqual([
        { score: 2, comment: "Slow", answeredAt: expect.stringMatching(ISO), bot: { id: bo, name: "Bo" }, channel: { id: ws.channelId, name: "Website chat" } },
        { score: 5, comment: "Lovely", answeredAt: expect.stringMatching(ISO), bot: { id: ws.botId, name: "Ava" }, channel: { id: ws.channelId, name: "Website chat" } },
      ]);
      expect((await report(ws.token, "ALL_TIME", 1)).recentComments.map((c: any) => c.comment)).toEqual(["Slow"]);

      // Every range holds them all while they are fresh; an AGENT reads the same report.
      const agent = await signedInAgent(ws);
      for (const range of ["LAST_7_DAYS", "LAST_30_DAYS", "LAST_90_DAYS"]) {
        expect(await report(agent.token, range)).toEqual({ ...full, range });
      }

      // Ranges go by dispatch time: move Bo's survey 10 days back.
      await server.running.app.prisma.csatSurvey.updateMany({
        where: { conversationId: bo1.conversationId },
        data: { dispatchedAt: new Date(Date.now() - 10 * DAY_MS) },
      });
      const week = await report(ws.token, "LAST_7_DAYS");
      expect(week.totals).toEqual({ averageRating: 5, responseRate: 0.5, sent: 2, submitted: 1 });
      expect(week.byBot).toEqual([{ id: ws.botId, label: "Ava", figures: { averageRating: 5, responseRate: 0.5, sent: 2, submitted: 1 } }]);
      expect(week.recentComments.map((c: any) => c.comment)).toEqual(["Lovely"]);
      expect((await report(ws.token, "LAST_30_DAYS")).totals).toEqual(full.totals);

      // A survey waiting for its delay is not sent yet, and counts for nothing.
      await updateSettings(ws.token, { delayMinutes: 60 });
      const waiting = await newConversation(ws, { botId: ws.botId, email: "wait@customer.test" });
      expect((await resolve(ws.token, waiting)).csatSurvey).toMatchObject({ state: "SCHEDULED" });
      expect((await report(ws.token, "LAST_30_DAYS")).totals).toEqual(full.totals);

      // Deleting Bo keeps its rating, now unattributed.
      await gqlOk(url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: bo }, ws.token);
      const after = await report(ws.token);
      expect(after.totals).toEqual(full.totals);
      expect(sortRows(after.byBot)).toEqual([
        { id: null, label: "— Unattributed —", figures: { averageRating: 2, responseRate: 1, sent: 1, submitted: 1 } },
        { id: ws.botId, label: "Ava", figures: { averageRating: 5, responseRate: 0.5, sent: 2, submitted: 1 } },
      ]);
      expect(after.recentComments[0]).toEqual({ ...full.recentComments[0], bot: null });
      expect((await getConversation(ws.token, bo1.conversationId)).csatSurvey).toMatchObject({ score: 2, comment: "Slow" });
    });
  });

  describe("authentication and roles", () => {
    let ws: WorkspaceFixture;
    let conversationId: string;
    beforeAll(async () => {
      ws = await createWorkspaceFixture(url, "Roles");
      conversationId = await newConversation(ws, { botId: ws.botId });
    });

    const memberOperations = (): [string, string, Record<string, unknown>][] => [
      ["workspace", `{ workspace { id } }`, {}],
      ["conversation", `query($id: ID!) { conversation(id: $id) { id } }`, { id: conversationId }],
      ["conversations", `{ conversations { id } }`, {}],
      ["bots", `{ bots { id } }`, {}],
      ["channels", `{ channels { id } }`, {}],
      ["csatSettings", `{ csatSettings { enabled } }`, {}],
      ["csatReport", `{ csatReport(range: ALL_TIME) { range } }`, {}],
      ["auditLog", `{ auditLog { id } }`, {}],
      ["createBot", `mutation { createBot(name: "X") { id } }`, {}],
      ["deleteBot", `mutation($id: ID!) { deleteBot(id: $id) }`, { id: ws.botId }],
      ["createChannel", `mutation { createChannel(name: "X", kind: API) { id } }`, {}],
      ["deleteChannel", `mutation($id: ID!) { deleteChannel(id: $id) }`, { id: ws.channelId }],
      [
        "createConversation",
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
        { input: { channelId: ws.channelId, customer: { name: "X" } } },
      ],
      ["sendMessage", `mutation($id: ID!) { sendMessage(conversationId: $id, body: "x") { id } }`, { id: conversationId }],
      ["resolveConversation", `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }],
      ["reopenConversation", `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: conversationId }],
      ["updateCsatSettings", `mutation { updateCsatSettings(input: { enabled: true }) { enabled } }`, {}],
      ["createApiKey", `mutation { createApiKey(name: "k") { key } }`, {}],
      ["signOut", `mutation { signOut }`, {}],
    ];

    it("no token, or a token nobody issued, is UNAUTHENTICATED on every member field and changes nothing", async () => {
      for (const token of [undefined, "garbage", "hcs_not-a-session", "hck_not-a-key", "hcv_not-a-visitor", randomBytes(16).toString("hex")]) {
        for (const [field, query, variables] of memberOperations()) {
          const result = await gql(url, query, variables, token);
          expect({ field, token, codes: codes(result) }).toEqual({ field, token, codes: ["UNAUTHENTICATED"] });
          expectCleanErrors(result);
          expect(result.data?.[field] ?? null).toBeNull();
        }
      }
      const state = await gqlOk(url, `{ bots { id } channels { id } csatSettings { enabled } conversations { id status messages { id } } }`, {}, ws.token);
      expect(state).toEqual({
        bots: [{ id: ws.botId }],
        channels: [{ id: ws.channelId }],
        csatSettings: { enabled: false },
        conversations: [{ id: conversationId, status: "OPEN", messages: [] }],
      });
    });

    it("an Authorization header that is not a Bearer token is not a credential", async () => {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${ws.token}` },
        body: JSON.stringify({ query: `{ bots { id } }` }),
      });
      const body = (await res.json()) as GqlResult;
      expectCode({ ...body, status: res.status }, "UNAUTHENTICATED");
    });

    it("an AGENT works conversations and reads reports but may not change settings or read the audit log", async () => {
      const agent = await signedInAgent(ws);
      expect((await gqlOk(url, `{ me { id role } }`, {}, agent.token)).me).toEqual({ id: agent.id, role: "AGENT" });
      expect(await gqlOk(url, `{ csatSettings { enabled delayMinutes } csatReport(range: LAST_30_DAYS) { range } }`, {}, agent.token)).toEqual({
        csatSettings: { enabled: false, delayMinutes: 0 },
        csatReport: { range: "LAST_30_DAYS" },
      });
      expect((await resolve(agent.token, conversationId)).status).toBe("RESOLVED");
      expect((await reopen(agent.token, conversationId)).status).toBe("OPEN");
      const message = await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "On it") { fromCustomer } }`, { id: conversationId }, agent.token);
      expect(message.sendMessage).toEqual({ fromCustomer: false });

      for (const input of [{ enabled: true }, { delayMinutes: 60 }]) {
        const result = await updateSettings(agent.token, input);
        expectCode(result, "FORBIDDEN");
        expect(result.data).toBeNull();
      }
      const log = await gql(url, `{ auditLog { id } }`, {}, agent.token);
      expectCode(log, "FORBIDDEN");
      expectCode(await gql(url, `mutation { createApiKey(name: "sneaky") { key } }`, {}, agent.token), "FORBIDDEN");
      expect(await settings(ws.token)).toEqual({ enabled: false, delayMinutes: 0 });
      expect((await gqlOk(url, `{ auditLog { id } }`, {}, ws.token)).auditLog).toEqual([]);
    });

    it("no error carries a stack trace or SQL, whatever goes wrong", async () => {
      const results = await Promise.all([
        gql(url, `{ conversation(id: "nope") { id } }`, {}, ws.token),
        gql(url, `{ conversation(id: "00000000-0000-0000-0000-000000000000") { id } }`, {}, ws.token),
        gql(url, `mutation { submitCsat(token: "x", score: 9) { outcome } }`),
        gql(url, `mutation { updateCsatSettings(input: { delayMinutes: 99999 }) { enabled } }`, {}, ws.token),
        gql(url, `{ conversations(first: -5) { id } }`, {}, ws.token),
        gql(url, `mutation { createBot(name: "${"\\u0000"}") { id } }`, {}, ws.token),
        gql(url, `{ nonsense }`, {}, ws.token),
        gql(url, `{ bots { id }`, {}, ws.token),
      ]);
      for (const result of results) {
        expect(result.errors?.length).toBeGreaterThan(0);
        for (const error of result.errors ?? []) {
          const text = JSON.stringify(error);
          expect(text).not.toMatch(/\bat .+:\d+:\d+|"stack"|stacktrace|node_modules/i);
          expect(text).not.toMatch(/\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE)\b/);
          expect(text).not.toMatch(/prisma|postgres|pglite|P20\d\d|constraint/i);
        }
      }
      expect(codes(results[0]!)).toEqual(["NOT_FOUND"]);
      expect(codes(results[1]!)).toEqual(["NOT_FOUND"]);
      expect(codes(results[2]!)).toEqual(["BAD_USER_INPUT"]);
      expect(codes(results[3]!)).toEqual(["BAD_USER_INPUT"]);
      expect(codes(results[4]!)).toEqual(["BAD_USER_INPUT"]);
      expect(codes(results[5]!)).toEqual(["BAD_USER_INPUT"]);
      expect(server.log.lines.filter((l) => l.startsWith("ERROR"))).toEqual([]);
    });
  });
});
