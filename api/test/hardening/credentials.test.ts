/**
 * Issue 11, items 3, 12, 14 and 15: ended credentials close their sockets (one process and two),
 * API keys with a role, a list, revocation and an audit trail, visitor subscriptions refused however
 * the field is reached, and UUIDs in any case naming the same conversation and topic.
 */
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventEmitter } from "node:events";
import { createSocketIndex } from "../../src/server/ws.js";
import { revokeTeammateCredentials } from "../../src/services/auth.js";
import { codes, collect, gql, gqlOk, until, wsClient } from "../../testkit/client.js";
import { createConversation, createWorkspaceFixture, type WorkspaceFixture } from "../../testkit/fixtures.js";
import { startRedis, startServerProcess, type ServerProcess } from "../../testkit/processes.js";
import { createTestDatabase, DB_KINDS, startTestServer, type TestServer } from "../../testkit/server.js";
import { check, saveChecks } from "./checks.js";

afterAll(() => saveChecks("credentials"));

const PASSWORD = "correct horse battery";
const CHANGED = `subscription { conversationChanged { conversationId change } }`;
const UPDATED = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { conversationId change } }`;

async function signIn(url: string, email: string): Promise<string> {
  return (await gqlOk(url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD })).signIn.token;
}

async function createKey(url: string, token: string, name: string, role?: "ADMIN" | "AGENT") {
  const data = await gqlOk(
    url,
    `mutation($name: String!, $role: Role) { createApiKey(name: $name, role: $role) { key apiKey { id name role } } }`,
    { name, ...(role ? { role } : {}) },
    token,
  );
  return { key: data.createApiKey.key as string, id: data.createApiKey.apiKey.id as string, role: data.createApiKey.apiKey.role as string };
}

/**
 * A socket with a live `conversationChanged` subscription: live means it has received a change
 * (made through `changeUrl`, which may be another process).
 */
async function liveSocket(wsUrl: string, authorization: string, changeUrl: string, ws: WorkspaceFixture) {
  const client = wsClient(wsUrl, { authorization: `Bearer ${authorization}` });
  const sub = collect(client, CHANGED);
  // The first change may race the subscription's start; repeat until one arrives.
  await until(async () => {
    if (sub.events.length > 0) return true;
    await createConversation(changeUrl, ws);
    await new Promise((r) => setTimeout(r, 150));
    return sub.events.length > 0;
  }, 15_000, "the subscription to be live");
  return { client, sub };
}

/** How long after `end` resolves the socket closes, and with which codes (Infinity: not within 5 s). */
async function closedAfter(socket: { closes: number[] }, end: () => Promise<unknown>) {
  await end();
  const t0 = Date.now();
  try {
    await until(() => socket.closes.length > 0, 5000, "the socket to close");
  } catch {
    return { ms: Infinity, closes: socket.closes };
  }
  return { ms: Date.now() - t0, closes: socket.closes };
}

describe.each(DB_KINDS)("credentials on %s", (db) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db });
    [ws, other] = await Promise.all([createWorkspaceFixture(server.url, "Creds"), createWorkspaceFixture(server.url, "Other")]);
  });
  afterAll(() => server?.stop());

  describe("11.3 ended credentials close their sockets", () => {
    it("signOut closes that session's sockets with 4403 within 1 s; another session's socket stays", async () => {
      const session = await signIn(server.url, ws.adminEmail);
      const doomed = await liveSocket(server.wsUrl, session, server.url, ws);
      const kept = await liveSocket(server.wsUrl, ws.token, server.url, ws);
      const closed = await closedAfter(doomed.client, () => gqlOk(server.url, `mutation { signOut }`, {}, session));
      expect(check("11.3", closed.closes[0] === 4403 && closed.ms < 1000)).toBe(true);
      expect(closed).toMatchObject({ closes: [4403] });
      expect(closed.ms).toBeLessThan(1000);
      // The subscription ended with the socket; the other session's feed goes on.
      expect(doomed.sub.error).toBeDefined();
      const before = kept.sub.events.length;
      await createConversation(server.url, ws);
      await until(() => kept.sub.events.length > before, 5000, "the other session's feed");
      expect(check("11.3", kept.client.closes.length === 0)).toBe(true);
      await kept.client.dispose();
    });

    it("revokeApiKey closes the key's sockets with 4403 within 1 s, and the key stops working", async () => {
      const key = await createKey(server.url, ws.token, "Socket key");
      const live = await liveSocket(server.wsUrl, key.key, server.url, ws);
      const closed = await closedAfter(live.client, () =>
        gqlOk(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.id }, ws.token),
      );
      expect(check("11.3", closed.closes[0] === 4403 && closed.ms < 1000)).toBe(true);
      expect(closed.ms).toBeLessThan(1000);
      expect(check("11.3", codes(await gql(server.url, `{ bots { id } }`, {}, key.key))[0] === "UNAUTHENTICATED")).toBe(true);
      // A new socket with it is refused at once.
      const again = wsClient(server.wsUrl, { authorization: `Bearer ${key.key}` });
      collect(again, CHANGED);
      await until(() => again.closes.length > 0, 5000, "the refusal");
      expect(check("11.3", again.closes[0] === 4403)).toBe(true);
    });

    it("revokeTeammateCredentials (deactivation) closes every socket of that teammate, and only theirs", async () => {
      const team = await createWorkspaceFixture(server.url, "Leaving");
      const second = await signIn(server.url, team.adminEmail);
      const [a, b] = [await liveSocket(server.wsUrl, team.token, server.url, team), await liveSocket(server.wsUrl, second, server.url, team)];
      const bystander = await liveSocket(server.wsUrl, ws.token, server.url, ws);
      const t0 = Date.now();
      await revokeTeammateCredentials(server.running.app, team.adminId);
      await until(() => a.client.closes.length > 0 && b.client.closes.length > 0, 5000, "both sockets to close");
      const ms = Date.now() - t0;
      expect(check("11.3", a.client.closes[0] === 4403 && b.client.closes[0] === 4403 && ms < 1000)).toBe(true);
      expect(ms).toBeLessThan(1000);
      expect(check("11.3", codes(await gql(server.url, `{ bots { id } }`, {}, second))[0] === "UNAUTHENTICATED")).toBe(true);
      expect(check("11.3", bystander.client.closes.length === 0)).toBe(true);
      await bystander.client.dispose();
    });
    it("eraseCustomer closes the erased customer's widget socket with 4403 within 1 s; another widget stays", async () => {
      const start = async (name: string) =>
        (
          await gqlOk(
            server.url,
            `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id customer { id } } } }`,
            { input: { channelId: ws.channelId, customer: { name } } },
          )
        ).startWidgetConversation;
      const live = async (widget: { visitorToken: string; conversation: { id: string } }) => {
        const client = wsClient(server.wsUrl, { visitorToken: widget.visitorToken });
        const sub = collect(client, UPDATED, { id: widget.conversation.id });
        // Live once a message of its own conversation has come through it.
        await until(async () => {
          if (sub.events.length > 0) return true;
          await gqlOk(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "hello") { id } }`, { id: widget.conversation.id }, ws.token);
          await new Promise((r) => setTimeout(r, 150));
          return sub.events.length > 0;
        }, 15_000, "the widget's feed to be live");
        return { client, sub };
      };
      const [erased, kept] = [await start("Erin Erased"), await start("Kai Kept")];
      const [erasedSocket, keptSocket] = [await live(erased), await live(kept)];
      const closed = await closedAfter(erasedSocket.client, () => gqlOk(server.url, `mutation($id: ID!) { eraseCustomer(id: $id) }`, { id: erased.conversation.customer.id }, ws.token));
      expect(check("11.3", closed.closes[0] === 4403 && closed.ms < 1000)).toBe(true);
      expect(closed.ms).toBeLessThan(1000);
      const before = keptSocket.sub.events.length;
      await gqlOk(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "still here") { id } }`, { id: kept.conversation.id }, ws.token);
      await until(() => keptSocket.sub.events.length > before, 5000, "the other widget's feed");
      expect(check("11.3", keptSocket.client.closes.length === 0)).toBe(true);
      await keptSocket.client.dispose();
    });
  });

  describe("11.12 API keys", () => {
    it("only a signed-in admin creates keys; the role defaults to ADMIN; an API key may not create keys", async () => {
      const admin = await createKey(server.url, ws.token, "Zapier");
      expect(admin.role).toBe("ADMIN");
      const byKey = await gql(server.url, `mutation { createApiKey(name: "child") { key } }`, {}, admin.key);
      expect(check("11.12", codes(byKey)[0] === "FORBIDDEN" && !byKey.data)).toBe(true);
      const keys = await gqlOk(server.url, `{ apiKeys { name } }`, {}, ws.token);
      expect(keys.apiKeys.map((k: { name: string }) => k.name)).not.toContain("child");
    });

    it("an AGENT key works as an agent: member fields yes, admin fields FORBIDDEN", async () => {
      const agent = await createKey(server.url, ws.token, "Helpdesk", "AGENT");
      expect(agent.role).toBe("AGENT");
      expect((await gqlOk(server.url, `{ bots { id } }`, {}, agent.key)).bots).toEqual([{ id: ws.botId }]);
      await createConversation(server.url, { ...ws, token: agent.key });
      const refused = [
        await gql(server.url, `{ auditLog { id } }`, {}, agent.key),
        await gql(server.url, `{ apiKeys { id } }`, {}, agent.key),
        await gql(server.url, `mutation { updateCsatSettings(input: { enabled: true }) { enabled } }`, {}, agent.key),
        await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: agent.id }, agent.key),
      ];
      for (const r of refused) expect(check("11.12", codes(r)[0] === "FORBIDDEN")).toBe(true);
      const admin = await createKey(server.url, ws.token, "Admin key");
      expect((await gqlOk(server.url, `{ auditLog { id } }`, {}, admin.key)).auditLog.length).toBeGreaterThan(0);
    });

    it("apiKeys lists name, role, createdAt, lastUsedAt and revokedAt, never the secret; other workspaces' keys are not there", async () => {
      const used = await createKey(server.url, ws.token, "Used key", "AGENT");
      const theirs = await createKey(server.url, other.token, "Their key");
      await gqlOk(server.url, `{ bots { id } }`, {}, used.key);
      const res = await gql(server.url, `{ apiKeys { id name role prefix createdAt lastUsedAt revokedAt createdBy { id } } }`, {}, ws.token);
      const listed = res.data!.apiKeys as Record<string, unknown>[];
      const mine = listed.find((k) => k.id === used.id);
      expect(mine).toEqual({
        id: used.id,
        name: "Used key",
        role: "AGENT",
        prefix: used.key.slice(0, 8),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        revokedAt: null,
        createdBy: { id: ws.adminId },
      });
      const body = JSON.stringify(res);
      expect(check("11.12", !body.includes(used.key) && !body.includes(used.key.slice(8)))).toBe(true);
      expect(check("11.12", !listed.some((k) => k.id === theirs.id))).toBe(true);
      // Newest first.
      const times = listed.map((k) => Date.parse(k.createdAt as string));
      expect(times).toEqual([...times].sort((x, y) => y - x));
    });

    it("revokeApiKey is audited once, idempotent, and NOT_FOUND for another workspace's key", async () => {
      const key = await createKey(server.url, ws.token, "Short-lived");
      const revoke = (id: string, token = ws.token) => gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id name revokedAt } }`, { id }, token);
      const first = await revoke(key.id);
      expect(first.data?.revokeApiKey).toEqual({ id: key.id, name: "Short-lived", revokedAt: expect.any(String) });
      const second = await revoke(key.id);
      expect(second.data?.revokeApiKey.revokedAt).toBe(first.data?.revokeApiKey.revokedAt);
      const theirs = await createKey(server.url, other.token, "Not yours");
      expect(check("11.12", codes(await revoke(theirs.id))[0] === "NOT_FOUND")).toBe(true);
      expect((await gqlOk(server.url, `{ bots { id } }`, {}, theirs.key)).bots).toHaveLength(1);
      const log = await gqlOk(server.url, `{ auditLog(first: 200) { action actorName actor { id } before after } }`, {}, ws.token);
      const about = (action: string) =>
        log.auditLog.filter((e: { action: string; after: string; before: string }) => e.action === action && (e.after + e.before).includes(key.id));
      const created = about("Created API key");
      const revoked = about("Revoked API key");
      expect(check("11.12", created.length === 1 && revoked.length === 1)).toBe(true);
      expect(revoked[0]).toMatchObject({ actorName: "Creds Admin", actor: { id: ws.adminId } });
      expect(JSON.parse(revoked[0].after)).toMatchObject({ id: key.id, name: "Short-lived", role: "ADMIN", revokedAt: expect.any(String) });
      expect(JSON.parse(revoked[0].before)).toMatchObject({ revokedAt: null });
      // No secret in the trail.
      expect(check("11.12", !JSON.stringify(log).includes(key.key.slice(8)))).toBe(true);
    });

    it("a change made with a key names the key as the audit entry's actor", async () => {
      const key = await createKey(server.url, ws.token, "Settings bot");
      await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 17 }) { enabled } }`, {}, key.key);
      const log = await gqlOk(server.url, `{ auditLog(first: 1) { action actorName actor { id } actorApiKey { id name } } }`, {}, ws.token);
      expect(log.auditLog[0]).toEqual({ action: "Changed CSAT settings", actorName: "Settings bot", actor: null, actorApiKey: { id: key.id, name: "Settings bot" } });
      expect(check("11.12", log.auditLog[0].actorName === "Settings bot")).toBe(true);
      // A teammate's change names the teammate.
      await gqlOk(server.url, `mutation { updateCsatSettings(input: { delayMinutes: 18 }) { enabled } }`, {}, ws.token);
      const next = await gqlOk(server.url, `{ auditLog(first: 1) { actorName actorApiKey { id } } }`, {}, ws.token);
      expect(check("11.12", next.auditLog[0].actorName === "Creds Admin" && next.auditLog[0].actorApiKey === null)).toBe(true);
    });
  });

  describe("11.14 a visitor's forbidden subscription closes 4403 however the field is reached", () => {
    async function startWidget(name: string) {
      const data = await gqlOk(
        server.url,
        `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
        { input: { channelId: ws.channelId, customer: { name } } },
      );
      return { id: data.startWidgetConversation.conversation.id as string, visitorToken: data.startWidgetConversation.visitorToken as string };
    }

    const SHAPES: Record<string, string> = {
      "fragment spread": `subscription($id: ID!) { ...F } fragment F on Subscription { FIELD(conversationId: $id) { __typename } }`,
      "inline fragment": `subscription($id: ID!) { ... on Subscription { FIELD(conversationId: $id) { __typename } } }`,
      "nested fragments": `subscription($id: ID!) { ...A } fragment A on Subscription { ... on Subscription { ...B } } fragment B on Subscription { FIELD(conversationId: $id) { __typename } }`,
      "alias in a fragment": `subscription($id: ID!) { ...F } fragment F on Subscription { mine: FIELD(conversationId: $id) { __typename } }`,
      "literal in a fragment": `subscription { ... on Subscription { FIELD(conversationId: "ID") { __typename } } }`,
      "variable default in a fragment": `subscription($other: ID! = "ID") { ...F } fragment F on Subscription { FIELD(conversationId: $other) { __typename } }`,
    };

    it("csatRequested and conversationUpdated on another conversation, through fragments: closed with 4403", async () => {
      const [mine, theirs] = await Promise.all([startWidget("Me"), startWidget("Them")]);
      for (const field of ["csatRequested", "conversationUpdated"]) {
        for (const [shape, template] of Object.entries(SHAPES)) {
          const socket = wsClient(server.wsUrl, { visitorToken: mine.visitorToken });
          const sub = collect(socket, template.replaceAll("FIELD", field).replace('"ID"', JSON.stringify(theirs.id)), { id: theirs.id });
          await until(() => socket.closes.length > 0 || sub.completed, 5000, `${field} ${shape} refused`).catch(() => {});
          expect(check("11.14", socket.closes[0] === 4403), `${field} via ${shape}`).toBe(true);
          expect(sub.events.filter((e) => e.data)).toEqual([]);
        }
      }
    });

    it("the same shapes on the visitor's own conversation run, and receive its changes", async () => {
      const mine = await startWidget("Own");
      const socket = wsClient(server.wsUrl, { visitorToken: mine.visitorToken });
      const subs = Object.values(SHAPES).map((template) =>
        collect(socket, template.replaceAll("FIELD", "conversationUpdated").replace('"ID"', JSON.stringify(mine.id)), { id: mine.id }),
      );
      await new Promise((r) => setTimeout(r, 300));
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: mine.id }, ws.token);
      await until(() => subs.every((s) => s.events.length > 0), 5000, "every shape's event");
      expect(check("11.14", socket.closes.length === 0)).toBe(true);
      await socket.dispose();
    });
  });

  describe("11.15 ids in any case name the same conversation and topic", () => {
    it("a change made with any spelling, through GraphQL, REST or MCP, reaches subscriptions made with any spelling", async () => {
      const widget = await gqlOk(
        server.url,
        `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
        { input: { channelId: ws.channelId, customer: { name: "Casey" } } },
      );
      const id: string = widget.startWidgetConversation.conversation.id;
      const upper = id.toUpperCase();
      const mixed = id.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
      expect(id).toBe(id.toLowerCase());
      const teammate = wsClient(server.wsUrl, { authorization: `Bearer ${ws.token}` });
      const visitor = wsClient(server.wsUrl, { visitorToken: widget.startWidgetConversation.visitorToken });
      const feeds = {
        lower: collect(teammate, UPDATED, { id }),
        upper: collect(teammate, UPDATED, { id: upper }),
        literal: collect(teammate, `subscription { conversationUpdated(conversationId: "${mixed}") { conversationId change } }`),
        visitorUpper: collect(visitor, UPDATED, { id: upper }),
      };
      await new Promise((r) => setTimeout(r, 300));

      const mcp = new McpClient({ name: "ids", version: "1" });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ws.token}` } } }));
      const patch = (status: string, which: string) =>
        fetch(`${server.url}/api/conversations/${which}`, {
          method: "PATCH",
          headers: { "content-type": "application/json", authorization: `Bearer ${ws.token}` },
          body: JSON.stringify({ status, skipCsat: true }),
        });
      const steps: [string, () => Promise<unknown>][] = [
        ["GraphQL resolve, lower", () => gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id, skipCsat: true) { id } }`, { id }, ws.token)],
        ["GraphQL reopen, upper", () => gqlOk(server.url, `mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: upper }, ws.token)],
        ["REST resolve, upper", async () => expect((await patch("resolved", upper)).status).toBe(200)],
        ["MCP reopen, mixed", async () => expect((await mcp.callTool({ name: "reopen_conversation", arguments: { conversation_id: mixed } })).isError).toBeFalsy()],
        ["MCP resolve, upper", async () => expect((await mcp.callTool({ name: "close_conversation", arguments: { conversation_id: upper, skip_csat: true } })).isError).toBeFalsy()],
        ["REST reopen, mixed", async () => expect((await patch("open", mixed)).status).toBe(200)],
      ];
      for (const [i, [what, step]] of steps.entries()) {
        await step();
        await until(() => Object.values(feeds).every((f) => f.events.length > i), 5000, `${what} on every feed`).catch(() => {});
        for (const [name, feed] of Object.entries(feeds)) {
          const event = feed.events[i]?.data?.conversationUpdated;
          expect(check("11.15", event?.conversationId === id), `${what} → ${name}`).toBe(true);
        }
      }
      expect(feeds.lower.events.map((e) => e.data!.conversationUpdated.change)).toEqual(["RESOLVED", "REOPENED", "RESOLVED", "REOPENED", "RESOLVED", "REOPENED"]);
      expect(visitor.closes).toEqual([]);
      // Reads agree: the id comes back as stored.
      const read = await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { id } }`, { id: upper }, ws.token);
      expect(check("11.15", read.conversation.id === id)).toBe(true);
      await mcp.close();
      await Promise.all([teammate.dispose(), visitor.dispose()]);
    });
  });
});

describe("11.3 the socket index", () => {
  /** A socket as the index sees it: closable, and telling when it closed. */
  const socket = () => Object.assign(new EventEmitter(), { codes: [] as number[], close(this: { codes: number[] }, code?: number) { this.codes.push(code ?? 1000); } });
  const teammate = { kind: "teammate" as const, workspaceId: "w", teammateId: "t1", role: "ADMIN" as const, sessionId: "s1" };

  it("closes by session, by teammate and by key; a socket that closed is forgotten; a revocation heard before a socket was indexed still closes it", () => {
    const index = createSocketIndex();
    const [bySession, byTeammate, byKey, closedEarly, late] = [socket(), socket(), socket(), socket(), socket()];
    index.add(bySession, teammate);
    index.add(byTeammate, { ...teammate, sessionId: "s2" });
    index.add(byKey, { kind: "apiKey", workspaceId: "w", apiKeyId: "k1", role: "AGENT" });
    index.add(closedEarly, { ...teammate, sessionId: "s3" });
    closedEarly.emit("close");
    index.revoke({ kind: "session", id: "s1" });
    expect(check("11.3", bySession.codes[0] === 4403 && byTeammate.codes.length === 0)).toBe(true);
    index.revoke({ kind: "teammate", id: "t1" });
    expect(check("11.3", byTeammate.codes[0] === 4403 && closedEarly.codes.length === 0)).toBe(true);
    index.revoke({ kind: "apiKey", id: "k1" });
    expect(check("11.3", byKey.codes[0] === 4403)).toBe(true);
    // Authenticated before the revocation committed, indexed after it was heard.
    index.revoke({ kind: "session", id: "s9" });
    index.add(late, { ...teammate, sessionId: "s9", teammateId: "t9" });
    expect(check("11.3", late.codes[0] === 4403)).toBe(true);
  });
});

describe("11.3 across processes: two servers, one PostgreSQL, one Redis", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: ServerProcess;
  let b: ServerProcess;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startRedis()]);
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, WORKER_INTERVAL_MS: "60000" };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    ws = await createWorkspaceFixture(a.url, "Spread");
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.kill();
    await database?.drop();
  });

  it("a session signed out on B closes its socket on A with 4403 within 1 s", async () => {
    const session = await signIn(b.url, ws.adminEmail);
    const live = await liveSocket(a.wsUrl, session, b.url, ws);
    const kept = await liveSocket(a.wsUrl, ws.token, b.url, ws);
    const closed = await closedAfter(live.client, () => gqlOk(b.url, `mutation { signOut }`, {}, session));
    expect(check("11.3", closed.closes[0] === 4403 && closed.ms < 1000)).toBe(true);
    expect(closed.ms).toBeLessThan(1000);
    expect(check("11.3", kept.client.closes.length === 0)).toBe(true);
    await kept.client.dispose();
  });

  it("an API key revoked on B closes its socket on A with 4403 within 1 s", async () => {
    const key = await createKey(a.url, ws.token, "Spread key");
    const live = await liveSocket(a.wsUrl, key.key, b.url, ws);
    const closed = await closedAfter(live.client, () => gqlOk(b.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.id }, ws.token));
    expect(check("11.3", closed.closes[0] === 4403 && closed.ms < 1000)).toBe(true);
    expect(closed.ms).toBeLessThan(1000);
  });
});
