/**
 * Issue 15, parts 1 and 2: teammates (added, listed, deactivated: no sign-in, sessions and sockets
 * end, history kept), assignment, and the credit each survey gets when it is dispatched: the
 * assignee then, else the teammate who resolved it, else no one (API key, MCP).
 */
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { codes, collect, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const PASSWORD = "correct horse battery";
const MINUTE = 60_000;

const CREATE = `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { id email name role active } }`;
const ASSIGN = `mutation($id: ID!, $t: ID) { assignConversation(id: $id, teammateId: $t) { id assignee { id name } } }`;
const RESOLVE = `mutation($id: ID!) { resolveConversation(id: $id) { id csatSurvey { state teammate { id name } } } }`;
const REPORT = `query { csatReport(range: ALL_TIME) { byTeammate { id label figures { sent submitted } } } }`;

async function signIn(url: string, email: string, password = PASSWORD) {
  return gql(url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token teammate { id } } }`, { e: email, p: password });
}

describe.each(DB_KINDS)("teammates and credit on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  const clock = createManualClock(new Date("2026-06-01T12:00:00Z"));
  let apiKey: string;
  let agent: { id: string; email: string; token: string };
  let admin2: { id: string; email: string; token: string };

  async function addTeammate(name: string, role: "ADMIN" | "AGENT", token = ws.token) {
    const email = `${name.toLowerCase()}-${db}@acme.test`;
    const { createTeammate } = await gqlOk(server.url, CREATE, { input: { email, name, role, password: PASSWORD } }, token);
    const session = await signIn(server.url, email);
    return { id: createTeammate.id as string, email, token: session.data!.signIn.token as string, created: createTeammate };
  }

  beforeAll(async () => {
    server = await startTestServer({ db, clock });
    [ws, other] = await Promise.all([createWorkspaceFixture(server.url, "Acme"), createWorkspaceFixture(server.url, "Other")]);
    apiKey = (await gqlOk(server.url, `mutation { createApiKey(name: "credit") { key } }`, {}, ws.token)).createApiKey.key;
    const a = await addTeammate("Agnes", "AGENT");
    agent = a;
    expect(a.created).toEqual({ id: a.id, email: a.email, name: "Agnes", role: "AGENT", active: true });
    admin2 = await addTeammate("Bruno", "ADMIN");
  });
  afterAll(() => server?.stop());

  it("an admin adds teammates who sign in; bad input, a taken address and an agent are refused; both changes are audited", async () => {
    const bad = await gql(server.url, CREATE, { input: { email: "not-an-email", name: "X", role: "AGENT", password: PASSWORD } }, ws.token);
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    const short = await gql(server.url, CREATE, { input: { email: "short@acme.test", name: "X", role: "AGENT", password: "short" } }, ws.token);
    expect(codes(short)).toEqual(["BAD_USER_INPUT"]);
    const taken = await gql(server.url, CREATE, { input: { email: agent.email.toUpperCase(), name: "Again", role: "AGENT", password: PASSWORD } }, ws.token);
    expect(codes(taken)).toEqual(["BAD_USER_INPUT"]);
    expect(taken.errors![0]!.message).toMatch(/already exists/);
    // An agent may not add teammates (nor may anyone without credentials).
    const byAgent = await gql(server.url, CREATE, { input: { email: "c@acme.test", name: "C", role: "AGENT", password: PASSWORD } }, agent.token);
    expect(codes(byAgent)).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(server.url, CREATE, { input: { email: "d@acme.test", name: "D", role: "AGENT", password: PASSWORD } }))).toEqual(["UNAUTHENTICATED"]);
    expect(await server.running.app.prisma.teammate.count({ where: { email: { in: ["short@acme.test", "c@acme.test", "d@acme.test"] } } })).toBe(0);
    // The password is stored as the others are: a scrypt hash, never the text.
    const stored = await server.running.app.prisma.teammate.findUniqueOrThrow({ where: { id: agent.id } });
    expect(stored.passwordHash).not.toContain(PASSWORD);
    expect(stored.passwordHash).toMatch(/scrypt/);
    const audit = await gqlOk(server.url, `{ auditLog(first: 50) { action actor { id } before after } }`, {}, ws.token);
    const added = audit.auditLog.filter((e: { action: string }) => e.action === "Added teammate");
    expect(added).toHaveLength(2);
    // (Both were written at the same instant of the test's clock, so their order is not the point.)
    const agnes = added.find((e: { after: string }) => JSON.parse(e.after).id === agent.id);
    expect(JSON.parse(agnes.after)).toEqual({ id: agent.id, email: agent.email, name: "Agnes", role: "AGENT", active: true });
    expect(JSON.parse(agnes.before)).toEqual({});
    expect(agnes.actor).toEqual({ id: ws.adminId });
    expect(JSON.stringify(added)).not.toContain(PASSWORD);
  });

  it("teammates lists the workspace's own, active first; other workspaces see none of them", async () => {
    const { teammates } = await gqlOk(server.url, `{ teammates { id name role active } }`, {}, agent.token);
    expect(teammates.map((t: { name: string }) => t.name)).toEqual(["Acme Admin", "Agnes", "Bruno"]);
    const theirs = await gqlOk(server.url, `{ teammates { id } }`, {}, other.token);
    expect(theirs.teammates).toEqual([{ id: other.adminId }]);
  });

  it("credit goes to the assignee at dispatch, else the resolver, else no one; unassigning after dispatch keeps it", async () => {
    await enableCsat(server.url, ws.token, 0);
    // Assigned to Agnes, resolved by the admin: Agnes.
    const assigned = await createConversation(server.url, ws, { name: "A", email: "a@example.com" });
    const a = await gqlOk(server.url, ASSIGN, { id: assigned, t: agent.id }, admin2.token);
    expect(a.assignConversation.assignee).toEqual({ id: agent.id, name: "Agnes" });
    expect((await gqlOk(server.url, RESOLVE, { id: assigned }, ws.token)).resolveConversation.csatSurvey.teammate).toEqual({ id: agent.id, name: "Agnes" });
    // Unassigned, resolved by Bruno: Bruno.
    const byResolver = await createConversation(server.url, ws, { name: "B", email: "b@example.com" });
    expect((await gqlOk(server.url, RESOLVE, { id: byResolver }, admin2.token)).resolveConversation.csatSurvey.teammate).toEqual({ id: admin2.id, name: "Bruno" });
    // Resolved by an API key (REST), by MCP: no one. Assigned and resolved by an API key: the assignee.
    const byKey = await createConversation(server.url, ws, { name: "C", email: "c@example.com" });
    const res = await fetch(`${server.url}/api/conversations/${byKey}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ status: "resolved" }),
    });
    expect(res.status).toBe(200);
    const byMcp = await createConversation(server.url, ws, { name: "D", email: "d@example.com" });
    const mcp = new McpClient({ name: "credit-test", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } }));
    await mcp.callTool({ name: "close_conversation", arguments: { conversation_id: byMcp } });
    await mcp.close();
    const keyAssigned = await createConversation(server.url, ws, { name: "E", email: "e@example.com" });
    await gqlOk(server.url, ASSIGN, { id: keyAssigned, t: admin2.id }, apiKey);
    await gqlOk(server.url, RESOLVE, { id: keyAssigned }, apiKey);
    const surveys = await server.running.app.prisma.csatSurvey.findMany({
      where: { conversationId: { in: [byKey, byMcp, keyAssigned] } },
      select: { conversationId: true, teammateId: true, resolvedVia: true },
    });
    const credit = Object.fromEntries(surveys.map((s) => [s.conversationId, s.teammateId]));
    expect(credit).toEqual({ [byKey]: null, [byMcp]: null, [keyAssigned]: admin2.id });
    const conversations = await server.running.app.prisma.conversation.findMany({ where: { id: { in: [byKey, byResolver] } }, select: { id: true, resolvedById: true } });
    expect(Object.fromEntries(conversations.map((c) => [c.id, c.resolvedById]))).toEqual({ [byKey]: null, [byResolver]: admin2.id });

    // After dispatch, unassigning (or reassigning) changes no credit.
    await gqlOk(server.url, ASSIGN, { id: assigned, t: null }, agent.token);
    await gqlOk(server.url, ASSIGN, { id: byResolver, t: agent.id }, agent.token);
    const after = await gqlOk(server.url, `query($a: ID!, $b: ID!) { a: conversation(id: $a) { assignee { id } csatSurvey { teammate { id } } } b: conversation(id: $b) { csatSurvey { teammate { id } } } }`, { a: assigned, b: byResolver }, ws.token);
    expect(after).toEqual({ a: { assignee: null, csatSurvey: { teammate: { id: agent.id } } }, b: { csatSurvey: { teammate: { id: admin2.id } } } });

    // Assignment is a conversation event, not a settings audit entry.
    const events = await server.running.app.prisma.conversationEvent.findMany({ where: { conversationId: assigned }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => [e.action, e.before, e.after, e.actorId])).toEqual([
      ["Assigned conversation", { assigneeId: null }, { assigneeId: agent.id }, admin2.id],
      ["Assigned conversation", { assigneeId: agent.id }, { assigneeId: null }, agent.id],
    ]);
    const audit = await gqlOk(server.url, `{ auditLog(first: 50) { action } }`, {}, ws.token);
    expect(audit.auditLog.map((e: { action: string }) => e.action)).not.toContain("Assigned conversation");

    const { csatReport } = await gqlOk(server.url, REPORT, {}, ws.token);
    const rows = Object.fromEntries(csatReport.byTeammate.map((r: { label: string; figures: { sent: number } }) => [r.label, r.figures.sent]));
    expect(rows).toEqual({ Agnes: 1, Bruno: 2, "— Unattributed —": 2 });
    expect(csatReport.byTeammate.at(-1)).toMatchObject({ id: null, label: "— Unattributed —" });
  });

  it("a delayed survey is credited at its dispatch: to whoever is assigned then", async () => {
    await enableCsat(server.url, ws.token, 30);
    const id = await createConversation(server.url, ws, { name: "F", email: "f@example.com" });
    await gqlOk(server.url, ASSIGN, { id, t: agent.id }, ws.token);
    await gqlOk(server.url, RESOLVE, { id }, ws.token);
    // Reassigned while it waits: the dispatch credits the new assignee.
    await gqlOk(server.url, ASSIGN, { id, t: admin2.id }, ws.token);
    expect((await server.running.app.prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: id } })).teammateId).toBeNull();
    clock.advance(31 * MINUTE);
    await server.running.workers.runOnce();
    const survey = await server.running.app.prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: id } });
    expect(survey).toMatchObject({ state: "DISPATCHED", teammateId: admin2.id });
    // Unassigned and resolved by no teammate: the scheduler credits no one.
    const nobody = await createConversation(server.url, ws, { name: "G", email: "g@example.com" });
    await gqlOk(server.url, RESOLVE, { id: nobody }, apiKey);
    clock.advance(31 * MINUTE);
    await server.running.workers.runOnce();
    expect(await server.running.app.prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: nobody } })).toMatchObject({ state: "DISPATCHED", teammateId: null });
    await enableCsat(server.url, ws.token, 0);
  });

  it("assignment: any member, only an active teammate of the workspace; unknown ids are not found", async () => {
    const id = await createConversation(server.url, ws, { name: "H" });
    expect(codes(await gql(server.url, ASSIGN, { id, t: other.adminId }, ws.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(server.url, ASSIGN, { id, t: "not-an-id" }, ws.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(server.url, ASSIGN, { id, t: agent.id }, other.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(server.url, ASSIGN, { id, t: agent.id }))).toEqual(["UNAUTHENTICATED"]);
    expect((await gqlOk(server.url, ASSIGN, { id, t: agent.id }, apiKey)).assignConversation.assignee.id).toBe(agent.id);
    // The same assignee again records nothing.
    await gqlOk(server.url, ASSIGN, { id, t: agent.id }, agent.token);
    expect(await server.running.app.prisma.conversationEvent.count({ where: { conversationId: id } })).toBe(1);
  });

  it("deactivation: no sign-in, sessions and a live socket end at once, history and credit stay under their name", async () => {
    const carla = await addTeammate("Carla", "AGENT");
    // Carla earns a survey, then has a live socket.
    const id = await createConversation(server.url, ws, { name: "I", email: "i@example.com" });
    await gqlOk(server.url, RESOLVE, { id }, carla.token);
    const assignedToCarla = await createConversation(server.url, ws, { name: "J" });
    await gqlOk(server.url, ASSIGN, { id: assignedToCarla, t: carla.id }, ws.token);
    const client = wsClient(server.wsUrl, { authorization: `Bearer ${carla.token}` });
    const sub = collect(client, `subscription { conversationChanged { conversationId change } }`);
    await until(async () => {
      if (sub.events.length > 0) return true;
      await createConversation(server.url, ws);
      await new Promise((r) => setTimeout(r, 100));
      return sub.events.length > 0;
    }, 10_000, "the subscription to be live");

    // An agent may not deactivate; an admin may not deactivate themselves.
    expect(codes(await gql(server.url, `mutation($id: ID!) { deactivateTeammate(id: $id) { id } }`, { id: carla.id }, agent.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(server.url, `mutation($id: ID!) { deactivateTeammate(id: $id) { id } }`, { id: ws.adminId }, ws.token))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await gql(server.url, `mutation($id: ID!) { deactivateTeammate(id: $id) { id } }`, { id: other.adminId }, ws.token))).toEqual(["NOT_FOUND"]);

    const t0 = Date.now();
    const done = await gqlOk(server.url, `mutation($id: ID!) { deactivateTeammate(id: $id) { id active } }`, { id: carla.id }, ws.token);
    expect(done.deactivateTeammate).toEqual({ id: carla.id, active: false });
    await until(() => client.closes.length > 0, 5000, "Carla's socket to close");
    expect(client.closes).toEqual([4403]);
    expect(Date.now() - t0).toBeLessThan(2000);
    // Her session no longer works, nor does signing in.
    expect(codes(await gql(server.url, `{ me { id } }`, {}, carla.token))).toEqual(["UNAUTHENTICATED"]);
    const again = await signIn(server.url, carla.email);
    expect(codes(again)).toEqual(["UNAUTHENTICATED"]);
    expect(again.errors![0]!.message).toMatch(/deactivated/);
    // Deactivating again changes nothing; she cannot be assigned; her assignment and credit stay.
    await gqlOk(server.url, `mutation($id: ID!) { deactivateTeammate(id: $id) { id } }`, { id: carla.id }, ws.token);
    expect(codes(await gql(server.url, ASSIGN, { id, t: carla.id }, ws.token))).toEqual(["BAD_USER_INPUT"]);
    const kept = await gqlOk(server.url, `query($a: ID!, $b: ID!) { a: conversation(id: $a) { csatSurvey { teammate { name active } } } b: conversation(id: $b) { assignee { name } } }`, { a: id, b: assignedToCarla }, ws.token);
    expect(kept).toEqual({ a: { csatSurvey: { teammate: { name: "Carla", active: false } } }, b: { assignee: { name: "Carla" } } });
    const { csatReport } = await gqlOk(server.url, REPORT, {}, ws.token);
    expect(csatReport.byTeammate.find((r: { id: string }) => r.id === carla.id)).toMatchObject({ label: "Carla", figures: { sent: 1 } });
    // Listed last, as inactive; the change is audited.
    const { teammates } = await gqlOk(server.url, `{ teammates { name active } }`, {}, ws.token);
    expect(teammates.at(-1)).toEqual({ name: "Carla", active: false });
    const audit = await gqlOk(server.url, `{ auditLog(first: 50) { action before after } }`, {}, ws.token);
    const entries = audit.auditLog.filter((e: { action: string }) => e.action === "Deactivated teammate");
    expect(entries).toHaveLength(1);
    expect([JSON.parse(entries[0].before).active, JSON.parse(entries[0].after).active]).toEqual([true, false]);
  });

  it("the last active admin cannot be deactivated", async () => {
    const solo = await createWorkspaceFixture(server.url, "Solo");
    const key = (await gqlOk(server.url, `mutation { createApiKey(name: "admin key") { key } }`, {}, solo.token)).createApiKey.key;
    const last = await gql(server.url, `mutation($id: ID!) { deactivateTeammate(id: $id) { id } }`, { id: solo.adminId }, key);
    expect(codes(last)).toEqual(["BAD_USER_INPUT"]);
    expect(last.errors![0]!.message).toMatch(/last active admin/);
    expect((await gqlOk(server.url, `{ me { id } }`, {}, solo.token)).me.id).toBe(solo.adminId);
  });
});
