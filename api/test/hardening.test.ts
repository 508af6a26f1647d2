/**
 * Hardening: limits, authorization everywhere, conformance suites written by others, faults and
 * bad input. `npm run test:hardening` runs this file alone; it prints a table of figures at the end
 * and asserts every figure that must be zero.
 */
import { createHash } from "node:crypto";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import fc from "fast-check";
import { GraphQLObjectType, isObjectType, getNamedType, type GraphQLSchema } from "graphql";
import { serverAudits } from "graphql-http";
import pg from "pg";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../src/schema/index.js";
import { collect, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startServerProcess } from "../testkit/processes.js";
import { startResendStandIn } from "../testkit/resend.js";
import { createTestDatabase, startTestServer, type TestServer } from "../testkit/server.js";
import { check, saveChecks } from "./hardening/checks.js";
import { figures, looksUnmasked, MUST_BE_ZERO, printTable } from "./hardening/figures.js";

const CSRF = { "x-hydra-csrf": "1" };

afterAll(() => {
  saveChecks("hardening");
  console.log(`\nHardening figures\n${printTable()}\n`);
  for (const key of MUST_BE_ZERO) expect(figures[key], key).toBe(0);
});

/** Root fields anyone may call; everything else must carry scope-auth scopes. */
const PUBLIC_ROOT_FIELDS = [
  "Mutation.createWorkspace",
  "Mutation.signIn",
  "Mutation.startWidgetConversation",
  "Mutation.submitCsat",
  "Query.csatSurveyByToken",
  "Query.me",
];
/** Types a public field may return: nothing here may lead into a workspace's data. */
const PUBLIC_TYPES = ["CreateWorkspacePayload", "Workspace", "Teammate", "SignInPayload", "WidgetSession", "Conversation", "SubmitCsatResult", "PublicCsatSurvey"];

describe("authorization everywhere", () => {
  function rootFields(s: GraphQLSchema) {
    return [s.getQueryType(), s.getMutationType(), s.getSubscriptionType()]
      .filter((t): t is GraphQLObjectType => !!t)
      .flatMap((t) => Object.values(t.getFields()).map((f) => ({ name: `${t.name}.${f.name}`, field: f })));
  }

  it("every root field is scoped by scope-auth, and only the listed ones are public", () => {
    const unscoped: string[] = [];
    const isPublic: string[] = [];
    for (const { name, field } of rootFields(schema)) {
      const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes;
      if (scopes === undefined) unscoped.push(name);
      else if (typeof scopes === "function" ? name === "Query.me" : (scopes as { public?: boolean }).public) isPublic.push(name);
    }
    expect(unscoped).toEqual([]);
    expect(isPublic.sort()).toEqual([...PUBLIC_ROOT_FIELDS].sort());
  });

  it("public fields return only the listed types", () => {
    for (const { name, field } of rootFields(schema)) {
      if (!PUBLIC_ROOT_FIELDS.includes(name)) continue;
      const type = getNamedType(field.type);
      if (isObjectType(type)) expect(PUBLIC_TYPES, `${name} returns ${type.name}`).toContain(type.name);
    }
  });
});

describe("the public HTTP surface", () => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  let otherKey: string;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer({ db: "pglite", config: { rateLimitTokenPerMinute: 0, rateLimitApiPerMinute: 0 } });
    ws = await createWorkspaceFixture(server.url, "Alpha");
    other = await createWorkspaceFixture(server.url, "Beta");
    apiKey = (await gqlOk(server.url, `mutation { createApiKey(name: "a") { key } }`, {}, ws.token)).createApiKey.key;
    otherKey = (await gqlOk(server.url, `mutation { createApiKey(name: "b") { key } }`, {}, other.token)).createApiKey.key;
  });
  afterAll(() => server?.stop());

  it("passes every MUST of graphql-http's server audits", async () => {
    const audits = serverAudits({ url: `${server.url}/graphql`, fetchFn: fetch });
    const failures: string[] = [];
    const warnings: string[] = [];
    for (const audit of audits) {
      const result = await audit.fn();
      const must = audit.name.startsWith("MUST");
      if (must) figures.auditsMustTotal++;
      if (result.status === "ok") {
        if (must) figures.auditsMustPassed++;
      } else if (must) failures.push(`${audit.name}: ${result.reason}`);
      else warnings.push(audit.name);
    }
    figures.auditsShouldWarnings = warnings.length;
    console.log(`graphql-http audits: ${figures.auditsMustPassed}/${figures.auditsMustTotal} MUST passed; SHOULD warnings:\n  ${warnings.join("\n  ")}`);
    expect(failures).toEqual([]);
  });

  it("limits depth, aliases, tokens and body size, and needs the CSRF header on GET", async () => {
    // Deeper than the limit (10: a connection's edges { node } adds two levels to what a list has).
    const deep = `{ conversations { customer { conversations { customer { conversations { customer { conversations { customer { conversations { customer { conversations { id } } } } } } } } } } } }`;
    const res = await gql(server.url, deep, {}, ws.token);
    expect(res.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(" ")} }`;
    expect((await gql(server.url, aliases, {}, ws.token)).errors?.[0]?.message).toMatch(/alias/i);
    const tokens = `{ ${Array.from({ length: 1200 }, () => "__typename").join(" ")} }`;
    expect((await gql(server.url, tokens, {}, ws.token)).errors?.[0]?.message).toMatch(/token/i);
    const big = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(70_000) } }),
    });
    expect(big.status).toBe(413);
    const noHeader = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ __typename }")}`);
    expect(noHeader.status).toBeGreaterThanOrEqual(400);
    const withHeader = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, { headers: CSRF });
    expect(withHeader.status).toBe(200);
  });

  it("caps list sizes at 100 and refuses negative ones", async () => {
    const prisma = server.running.app.prisma;
    const customer = await prisma.customer.create({ data: { workspaceId: ws.workspaceId, name: "Many" } });
    await prisma.conversation.createMany({
      data: Array.from({ length: 120 }, () => ({ workspaceId: ws.workspaceId, channelId: ws.channelId, customerId: customer.id })),
    });
    const many = await gql(server.url, `{ conversations(first: 150) { id } auditLog(first: 150) { id } }`, {}, ws.token);
    expect(many.errors).toBeUndefined();
    expect(many.data!.conversations).toHaveLength(100);
    const negative = await gql(server.url, `{ conversations(first: -1) { id } }`, {}, ws.token);
    expect(negative.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("a cross-workspace matrix over GraphQL, REST, MCP and subscriptions finds nothing of B from A", async () => {
    await enableCsat(server.url, other.token, 0);
    // B: one conversation resolved, its survey dispatched and answered with a comment.
    const bComment = `B's private comment ${Date.now()}`;
    const bAnswered = await createConversation(server.url, other, { name: "B's answered customer", email: "b-answered@example.com" });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: bAnswered }, other.token);
    const bEmail = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { workspaceId: other.workspaceId } });
    const bToken = tokenFromEmail(bEmail.html);
    const submitted = await fetch(`${server.url}/api/csat/submit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: bToken, score: 2, comment: bComment }),
    });
    expect(submitted.status).toBe(200);
    const bConversation = await createConversation(server.url, other, { name: "B's customer", email: "b@example.com" });
    const aConversation = await createConversation(server.url, ws, { name: "A's customer" });
    const aSent = await server.running.app.prisma.csatSurvey.count({ where: { workspaceId: ws.workspaceId, dispatchedAt: { not: null } } });
    const leak = (ok: boolean) => {
      figures.crossWorkspaceChecks++;
      if (!ok) figures.crossWorkspaceLeaks++;
      return ok;
    };
    const gqlCases: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { conversation(id: $id) { id } }`, { id: bConversation }],
      [`mutation($id: ID!) { sendMessage(conversationId: $id, body: "x") { id } }`, { id: bConversation }],
      [`mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: bConversation }],
      [`mutation($id: ID!) { reopenConversation(id: $id) { id } }`, { id: bConversation }],
      [`mutation($id: ID!) { deleteBot(id: $id) }`, { id: other.botId }],
      [`mutation($id: ID!) { deleteChannel(id: $id) }`, { id: other.channelId }],
      [`mutation($c: ID!) { createConversation(input: { channelId: $c, customer: { name: "x" } }) { id } }`, { c: other.channelId }],
      [`mutation($c: ID!, $b: ID!) { createConversation(input: { channelId: $c, botId: $b, customer: { name: "x" } }) { id } }`, { c: ws.channelId, b: other.botId }],
    ];
    for (const token of [ws.token, apiKey]) {
      for (const [query, variables] of gqlCases) {
        const r = await gql(server.url, query, variables, token);
        expect(leak(r.errors?.[0]?.extensions?.code === "NOT_FOUND"), query).toBe(true);
      }
    }
    const patch = await fetch(`${server.url}/api/conversations/${bConversation}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ status: "resolved" }),
    });
    expect(leak(patch.status === 404)).toBe(true);
    const mcp = new McpClient({ name: "matrix", version: "1" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } }));
    for (const name of ["close_conversation", "reopen_conversation"]) {
      const r = await mcp.callTool({ name, arguments: { conversation_id: bConversation } });
      expect(leak(r.isError === true && (r.content as { text: string }[])[0]!.text.startsWith("NOT_FOUND")), name).toBe(true);
    }
    // B has a dispatched, answered survey with a comment, so a report without B's workspace filter would show it.
    const report = await mcp.callTool({ name: "csat_report", arguments: { range: "ALL_TIME" } });
    expect(report.isError).toBeFalsy();
    const reportText = (report.content as { text: string }[])[0]!.text;
    expect(leak(!reportText.includes(other.botId))).toBe(true);
    const aReport = JSON.parse(reportText) as { totals: { sent: number; submitted: number }; byBot: { bot: { id: string } | null }[]; byChannel: { channel: { id: string } | null }[]; recentComments: { comment: string }[] };
    const held18 = (ok: boolean) => check("11.18", leak(ok));
    expect(held18(!reportText.includes(other.channelId) && !reportText.includes(bComment))).toBe(true);
    expect(held18(aReport.totals.sent === aSent && aReport.totals.submitted === 0 && aReport.recentComments.length === 0)).toBe(true);
    await mcp.close();
    // The control: B's own key sees that survey in its report, so the report above could have shown it.
    const bMcp = new McpClient({ name: "matrix-b", version: "1" });
    await bMcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${otherKey}` } } }));
    const bReport = JSON.parse(((await bMcp.callTool({ name: "csat_report", arguments: { range: "ALL_TIME" } })).content as { text: string }[])[0]!.text);
    await bMcp.close();
    expect(bReport.totals).toMatchObject({ sent: 1, submitted: 1 });
    expect(bReport.recentComments.map((c: { comment: string }) => c.comment)).toEqual([bComment]);
    expect(JSON.stringify(bReport)).toContain(other.botId);
    // A's teammate socket cannot subscribe to B's widget prompt.
    const client = wsClient(server.wsUrl, { authorization: `Bearer ${ws.token}` });
    const sub = collect(client, `subscription($id: ID!) { csatRequested(conversationId: $id) { token } }`, { id: bConversation });
    await until(() => client.closes.length > 0 || sub.error !== undefined, 5000, "refusal");
    expect(leak(client.closes.includes(4403))).toBe(true);
    await client.dispose();
    // csatRequested is refused to every teammate (visitors only), so it shows no tenancy: a teammate may
    // follow conversationUpdated, but only on its own workspace's conversations. B's id is NOT_FOUND to A.
    const teammate = wsClient(server.wsUrl, { authorization: `Bearer ${ws.token}` });
    const CHANGES = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { change conversationId } }`;
    const own = collect(teammate, CHANGES, { id: aConversation });
    const foreign = collect(teammate, CHANGES, { id: bConversation });
    await until(() => foreign.error !== undefined || foreign.events.length > 0 || teammate.closes.length > 0, 5000, "B's conversation to be refused");
    const refusal = JSON.stringify(foreign.error ?? foreign.events);
    expect(held18(/NOT_FOUND/.test(refusal) && !refusal.includes(bConversation) && teammate.closes.length === 0)).toBe(true);
    // A's own conversation on the same socket is followed: a message to it arrives.
    await gqlOk(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "ping") { id } }`, { id: aConversation }, ws.token);
    await until(() => own.events.length > 0, 5000, "A's own conversation's change");
    expect(own.error).toBeUndefined();
    expect(own.events[0]!.data?.conversationUpdated?.conversationId).toBe(aConversation);
    // And a change to B's conversation never reaches A's socket.
    await gqlOk(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "pong") { id } }`, { id: aConversation }, ws.token);
    await until(() => own.events.length > 1, 5000, "A's second change");
    expect(held18(foreign.events.every((e) => !JSON.stringify(e).includes(bConversation)))).toBe(true);
    await teammate.dispose();
    // B is untouched: its conversation is still open and has no survey.
    const b = await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { status csatSurvey { id } messages { id } } }`, { id: bConversation }, otherKey);
    expect(leak(b.conversation.status === "OPEN" && b.conversation.csatSurvey === null && b.conversation.messages.length === 1)).toBe(true);
  });
});

describe("production mode", () => {
  it("suggests no field names and masks errors", async () => {
    const server = await startTestServer({ db: "pglite", config: { production: true } });
    try {
      const res = await gql(server.url, `{ csatSetting { enabled } }`);
      expect(res.errors?.[0]?.message).not.toMatch(/did you mean/i);
      const dev = await startTestServer({ db: "pglite" });
      const devRes = await gql(dev.url, `{ csatSetting { enabled } }`);
      await dev.stop();
      expect(devRes.errors?.[0]?.message).toMatch(/did you mean "csatSettings"/i);
      expect((await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } })).status).not.toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe("graphql-ws conformance", () => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let widget: { id: string; visitorToken: string };

  beforeAll(async () => {
    server = await startTestServer({ db: "pglite" });
    ws = await createWorkspaceFixture(server.url, "Sockets");
    const data = await gqlOk(
      server.url,
      `mutation($c: ID!) { startWidgetConversation(input: { channelId: $c, customer: { name: "W" } }) { visitorToken conversation { id } } }`,
      { c: ws.channelId },
    );
    widget = { id: data.startWidgetConversation.conversation.id, visitorToken: data.startWidgetConversation.visitorToken };
  });
  afterAll(() => server?.stop());

  /** A raw graphql-transport-ws socket, to break the protocol on purpose. */
  async function rawSocket() {
    const socket = new WebSocket(server.wsUrl, "graphql-transport-ws");
    const messages: { type: string }[] = [];
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.on("message", (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.on("open", resolve));
    const send = (m: unknown) => socket.send(JSON.stringify(m));
    return { socket, messages, closed, send };
  }
  const subscribe = (id: string) => ({
    type: "subscribe",
    id,
    payload: { query: `subscription($id: ID!) { csatRequested(conversationId: $id) { token } }`, variables: { id: widget.id } },
  });

  it("closes with the protocol's codes: 4401, 4403, 4408, 4409, 4429", async () => {
    const beforeAck = await rawSocket();
    beforeAck.send(subscribe("1"));
    expect(await beforeAck.closed).toBe(4401);

    const real = wsClient(server.wsUrl, { visitorToken: "hcv_not-a-real-token" });
    const sub = collect(real, `{ __typename }`);
    await until(() => real.closes.length > 0 || sub.error !== undefined, 5000, "refusal");
    expect(real.closes).toEqual([4403]);

    const silent = await rawSocket();
    expect(await silent.closed).toBe(4408);

    const duplicate = await rawSocket();
    duplicate.send({ type: "connection_init", payload: { visitorToken: widget.visitorToken } });
    await until(() => duplicate.messages.some((m) => m.type === "connection_ack"), 5000, "ack");
    duplicate.send(subscribe("same"));
    duplicate.send(subscribe("same"));
    expect(await duplicate.closed).toBe(4409);

    const twice = await rawSocket();
    twice.send({ type: "connection_init", payload: {} });
    twice.send({ type: "connection_init", payload: {} });
    expect(await twice.closed).toBe(4429);
    figures.wsCloseCodesChecked += 5;
  });
});

describe("graphql-ws checks credentials on every operation", () => {
  it("a teammate's open socket stops working once the session is signed out", async () => {
    const server = await startTestServer({ db: "pglite" });
    try {
      const ws = await createWorkspaceFixture(server.url, "SignOut");
      const session = (await gqlOk(server.url, `mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { token } }`, { e: ws.adminEmail })).signIn.token;
      const { createClient } = await import("graphql-ws");
      const closes: number[] = [];
      // One socket held open across both operations (not lazy).
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${session}` },
        lazy: false,
        onNonLazyError: () => {},
        retryAttempts: 0,
        on: { closed: (e) => void closes.push((e as { code: number }).code) },
      });
      const first = collect(client, `{ me { id } }`);
      await until(() => first.completed, 5000, "the first query");
      expect(first.events[0]!.data).toEqual({ me: { id: ws.adminId } });
      await gqlOk(server.url, `mutation { signOut }`, {}, session);
      const second = collect(client, `{ me { id } }`);
      await until(() => closes.length > 0, 5000, "the refusal");
      expect(closes).toEqual([4403]);
      expect(second.events.filter((e) => e.data)).toEqual([]);
      figures.wsCloseCodesChecked++;
      await client.dispose();
    } finally {
      await server.stop();
    }
  });
});

describe("graphql-ws reconnects after a server restart", () => {
  it("the widget's client reconnects, resubscribes and receives its prompt", async () => {
    const database = await createTestDatabase();
    const config = { databaseUrl: database.url };
    let server = await startTestServer({ db: "postgres", config });
    const port = Number(new URL(server.url).port);
    const ws = await createWorkspaceFixture(server.url, "Restart");
    await enableCsat(server.url, ws.token, 0);
    const data = await gqlOk(
      server.url,
      `mutation($c: ID!) { startWidgetConversation(input: { channelId: $c, customer: { name: "R" } }) { visitorToken conversation { id } } }`,
      { c: ws.channelId },
    );
    const id = data.startWidgetConversation.conversation.id;
    const { createClient } = await import("graphql-ws");
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { visitorToken: data.startWidgetConversation.visitorToken },
      retryAttempts: 50,
      retryWait: async () => new Promise((r) => setTimeout(r, 200)),
      shouldRetry: () => true,
    });
    const sub = collect(client, `subscription($id: ID!) { csatRequested(conversationId: $id) { conversationId } }`, { id });
    try {
      await until(() => server.running.app.presence.isOpen(id), 5000, "first subscription");
      await server.running.stop();
      server = await startTestServer({ db: "postgres", config, port });
      await until(() => server.running.app.presence.isOpen(id), 15_000, "the resubscription");
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      await until(() => sub.events.length > 0, 5000, "the prompt after the restart");
      expect(sub.events[0]!.data!.csatRequested.conversationId).toBe(id);
    } finally {
      await client.dispose();
      await server.running.stop();
      await database.drop();
    }
  });
});

describe("rate limits", () => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  beforeAll(async () => {
    server = await startTestServer({ db: "pglite", config: { rateLimitTokenPerMinute: 60, rateLimitApiPerMinute: 60 } });
    ws = await createWorkspaceFixture(server.url, "Limited");
  });
  afterAll(() => server?.stop());

  it("answer 429 with Retry-After on REST and RATE_LIMITED on GraphQL, per IP on token endpoints and per API key", async () => {
    const submit = () =>
      fetch(`${server.url}/api/csat/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "0".repeat(32), score: 3 }) });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await submit()).status);
    expect(statuses.slice(0, 15).every((s) => s === 404)).toBe(true);
    const limited = await submit();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const viaGraphql = await gql(server.url, `mutation { submitCsat(token: "${"0".repeat(32)}", score: 3) { outcome } }`);
    expect(viaGraphql.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect((await fetch(`${server.url}/csat/${"0".repeat(32)}`)).status).toBe(429);
    // Teammates are not limited by the token endpoints' buckets.
    expect((await gql(server.url, `{ csatSettings { enabled } }`, {}, ws.token)).errors).toBeUndefined();

    const key = (await gqlOk(server.url, `mutation { createApiKey(name: "busy") { key } }`, {}, ws.token)).createApiKey.key;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 20; i++) codes.push((await gql(server.url, `{ bots { id } }`, {}, key)).errors?.[0]?.extensions?.code);
    expect(codes).toContain("RATE_LIMITED");
    figures.rateLimitChecks += 4;
  });
});

describe("bad input, fuzzed", () => {
  let server: TestServer;
  const tokens: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ db: "pglite" });
    const ws = await createWorkspaceFixture(server.url, "Fuzz");
    await enableCsat(server.url, ws.token, 0);
    for (let i = 0; i < 25; i++) {
      const id = await createConversation(server.url, ws, { name: `F${i}`, email: `f${i}@example.com` });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    }
    for (const row of await server.running.app.prisma.emailOutbox.findMany()) tokens.push(tokenFromEmail(row.html));
  });
  afterAll(() => server?.stop());

  /** Every table of the database, its rows as JSON, sorted. */
  async function snapshotTables(): Promise<Record<string, string[]>> {
    const prisma = server.running.app.prisma;
    const tables = await prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const snapshot: Record<string, string[]> = {};
    for (const { name } of tables) {
      const rows = await prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT to_jsonb(t)::text AS row FROM "${name}" t`);
      snapshot[name] = rows.map((r) => r.row).sort();
    }
    return snapshot;
  }

  interface TallySum {
    sent: number;
    submitted: number;
    scoreSum: number;
    scores: number[];
  }
  const NIL = "00000000-0000-0000-0000-000000000000";
  const EVERY = "ffffffff-ffff-ffff-ffff-ffffffffffff";
  /** The tallies summed over their shards (the worker folds shards at any time), by grain, bucket, bot and channel. */
  async function tallySums(): Promise<Map<string, TallySum>> {
    const rows = await server.running.app.prisma.$queryRawUnsafe<
      { grain: string; bucket: Date; bot_id: string; channel_id: string; sent: number; submitted: number; score_sum: number; s1: number; s2: number; s3: number; s4: number; s5: number }[]
    >(`SELECT grain::text AS grain, bucket, bot_id::text AS bot_id, channel_id::text AS channel_id, sum(sent)::int AS sent,
              sum(submitted)::int AS submitted, sum(score_sum)::int AS score_sum, sum(score_1)::int AS s1, sum(score_2)::int AS s2,
              sum(score_3)::int AS s3, sum(score_4)::int AS s4, sum(score_5)::int AS s5
       FROM csat_tally GROUP BY 1, 2, 3, 4`);
    return new Map(
      rows.map((r) => [
        `${r.grain}|${new Date(r.bucket).toISOString()}|${r.bot_id}|${r.channel_id}`,
        { sent: r.sent, submitted: r.submitted, scoreSum: r.score_sum, scores: [r.s1, r.s2, r.s3, r.s4, r.s5] },
      ]),
    );
  }
  /** The tally keys a survey dispatched at `at` counts under: its UTC hour, day and month. */
  function tallyKeys(at: Date, botId: string | null, channelId: string | null): string[] {
    const hour = new Date(at);
    hour.setUTCMinutes(0, 0, 0);
    const day = new Date(hour);
    day.setUTCHours(0);
    const month = new Date(day);
    month.setUTCDate(1);
    // Each survey counts in both groupings: its bot and channel, and (summed over teammates here) every bot and channel.
    return [`${botId ?? NIL}|${channelId ?? NIL}`, `${EVERY}|${EVERY}`].flatMap((tail) => [
      `HOUR|${hour.toISOString()}|${tail}`,
      `DAY|${day.toISOString()}|${tail}`,
      `MONTH|${month.toISOString()}|${tail}`,
    ]);
  }

  it("10,000 inputs: no 5xx, no unmasked error, and the database changed only by valid answers", async () => {
    const prisma = server.running.app.prisma;
    const before = await prisma.csatSurvey.findMany({ orderBy: { id: "asc" } });
    const tablesBefore = await snapshotTables();
    const talliesBefore = await tallySums();
    // The snapshot runs PGlite in this very process and may hold the event loop for seconds, long enough for the
    // server to drop an idle keep-alive connection that fetch has not yet noticed: let one request find that out.
    await fetch(`${server.url}/healthz`).catch(() => null);
    const accepted = new Map<string, { score: number; comment: string | null }>();

    const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: min, maxLength: max });
    const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `a${String.fromCharCode(c)}b`);
    const token = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...tokens) },
      fc.constantFrom(...tokens).map((t) => t.toUpperCase()),
      hex(31, 31),
      hex(33, 33),
      fc.string({ maxLength: 40 }),
      fc.constantFrom("' OR '1'='1", "'; DROP TABLE csat_survey; --", "%00", "..\\..", "$1", "\u0000", "😀".repeat(16)),
    );
    const score = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
      fc.integer({ min: -1000, max: 1000 }),
      fc.double({ noNaN: true }),
      fc.constantFrom(null, "5", true, [], {}, 2.5, 2 ** 53 + 2, -0),
    );
    const comment = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      loneSurrogate,
      fc.constantFrom("<script>alert(1)</script>", '=HYPERLINK("http://evil")', "a\u0000b", "x".repeat(2001), "é".repeat(2000), "😀".repeat(1001)),
    );
    const isValid = (s: unknown, c: unknown) =>
      typeof s === "number" && Number.isInteger(s) && s >= 1 && s <= 5 &&
      (c === undefined || c === null || (typeof c === "string" && [...c].length <= 2000 && !c.includes("\u0000") && c.isWellFormed()));

    const request = fc.oneof(
      fc.record({ kind: fc.constant("rest" as const), token, score, comment }),
      fc.record({ kind: fc.constant("graphql" as const), token, score, comment }),
      fc.record({ kind: fc.constant("byToken" as const), token }),
      fc.record({ kind: fc.constant("page" as const), token, score: fc.oneof(fc.integer({ min: 0, max: 6 }).map(String), fc.string({ maxLength: 5 })) }),
      fc.record({
        kind: fc.constant("raw" as const),
        path: fc.constantFrom("/api/csat/submit", "/graphql"),
        body: fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.constantFrom("{", "[]", "null", '{"token":', `[{"query":"{ __typename }"},{"query":"{ me { id } }"}]`, "x".repeat(70_000)),
          fc.array(fc.record({ query: fc.constantFrom("{ __typename }", "mutation { submitCsat(token: \"x\", score: 1) { outcome } }") }), { maxLength: 5 }).map((a) => JSON.stringify(a)),
        ),
      }),
      fc.record({
        kind: fc.constant("deep" as const),
        depth: fc.integer({ min: 1, max: 40 }),
        aliases: fc.integer({ min: 1, max: 60 }),
      }),
    );

    let tried = 0;
    // The input at hand, so a failing assertion names it.
    let input = "";
    let screened = 0;
    const screen = async (res: Response, json: boolean) => {
      const text = await res.text();
      if (res.status >= 500) figures.responses5xx++;
      if (json && looksUnmasked(text)) figures.unmaskedErrors++;
      if (json && text.includes("INTERNAL_SERVER_ERROR")) figures.responses5xx++;
      screened++;
      expect(res.status, `${res.status} for ${input}: ${text.slice(0, 300)}`).toBeLessThan(500);
      if (json) {
        expect(looksUnmasked(text), `unmasked error for ${input}: ${text.slice(0, 300)}`).toBe(false);
        expect(text, `internal error for ${input}`).not.toContain("INTERNAL_SERVER_ERROR");
      }
      return text;
    };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        tried++;
        input = JSON.stringify(r, (_k, v: unknown) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 200)}…(${v.length})` : v));
        if (r.kind === "rest") {
          const body: Record<string, unknown> = { token: r.token, score: r.score };
          if (r.comment !== undefined) body.comment = r.comment;
          const res = await fetch(`${server.url}/api/csat/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
          const text = await screen(res, true);
          if (res.status === 200) {
            expect(isValid(r.score, r.comment) && tokens.includes(r.token)).toBe(true);
            accepted.set(r.token, { score: r.score as number, comment: (r.comment as string | null | undefined) || null });
          }
          if (isValid(r.score, r.comment) && tokens.includes(r.token)) expect([200, 409]).toContain(res.status);
          else expect(res.status, text).not.toBe(200);
        } else if (r.kind === "graphql") {
          const res = await fetch(`${server.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              query: `mutation($t: String!, $s: Int!, $c: String) { submitCsat(token: $t, score: $s, comment: $c) { outcome } }`,
              variables: { t: r.token, s: r.score, c: r.comment },
            }),
          });
          const text = await screen(res, true);
          const outcome = /"outcome":"(\w+)"/.exec(text)?.[1];
          if (outcome === "ACCEPTED") {
            expect(isValid(r.score, r.comment) && tokens.includes(r.token)).toBe(true);
            accepted.set(r.token, { score: r.score as number, comment: (r.comment as string | null | undefined) || null });
          }
        } else if (r.kind === "byToken") {
          const res = await fetch(`${server.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: `query($t: String!) { csatSurveyByToken(token: $t) { state } }`, variables: { t: r.token } }),
          });
          await screen(res, true);
        } else if (r.kind === "page") {
          const res = await fetch(`${server.url}/csat/${encodeURIComponent(r.token)}?score=${encodeURIComponent(r.score)}`);
          await screen(res, false);
        } else if (r.kind === "raw") {
          const res = await fetch(`${server.url}${r.path}`, { method: "POST", headers: { "content-type": "application/json" }, body: r.body });
          await screen(res, true);
          // No raw body names a real token, so the submit endpoint never accepts one.
          if (r.path === "/api/csat/submit") expect([400, 404, 413]).toContain(res.status);
        } else {
          let selection = "id";
          for (let i = 0; i < r.depth; i++) selection = `customer { conversations { ${selection} } }`;
          const aliased = Array.from({ length: r.aliases }, (_, i) => `a${i}: csatSurveyByToken(token: "${"0".repeat(32)}") { state }`).join(" ");
          for (const query of [`{ conversations { ${selection} } }`, `{ ${aliased} }`]) {
            const res = await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
            await screen(res, true);
          }
        }
      }),
      { numRuns: 10_000, seed: 20261124, endOnFailure: true },
    );
    figures.inputsTried += tried;
    expect(tried).toBe(10_000);
    // Every response went through the assertions above (the deep kind sends two).
    expect(check("11.19", screened >= tried)).toBe(true);

    // The database: only the accepted answers changed it, exactly as submitted.
    const after = await prisma.csatSurvey.findMany({ orderBy: { id: "asc" } });
    const hashOf = (t: string) => createHash("sha256").update(t).digest("hex");
    const acceptedByHash = new Map([...accepted].map(([t, a]) => [hashOf(t), a]));
    expect(after.length).toBe(before.length);
    for (const [i, row] of after.entries()) {
      const answer = acceptedByHash.get(row.tokenHash!);
      if (answer) {
        expect(row).toMatchObject({ state: "SUBMITTED", score: answer.score, comment: answer.comment });
        expect({ ...row, state: "DISPATCHED", score: null, comment: null, answeredAt: null, answeredVia: null }).toEqual(before[i]);
      } else {
        expect(row).toEqual(before[i]);
      }
    }
    // Every other table is as it was, row for row; the tallies moved by exactly the accepted answers.
    const tablesAfter = await snapshotTables();
    expect(Object.keys(tablesAfter).sort()).toEqual(Object.keys(tablesBefore).sort());
    expect(Object.keys(tablesBefore).length).toBeGreaterThanOrEqual(12);
    // A valid answer at or below the follow-up threshold (2 by default) opens its one follow-up; nothing else does.
    const lowAnswered = after.filter((row) => (acceptedByHash.get(row.tokenHash!)?.score ?? 9) <= 2).map((row) => row.id);
    const followUpSurveys = (rows: string[]) => rows.map((r) => (JSON.parse(r) as { survey_id: string }).survey_id).sort();
    expect(followUpSurveys(tablesAfter.csat_follow_up ?? [])).toEqual([...followUpSurveys(tablesBefore.csat_follow_up ?? []), ...lowAnswered].sort());
    for (const table of Object.keys(tablesBefore)) {
      if (table === "csat_survey" || table === "csat_tally" || table === "csat_follow_up") continue;
      expect(check("11.19", JSON.stringify(tablesAfter[table]) === JSON.stringify(tablesBefore[table])), `table ${table} changed`).toBe(true);
    }
    const expectedTallies = new Map(talliesBefore);
    for (const row of before) {
      const answer = acceptedByHash.get(row.tokenHash!);
      if (!answer) continue;
      for (const key of tallyKeys(row.dispatchedAt!, row.botId, row.channelId)) {
        const t = expectedTallies.get(key);
        expect(t, `a tally for ${key}`).toBeDefined();
        const scores = [...t!.scores];
        scores[answer.score - 1]!++;
        expectedTallies.set(key, { ...t!, submitted: t!.submitted + 1, scoreSum: t!.scoreSum + answer.score, scores });
      }
    }
    expect(check("11.19", JSON.stringify([...(await tallySums())].sort()) === JSON.stringify([...expectedTallies].sort()))).toBe(true);
    expect(accepted.size).toBeGreaterThan(0);
    console.log(`fuzz: ${tried} inputs, ${accepted.size} valid answers accepted of ${tokens.length} surveys`);
  }, 300_000);
});

describe("faults: kill -9 and restart", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let resend: Awaited<ReturnType<typeof startResendStandIn>>;
  let sql: pg.Client;
  beforeAll(async () => {
    [database, resend] = await Promise.all([createTestDatabase(), startResendStandIn()]);
    sql = new pg.Client(database.url);
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await resend?.stop();
    await database?.drop();
  });
  const env = () => ({
    DATABASE_URL: database.url,
    RESEND_API_KEY: "re_faults",
    RESEND_BASE_URL: resend.url,
    WORKER_INTERVAL_MS: "100",
    OUTBOX_LEASE_MS: "1000",
  });

  for (const fault of ["dispatch:after-commit", "outbox:after-claim", "outbox:after-send"] as const) {
    it(`a survey email survives a kill -9 at ${fault}: sent once after the restart`, async () => {
      const doomed = await startServerProcess({ ...env(), HYDRA_FAULT: fault });
      const ws = await createWorkspaceFixture(doomed.url, `Fault ${fault}`);
      await enableCsat(doomed.url, ws.token, 0);
      const recipient = `kim-${fault.replace(/\W/g, "")}@example.com`;
      const id = await createConversation(doomed.url, ws, { name: "Kim", email: recipient });
      await gql(doomed.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token).catch(() => null);
      const code = await Promise.race([doomed.stop("SIGCONT"), new Promise((r) => setTimeout(() => r("alive"), 10_000))]);
      expect(doomed.child.signalCode, `the process died at ${fault}`).toBe("SIGKILL");
      expect(code).toBeNull();
      figures.killRuns++;

      const { rows: [survey] } = await sql.query(`SELECT id, state FROM csat_survey WHERE conversation_id = $1`, [id]);
      expect(survey.state).toBe("DISPATCHED");
      const restarted = await startServerProcess(env());
      try {
        await until(async () => {
          const { rows } = await sql.query(`SELECT state FROM email_outbox WHERE survey_id = $1`, [survey.id]);
          return rows[0]?.state === "SENT";
        }, 20_000, "the email to be sent after the restart");
      } finally {
        await restarted.stop();
      }
      figures.emailsExpected++;
      const { rows: [outbox] } = await sql.query(`SELECT batch_id FROM email_outbox WHERE survey_id = $1`, [survey.id]);
      const key = `csat-batch/${outbox.batch_id}`;
      const delivered = resend.deliveredTo(recipient);
      if (delivered === 0) figures.emailsLost++;
      // What the customer would get: every request to the provider for this recipient, whatever its key.
      // Only a crash between the provider's answer and our record of it may repeat the request (same key).
      const toRecipient = resend.requests.filter((r) => [r.body.to].flat().includes(recipient));
      const keys = new Set(toRecipient.map((r) => r.idempotencyKey));
      const allowed = fault === "outbox:after-send" ? 2 : 1;
      const duplicated = toRecipient.length > allowed || keys.size > 1;
      if (duplicated) figures.emailsDuplicated++;
      expect(check("11.18", !duplicated), `${toRecipient.length} requests with keys ${[...keys].join(", ")}`).toBe(true);
      expect([...keys]).toEqual([key]);
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM email_outbox WHERE survey_id = $1`, [survey.id]);
      expect(rows[0].n).toBe(1);
      expect(delivered).toBe(1);
      const requests = resend.requests.filter((r) => r.idempotencyKey === key).length;
      // Resend saw the key at most twice (once more after a crash between its answer and our record), and delivered once.
      expect(requests).toBe(fault === "outbox:after-send" ? 2 : 1);
    });
  }

  it("a settings change killed mid-way leaves neither the setting nor its audit entry", async () => {
    const doomed = await startServerProcess({ ...env(), HYDRA_FAULT: "settings:mid-transaction" });
    const ws = await createWorkspaceFixture(doomed.url, "Torn");
    await gql(doomed.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 60 }) { enabled } }`, {}, ws.token).catch(() => null);
    await doomed.stop("SIGCONT");
    expect(doomed.child.signalCode).toBe("SIGKILL");
    figures.killRuns++;
    const { rows: [settings] } = await sql.query(`SELECT enabled, delay_minutes FROM csat_settings WHERE workspace_id = $1`, [ws.workspaceId]);
    const { rows: [audit] } = await sql.query(`SELECT count(*)::int AS n FROM audit_entry WHERE workspace_id = $1`, [ws.workspaceId]);
    const changed = settings.enabled !== false || settings.delay_minutes !== 0;
    if (changed !== (audit.n === 1)) figures.settingsTornWrites++;
    expect([changed, audit.n]).toEqual([false, 0]);
  });
});

describe("secrets", () => {
  it("no password, session, API key, visitor or survey token appears in the server's log of a full run", async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ DATABASE_URL: database.url, WORKER_INTERVAL_MS: "100" });
    const secrets: string[] = [];
    try {
      const password = "hunter2-correct-horse";
      secrets.push(password);
      const created = await gqlOk(
        server.url,
        `mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { token workspace { id } } }`,
        { i: { name: "Secretive", adminEmail: "sec@example.com", adminName: "Sec", password } },
      );
      const session = created.createWorkspace.token;
      secrets.push(session);
      const signIn = await gqlOk(server.url, `mutation { signIn(email: "sec@example.com", password: "${password}") { token } }`);
      secrets.push(signIn.signIn.token);
      await gql(server.url, `mutation { signIn(email: "sec@example.com", password: "wrong-${password}") { token } }`);
      const key = (await gqlOk(server.url, `mutation { createApiKey(name: "k") { key } }`, {}, session)).createApiKey.key;
      secrets.push(key);
      const channel = (await gqlOk(server.url, `mutation { createChannel(name: "web", kind: WEB_WIDGET) { id } }`, {}, key)).createChannel.id;
      await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true }) { enabled } }`, {}, key);
      const widget = await gqlOk(
        server.url,
        `mutation($c: ID!) { startWidgetConversation(input: { channelId: $c, customer: { name: "V", email: "v@example.com" } }) { visitorToken conversation { id } } }`,
        { c: channel },
      );
      secrets.push(widget.startWidgetConversation.visitorToken);
      const id = widget.startWidgetConversation.conversation.id;
      await gqlOk(server.url, `mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }`, { id, b: "hi" }, widget.startWidgetConversation.visitorToken);
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, key);
      // The development-only preview link is the one way an admin sees a survey token.
      const preview = (await gqlOk(server.url, `{ emailOutbox { previewUrl } }`, {}, session)).emailOutbox[0].previewUrl as string;
      const surveyToken = /\/csat\/([0-9a-f]{32})$/.exec(preview)![1]!;
      secrets.push(surveyToken);
      await fetch(`${server.url}/csat/${surveyToken}?score=5`);
      await fetch(`${server.url}/api/csat/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: surveyToken, score: 5 }) });
      await gql(server.url, `{ bots { id } }`, {}, `${key}x`); // a wrong key, logged as nothing
      await gqlOk(server.url, `mutation { signOut }`, {}, session);
    } finally {
      await server.stop();
      await database.drop();
    }
    const log = server.output();
    expect(log).toContain("[http] listening");
    const found = secrets.filter((s) => log.includes(s));
    figures.secretsInLogs += found.length;
    expect(found).toEqual([]);
  });
});

describe("PostgreSQL restarted under load", () => {
  it("requests fail fast with a clear error while it is down, and the server recovers by itself", async () => {
    const { startPrivatePostgres } = await import("../testkit/pgcluster.js");
    const pgServer = await startPrivatePostgres();
    const server = await startServerProcess({ DATABASE_URL: pgServer.url });
    try {
      const ws = await createWorkspaceFixture(server.url, "Outage");
      const results: { phase: string; ms: number; ok: boolean; code?: string; status: number }[] = [];
      let phase = "up";
      let running = true;
      const load = async () => {
        while (running) {
          const t = Date.now();
          const res = await fetch(`${server.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${ws.token}` },
            body: JSON.stringify({ query: "{ csatSettings { enabled } bots { id } }" }),
          }).catch(() => null);
          const body = res ? ((await res.json()) as { errors?: { extensions?: { code?: string }; message: string }[] }) : null;
          results.push({ phase, ms: Date.now() - t, ok: !!res && !body?.errors, code: body?.errors?.[0]?.extensions?.code, status: res?.status ?? 0 });
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const workers = Array.from({ length: 4 }, load);
      await new Promise((r) => setTimeout(r, 1000));
      pgServer.stop();
      phase = "down";
      await new Promise((r) => setTimeout(r, 2000));
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(503);
      pgServer.start();
      phase = "back";
      await until(async () => (await fetch(`${server.url}/healthz`)).status === 200, 20_000, "healthz after the restart");
      await new Promise((r) => setTimeout(r, 1000));
      running = false;
      await Promise.all(workers);

      const down = results.filter((r) => r.phase === "down");
      const back = results.filter((r) => r.phase === "back");
      expect(results.filter((r) => r.phase === "up").every((r) => r.ok)).toBe(true);
      expect(down.length).toBeGreaterThan(4);
      // Fast and clear: no request hangs, none is a 5xx, and the failures say what is wrong.
      expect(Math.max(...down.map((r) => r.ms))).toBeLessThan(6000);
      const failed = down.filter((r) => !r.ok);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((r) => r.code === "SERVICE_UNAVAILABLE" && r.status < 500)).toBe(true);
      expect(back.slice(-8).every((r) => r.ok)).toBe(true);
      figures.responses5xx += results.filter((r) => r.status >= 500).length;
      console.log(
        `postgres outage: ${results.length} requests, ${failed.length} failed while down (max ${Math.max(...down.map((r) => r.ms))} ms), all ok again after the restart`,
      );
      expect(server.output()).toContain("[db] unreachable");
    } finally {
      await server.stop();
      pgServer.dispose();
    }
  });
});
