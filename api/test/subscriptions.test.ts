import type { Client } from "graphql-ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { check, saveChecks } from "./hardening/checks.js";
import { collect, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

// graphql-ws at /graphql: the widget's csatRequested subscription, and teammates' operations.

const DAY_MS = 86_400_000;
const CSAT_REQUESTED = `subscription($id: ID!) { csatRequested(conversationId: $id) { surveyId conversationId question token expiresAt } }`;
const SURVEY = `query($id: ID!) { conversation(id: $id) { status csatSurvey { id state dispatchedAt expiresAt deliveredToWidget emailed score comment answeredVia } } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(() => saveChecks("subscriptions"));

/**
 * Negative checks wait for a positive control instead of a pause: a marker event published after
 * whatever must not arrive, and received on a feed of the same socket, proves that feed live and
 * the server past the moment the unwanted event would have been sent.
 */
const UPDATED_CHANGES = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { conversationId change } }`;
type Feed = ReturnType<typeof collect<Record<string, any>>>;
const changesOf = (feed: Feed) => feed.events.map((e) => e.data?.conversationUpdated as { conversationId: string; change: string } | undefined);

/** One query or mutation over graphql-ws: its single result. */
function wsRequest(client: Client, query: string, variables?: Record<string, unknown>) {
  return new Promise<{ data?: Record<string, any> | null; errors?: readonly { message: string; extensions?: { code?: string } }[] }>(
    (resolve, reject) => {
      let result: unknown;
      client.subscribe(
        { query, variables },
        { next: (value) => void (result = value), error: reject, complete: () => resolve(result as never) },
      );
    },
  );
}

describe.each(DB_KINDS)("graphql-ws on %s", (db) => {
  let server: TestServer;
  let url: string;
  let ws: WorkspaceFixture;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startTestServer({ db });
    url = server.url;
    ws = await createWorkspaceFixture(url, "Sockets");
    await enableCsat(url, ws.token, 0);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(() => server?.stop());

  const client = (params?: Record<string, unknown>) => {
    const c = wsClient(server.wsUrl, params);
    clients.push(c);
    return c;
  };

  async function startWidget(customer: { name: string; email?: string | null } = { name: "Wendy" }) {
    const data = await gqlOk(
      url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
      { input: { channelId: ws.channelId, customer, firstMessage: "Hi" } },
    );
    return { id: data.startWidgetConversation.conversation.id as string, visitorToken: data.startWidgetConversation.visitorToken as string };
  }

  const resolve = (id: string) => gqlOk(url, `mutation($id: ID!) { resolveConversation(id: $id) { status } }`, { id }, ws.token);
  const survey = async (id: string) => (await gqlOk(url, SURVEY, { id }, ws.token)).conversation.csatSurvey;
  const isOpen = (id: string) => server.running.app.presence.isOpen(id);

  it("the open widget receives the prompt when a teammate resolves, and the survey records it", async () => {
    const widget = await startWidget();
    const socket = client({ visitorToken: widget.visitorToken });
    const sub = collect(socket, CSAT_REQUESTED, { id: widget.id });
    await until(() => isOpen(widget.id), 5000, "the subscription to be live");

    await resolve(widget.id);
    await until(() => sub.events.length > 0, 5000, "the prompt");
    const row = await survey(widget.id);
    expect(sub.events).toEqual([
      {
        data: {
          csatRequested: {
            surveyId: row.id,
            conversationId: widget.id,
            question: "How was your experience?",
            token: expect.stringMatching(/^[0-9a-f]{32}$/),
            expiresAt: new Date(Date.parse(row.dispatchedAt) + 30 * DAY_MS).toISOString(),
          },
        },
      },
    ]);
    expect(row).toMatchObject({ state: "DISPATCHED", deliveredToWidget: true, emailed: false, expiresAt: sub.events[0]!.data!.csatRequested.expiresAt });

    // The pushed token answers the survey, once.
    const token = sub.events[0]!.data!.csatRequested.token as string;
    const byToken = await gqlOk(url, `query($t: String!) { csatSurveyByToken(token: $t) { state workspaceName } }`, { t: token });
    expect(byToken.csatSurveyByToken).toEqual({ state: "OPEN", workspaceName: "Sockets" });
    const submitted = await gqlOk(url, `mutation($t: String!) { submitCsat(token: $t, score: 5, comment: "Great") { outcome } }`, { t: token });
    expect(submitted.submitCsat).toEqual({ outcome: "ACCEPTED" });
    expect(await survey(widget.id)).toMatchObject({ state: "SUBMITTED", score: 5, comment: "Great", answeredVia: "WIDGET" });

    // Resolving again, or reopening and resolving, pushes nothing more. The same socket follows the
    // conversation too; a message after the resolves is the marker that the prompt would have come before.
    const marker = collect(socket, UPDATED_CHANGES, { id: widget.id });
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "warm-up") { id } }`, { id: widget.id }, ws.token);
    await until(() => changesOf(marker).some((u) => u?.change === "MESSAGE"), 5000, "the marker feed to be live");
    await resolve(widget.id);
    await gqlOk(url, `mutation($id: ID!) { reopenConversation(id: $id) { status } }`, { id: widget.id }, ws.token);
    await resolve(widget.id);
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "marker") { id } }`, { id: widget.id }, ws.token);
    await until(() => changesOf(marker).filter((u) => u?.change === "MESSAGE").length === 2, 5000, "the marker");
    expect(changesOf(marker).map((u) => u?.change)).toEqual(["MESSAGE", "REOPENED", "RESOLVED", "MESSAGE"]);
    expect(check("11.19", sub.events.length === 1)).toBe(true);
    expect(sub.events).toHaveLength(1);
    expect(sub.error).toBeUndefined();
    expect(socket.closes).toEqual([]);
  });

  it("the prompt goes to its own conversation's widget only", async () => {
    const [mine, other] = await Promise.all([startWidget({ name: "Mine" }), startWidget({ name: "Other" })]);
    const mySub = collect(client({ visitorToken: mine.visitorToken }), CSAT_REQUESTED, { id: mine.id });
    const otherSocket = client({ visitorToken: other.visitorToken });
    const otherSub = collect(otherSocket, CSAT_REQUESTED, { id: other.id });
    await until(async () => (await isOpen(mine.id)) && (await isOpen(other.id)), 5000, "both subscriptions");
    await resolve(mine.id);
    await until(() => mySub.events.length > 0, 5000, "the prompt");
    // The marker: a message to the other conversation, after the resolve, reaches the other socket's own feed.
    const otherFeed = collect(otherSocket, UPDATED_CHANGES, { id: other.id });
    await until(async () => {
      if (changesOf(otherFeed).some((u) => u?.change === "MESSAGE")) return true;
      await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "marker") { id } }`, { id: other.id }, ws.token);
      return false;
    }, 5000, "the other socket's marker");
    expect(check("11.19", otherSub.events.length === 0)).toBe(true);
    expect(mySub.events).toHaveLength(1);
    expect(mySub.events[0]!.data!.csatRequested.conversationId).toBe(mine.id);
    expect(otherSub.events).toEqual([]);
    expect((await survey(other.id))).toBeNull();
  });

  it("with no widget subscribed, deliveredToWidget is false (and the email is the way)", async () => {
    const widget = await startWidget({ name: "Ed", email: "ed@customer.test" });
    await resolve(widget.id);
    expect(await survey(widget.id)).toMatchObject({ state: "DISPATCHED", deliveredToWidget: false, emailed: true });
  });

  it("a widget that closed before the resolve no longer counts as open", async () => {
    const widget = await startWidget();
    const socket = client({ visitorToken: widget.visitorToken });
    const sub = collect(socket, CSAT_REQUESTED, { id: widget.id });
    await until(() => isOpen(widget.id), 5000, "the subscription to be live");
    sub.dispose();
    await until(async () => !(await isOpen(widget.id)), 5000, "the subscription to end");

    // The same again, ended by closing the whole socket.
    const socket2 = client({ visitorToken: widget.visitorToken });
    collect(socket2, CSAT_REQUESTED, { id: widget.id });
    await until(() => isOpen(widget.id), 5000, "the second subscription");
    await socket2.dispose();
    await until(async () => !(await isOpen(widget.id)), 5000, "the socket to close");

    await resolve(widget.id);
    expect(await survey(widget.id)).toMatchObject({ state: "DISPATCHED", deliveredToWidget: false });
  });

  it("a socket with a wrong visitorToken, or a wrong authorization, is refused with 4403", async () => {
    const widget = await startWidget();
    for (const params of [{ visitorToken: "hcv_wrong" }, { visitorToken: "nonsense" }, { authorization: "Bearer hcs_wrong" }]) {
      const socket = client(params);
      const sub = collect(socket, CSAT_REQUESTED, { id: widget.id });
      await until(() => socket.closes.length > 0, 5000, "the socket to close");
      expect({ params, closes: socket.closes }).toEqual({ params, closes: [4403] });
      expect(sub.events).toEqual([]);
      expect(sub.error).toBeDefined();
    }
    expect(await isOpen(widget.id)).toBe(false);
  });

  it("a visitor subscribing with another conversation's id, a teammate, or no one at all gets 4403", async () => {
    const [mine, theirs] = await Promise.all([startWidget({ name: "Me" }), startWidget({ name: "Them" })]);
    for (const params of [{ visitorToken: mine.visitorToken }, { authorization: `Bearer ${ws.token}` }, undefined]) {
      const socket = client(params);
      const sub = collect(socket, CSAT_REQUESTED, { id: theirs.id });
      await until(() => socket.closes.length > 0, 5000, "the socket to close");
      expect({ params, closes: socket.closes }).toEqual({ params, closes: [4403] });
      expect(sub.events).toEqual([]);
    }
    expect(await isOpen(theirs.id)).toBe(false);
    await resolve(theirs.id);
    expect(await survey(theirs.id)).toMatchObject({ deliveredToWidget: false });
  });

  it("teammates' inboxes hear of every change to their workspace's conversations, after commit; another workspace hears nothing", async () => {
    const CHANGED = `subscription { conversationChanged { conversationId change at } }`;
    const other = await createWorkspaceFixture(url, "Elsewhere");
    const mine = collect(client({ authorization: `Bearer ${ws.token}` }), CHANGED);
    const theirs = collect(client({ authorization: `Bearer ${other.token}` }), CHANGED);
    // Both feeds are live before anything is published: each hears a change of its own workspace first
    // (these first events are set aside below).
    await until(async () => {
      if (mine.events.length > 0 && theirs.events.length > 0) return true;
      await Promise.all([createConversation(url, ws), createConversation(url, other)]);
      return false;
    }, 5000, "both feeds to be live");
    // Then one marker each, so that every warm-up still on its way has arrived before the feeds are cleared.
    const warmUp = await Promise.all([createConversation(url, ws), createConversation(url, other)]);
    const heard = (feed: Feed, id: string) => feed.events.some((e) => e.data?.conversationChanged.conversationId === id);
    await until(() => heard(mine, warmUp[0]) && heard(theirs, warmUp[1]), 5000, "the warm-up markers");
    expect(mine.events.at(-1)!.data!.conversationChanged.conversationId).toBe(warmUp[0]);
    expect(theirs.events.at(-1)!.data!.conversationChanged.conversationId).toBe(warmUp[1]);
    mine.events.splice(0);
    theirs.events.splice(0);
    const id = await createConversation(url, ws); // CREATED
    const widget = await startWidget(); // CREATED, by a customer
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "Still there?") { id } }`, { id: widget.id }, widget.visitorToken);
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "Yes!") { id } }`, { id: widget.id }, ws.token);
    await resolve(id);
    await resolve(id); // already resolved: no change, no event
    await gqlOk(url, `mutation($id: ID!) { reopenConversation(id: $id) { status } }`, { id }, ws.token);
    // A refused change publishes nothing either.
    expect((await gql(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, other.token)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const expected = [
      [id, "CREATED"],
      [widget.id, "CREATED"],
      [widget.id, "MESSAGE"],
      [widget.id, "MESSAGE"],
      [id, "RESOLVED"],
      [id, "REOPENED"],
    ];
    // The marker: one more change of this workspace, after all of those; nothing else may come before it.
    const markerId = await createConversation(url, ws);
    await until(() => mine.events.some((e) => e.data?.conversationChanged.conversationId === markerId), 5000, "the marker");
    const got = mine.events.map((e) => e.data!.conversationChanged);
    expect(got.at(-1)).toMatchObject({ conversationId: markerId, change: "CREATED" });
    got.pop();
    mine.events.pop();
    expect(got.map((c) => [c.conversationId, c.change])).toEqual(expected);
    for (const c of got) expect(Number.isNaN(Date.parse(c.at))).toBe(false);
    // The other workspace's own change reaches it, after everything above: it heard none of this workspace's.
    await createConversation(url, other);
    await until(() => theirs.events.length >= 1, 5000, "the other workspace's change");
    expect(check("11.19", theirs.events.length === 1)).toBe(true);
    expect(theirs.events[0]!.data!.conversationChanged.change).toBe("CREATED");
    expect(mine.events).toHaveLength(expected.length);
    // A visitor may not listen to the workspace.
    const visitor = client({ visitorToken: widget.visitorToken });
    const refused = collect(visitor, CHANGED);
    await until(() => refused.error !== undefined || refused.events.length > 0 || visitor.closes.length > 0, 5000, "the visitor's refusal");
    expect(refused.events.filter((e) => e.data)).toEqual([]);
  });

  it("a widget follows its own conversation (conversationUpdated); other visitors are refused with 4403, other workspaces with NOT_FOUND", async () => {
    const UPDATED = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { conversationId change } }`;
    const widget = await startWidget({ name: "Vera" });
    const elsewhere = await startWidget({ name: "Otto" });
    const own = collect(client({ visitorToken: widget.visitorToken }), UPDATED, { id: widget.id });
    const teammate = collect(client({ authorization: `Bearer ${ws.token}` }), UPDATED, { id: widget.id });
    const other = await createWorkspaceFixture(url, "Far away");
    const stranger = collect(client({ authorization: `Bearer ${other.token}` }), UPDATED, { id: widget.id });
    const nosy = client({ visitorToken: elsewhere.visitorToken });
    const peeking = collect(nosy, UPDATED, { id: widget.id });
    // Both feeds are live before anything counts: each hears a warm-up message (set aside below).
    await until(async () => {
      if (own.events.length > 0 && teammate.events.length > 0) return true;
      await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "warm-up") { id } }`, { id: widget.id }, ws.token);
      return false;
    }, 5000, "both feeds to be live");
    const marker = async () => {
      const before = [own.events.length, teammate.events.length];
      await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "marker") { id } }`, { id: widget.id }, ws.token);
      await until(() => own.events.length > before[0]! && teammate.events.length > before[1]!, 5000, "the marker");
    };
    // Whatever warm-ups are still on their way arrive before this marker; then all is set aside.
    await marker();
    own.events.splice(0);
    teammate.events.splice(0);
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "On it") { id } }`, { id: widget.id }, ws.token);
    await resolve(widget.id);
    // Another conversation's change is not this one's.
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "Hello Otto") { id } }`, { id: elsewhere.id }, ws.token);
    await until(() => own.events.length >= 3 && teammate.events.length >= 2, 5000, "the widget's updates");
    // Nothing more came before the marker, published after all of the above.
    await marker();
    for (const feed of [own, teammate]) {
      expect(feed.events.at(-1)!.data!.conversationUpdated).toEqual({ conversationId: widget.id, change: "MESSAGE" });
      feed.events.pop();
    }
    expect(check("11.19", own.events.length === 3 && teammate.events.length === 2)).toBe(true);
    const changes = (feed: typeof own) => feed.events.map((e) => e.data!.conversationUpdated);
    // The widget's own feed also has its survey prompt (CSAT is on, with no delay); a teammate's has not.
    expect(changes(own).filter((c) => c.change === "CSAT_REQUESTED")).toEqual([{ conversationId: widget.id, change: "CSAT_REQUESTED" }]);
    for (const feed of [own, teammate]) {
      expect(changes(feed).filter((c) => c.change !== "CSAT_REQUESTED")).toEqual([
        { conversationId: widget.id, change: "MESSAGE" },
        { conversationId: widget.id, change: "RESOLVED" },
      ]);
    }
    await until(() => stranger.events.length > 0 || stranger.error !== undefined, 5000, "the stranger's refusal");
    expect(JSON.stringify(stranger.events)).toContain("NOT_FOUND");
    await until(() => nosy.closes.length > 0, 5000, "the nosy visitor's socket to close");
    expect(nosy.closes).toContain(4403);
    expect(peeking.events.filter((e) => e.data)).toEqual([]);
  });

  it("the widget's one subscription (conversationUpdated) carries its survey prompt, keeps it counted as open, and lets go when it ends", async () => {
    const UPDATED = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { change csatPrompt { surveyId conversationId token expiresAt } } }`;
    const widget = await startWidget({ name: "Pia", email: "pia@example.com" });
    const socket = client({ visitorToken: widget.visitorToken });
    const feed = collect(socket, UPDATED, { id: widget.id });
    const teammate = collect(client({ authorization: `Bearer ${ws.token}` }), UPDATED, { id: widget.id });
    await until(() => isOpen(widget.id), 5000, "the widget to count as open");
    // The teammate's feed is live too: a warm-up message reaches both (set aside, with whatever else came by then).
    await until(async () => {
      if (feed.events.length > 0 && teammate.events.length > 0) return true;
      await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "warm-up") { id } }`, { id: widget.id }, ws.token);
      return false;
    }, 5000, "both feeds to be live");
    const marker = async () => {
      const before = [feed.events.length, teammate.events.length];
      await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "marker") { id } }`, { id: widget.id }, ws.token);
      await until(() => feed.events.length > before[0]! && teammate.events.length > before[1]!, 5000, "the marker");
    };
    await marker();
    feed.events.splice(0);
    teammate.events.splice(0);
    await resolve(widget.id);
    await until(() => feed.events.length >= 2 && teammate.events.length >= 1, 5000, "the prompt and the change");
    // Nothing more came before the marker, published after the resolve.
    await marker();
    for (const f of [feed, teammate]) {
      expect(f.events.at(-1)!.data!.conversationUpdated).toEqual({ change: "MESSAGE", csatPrompt: null });
      f.events.pop();
    }
    expect(check("11.19", teammate.events.length === 1 && feed.events.length === 2)).toBe(true);
    const updates = feed.events.map((e) => e.data!.conversationUpdated);
    const prompt = updates.find((u) => u.change === "CSAT_REQUESTED")!.csatPrompt;
    expect(prompt).toMatchObject({ conversationId: widget.id, token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(updates.filter((u) => u.change === "RESOLVED")).toEqual([{ change: "RESOLVED", csatPrompt: null }]);
    expect(await survey(widget.id)).toMatchObject({ id: prompt.surveyId, state: "DISPATCHED", deliveredToWidget: true, emailed: true });
    // A teammate following the conversation sees the change, never the prompt or its token.
    expect(teammate.events.map((e) => e.data!.conversationUpdated)).toEqual([{ change: "RESOLVED", csatPrompt: null }]);
    // The prompt's token answers the survey.
    const answered = await gqlOk(url, `mutation($t: String!) { submitCsat(token: $t, score: 5) { outcome } }`, { t: prompt.token });
    expect(answered.submitCsat.outcome).toBe("ACCEPTED");
    await until(() => feed.events.some((e) => e.data!.conversationUpdated.change === "ANSWERED"), 5000, "the ANSWERED change");
    // Closing the subscription closes the widget's presence at once.
    feed.dispose();
    await until(async () => !(await isOpen(widget.id)), 5000, "the widget to count as closed");
  });

  it("a widget that goes while its subscription is being set up does not stay counted as open", async () => {
    const UPDATED = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { change } }`;
    const widgets = await Promise.all([1, 2, 3, 4, 5].map((n) => startWidget({ name: `Quick ${n}` })));
    for (const widget of widgets) {
      const socket = wsClient(server.wsUrl, { visitorToken: widget.visitorToken });
      collect(socket, UPDATED, { id: widget.id });
      // Gone at once: the server may still be reading the conversation when the socket closes.
      setTimeout(() => void socket.dispose(), 5 * widgets.indexOf(widget));
    }
    await sleep(500);
    for (const widget of widgets) await until(async () => !(await isOpen(widget.id)), 5000, `widget ${widget.id} to count as closed`);
    // And one whose socket closes once it is subscribed.
    const last = await startWidget({ name: "Later" });
    const socket = wsClient(server.wsUrl, { visitorToken: last.visitorToken });
    collect(socket, UPDATED, { id: last.id });
    await until(() => isOpen(last.id), 5000, "the widget to count as open");
    await socket.dispose();
    await until(async () => !(await isOpen(last.id)), 5000, "the closed widget to count as closed");
  });

  it("lastMessage is the newest message, loaded with the list", async () => {
    const id = await createConversation(url, ws);
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "First reply") { id } }`, { id }, ws.token);
    await gqlOk(url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "Second reply") { id } }`, { id }, ws.token);
    const data = await gqlOk(url, `{ conversations(first: 50) { id lastMessage { body fromCustomer } messages { body } } }`, {}, ws.token);
    const row = data.conversations.find((c: { id: string }) => c.id === id);
    expect(row.lastMessage).toEqual({ body: "Second reply", fromCustomer: false });
    expect(row.messages.map((m: { body: string }) => m.body)).toEqual(["Hello, I need help", "First reply", "Second reply"]);
    const bare = await gqlOk(url, `query($id: ID!) { conversation(id: $id) { lastMessage { body } } }`, { id }, ws.token);
    expect(bare.conversation.lastMessage.body).toBe("Second reply");
  });

  it("teammates run queries and mutations over the socket with connectionParams.authorization", async () => {
    const socket = client({ authorization: `Bearer ${ws.token}` });
    const me = await wsRequest(socket, `{ me { id role } bots { id name } channels { id } csatSettings { enabled delayMinutes } }`);
    expect(me).toEqual({
      data: {
        me: { id: ws.adminId, role: "ADMIN" },
        bots: [{ id: ws.botId, name: "Ava" }],
        channels: [{ id: ws.channelId }],
        csatSettings: { enabled: true, delayMinutes: 0 },
      },
    });
    const id = await createConversation(url, ws);
    const resolved = await wsRequest(socket, `mutation($id: ID!) { resolveConversation(id: $id) { id status csatSurvey { state } } }`, { id });
    expect(resolved).toEqual({ data: { resolveConversation: { id, status: "RESOLVED", csatSurvey: { state: "DISPATCHED" } } } });
    // The lazy client closes normally (1000) once idle; the server never refused it.
    expect(socket.closes.filter((code) => code !== 1000)).toEqual([]);

    // Without credentials the socket stays up but member fields say UNAUTHENTICATED.
    const anonymous = client();
    const refused = await wsRequest(anonymous, `{ bots { id } }`);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    // A visitor reads its own conversation over the socket, but is no member.
    const widget = await startWidget();
    const visitor = client({ visitorToken: widget.visitorToken });
    const own = await wsRequest(visitor, `query($id: ID!) { conversation(id: $id) { id status } }`, { id: widget.id });
    expect(own).toEqual({ data: { conversation: { id: widget.id, status: "OPEN" } } });
    const list = await wsRequest(visitor, `{ conversations { id } }`);
    expect(list.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    // HTTP agrees.
    expect((await gql(url, `{ conversations { id } }`, {}, widget.visitorToken)).errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
  });
});
