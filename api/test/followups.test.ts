import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, codes, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createAnsweredSurvey } from "../testkit/answers.js";
import { createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const FOLLOW_UP = `id status note createdAt updatedAt owner { id name } survey { id score }
  changes { actor { id } actorName createdAt previousStatus status ownerChanged owner { id } noteChanged note }`;

describe.each(DB_KINDS)("follow-ups on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  let agentId: string;

  /** Dispatches a survey credited to `teammateId` and answers it with `score`; returns the survey's id. */
  const answer = async (fixture: WorkspaceFixture, score: number, teammateId: string | null = fixture.adminId): Promise<string> =>
    (await createAnsweredSurvey(server, fixture, { customer: { name: "Casey", email: "casey@example.com" }, score, teammateId })).surveyId;

  const followUpOf = async (surveyId: string) => {
    const row = await server.running.app.prisma.csatFollowUp.findUnique({ where: { surveyId } });
    if (!row) return null;
    const data = await gqlOk(server.url, `query($first: Int) { csatFollowUps(first: $first) { edges { node { ${FOLLOW_UP} } } } }`, { first: 100 }, ws.token);
    return data.csatFollowUps.edges.find((e: { node: { id: string } }) => e.node.id === row.id)?.node;
  };

  const update = (id: string, input: Record<string, unknown>, token = ws.token) =>
    gql(server.url, `mutation($id: ID!, $input: CsatFollowUpInput!) { updateCsatFollowUp(id: $id, input: $input) { ${FOLLOW_UP} } }`, { id, input }, token);

  const setThreshold = (followUpAtOrBelow: number) =>
    gqlOk(server.url, `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { followUpAtOrBelow } }`, { input: { followUpAtOrBelow } }, ws.token);

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Acme");
    other = await createWorkspaceFixture(server.url, "Other");
    await enableCsat(server.url, ws.token, 0);
    await enableCsat(server.url, other.token, 0);
    const agent = await server.running.app.prisma.teammate.create({
      data: { workspaceId: ws.workspaceId, email: `agent-${db}@acme.test`, name: "Agent Ann", role: "AGENT", passwordHash: "x" },
    });
    agentId = agent.id;
  }, 60_000);
  afterAll(() => server?.stop());

  it("an answer at or below followUpAtOrBelow opens one follow-up, owned by the credited teammate; higher ones and 0 (off) open none", async () => {
    const prisma = server.running.app.prisma;
    const one = await answer(ws, 1, agentId);
    const two = await answer(ws, 2);
    const three = await answer(ws, 3);
    const five = await answer(ws, 5);
    const nobody = await answer(ws, 1, null);
    expect(await followUpOf(one)).toMatchObject({ status: "OPEN", owner: { id: agentId, name: "Agent Ann" }, note: null, changes: [] });
    expect(await followUpOf(two)).toMatchObject({ status: "OPEN", owner: { id: ws.adminId } });
    expect(await followUpOf(nobody)).toMatchObject({ status: "OPEN", owner: null });
    expect(await followUpOf(three)).toBeNull();
    expect(await followUpOf(five)).toBeNull();
    await setThreshold(0);
    const off = await answer(ws, 1);
    expect(await followUpOf(off)).toBeNull();
    await setThreshold(3);
    const threeOpens = await answer(ws, 3);
    expect(await followUpOf(threeOpens)).toMatchObject({ status: "OPEN" });
    await setThreshold(2);
    // Exactly one row per low answer, and a second submit (refused) opens nothing more.
    const rows = await prisma.csatFollowUp.findMany({ where: { workspaceId: ws.workspaceId } });
    expect(rows.map((r) => r.surveyId).sort()).toEqual([one, two, nobody, threeOpens].sort());
    const email = await prisma.emailOutbox.findFirstOrThrow({ where: { surveyId: one } });
    const again = await gqlOk(server.url, `mutation($t: String!) { submitCsat(token: $t, score: 1) { outcome } }`, { t: tokenFromEmail(email.html) });
    expect(again.submitCsat.outcome).toBe("ALREADY_SUBMITTED");
    expect(await prisma.csatFollowUp.count({ where: { workspaceId: ws.workspaceId } })).toBe(4);
  }, 60_000);

  it("status, owner and note change with a history of who and when; bad input changes nothing", async () => {
    const surveyId = await answer(ws, 1);
    const id = (await followUpOf(surveyId)).id as string;
    const contacted = await update(id, { status: "CONTACTED", note: "  Called, left a voicemail  " });
    expect(contacted.errors).toBeUndefined();
    expect(contacted.data!.updateCsatFollowUp).toMatchObject({ status: "CONTACTED", note: "Called, left a voicemail" });
    const done = (await update(id, { status: "DONE", ownerId: agentId.toUpperCase() })).data!.updateCsatFollowUp;
    expect(done).toMatchObject({ status: "DONE", owner: { id: agentId } });
    const reopened = (await update(id, { status: "OPEN", note: "" })).data!.updateCsatFollowUp;
    expect(reopened).toMatchObject({ status: "OPEN", note: null, owner: { id: agentId } });
    // Nothing changed: no history row.
    const same = (await update(id, { status: "OPEN" })).data!.updateCsatFollowUp;
    expect(same.changes).toHaveLength(3);
    expect(same.changes).toEqual([
      expect.objectContaining({ actor: { id: ws.adminId }, actorName: "Acme Admin", previousStatus: "OPEN", status: "CONTACTED", ownerChanged: false, noteChanged: true, note: "Called, left a voicemail" }),
      expect.objectContaining({ previousStatus: "CONTACTED", status: "DONE", ownerChanged: true, owner: { id: agentId }, noteChanged: false }),
      expect.objectContaining({ previousStatus: "DONE", status: "OPEN", ownerChanged: false, noteChanged: true, note: null }),
    ]);
    const times = same.changes.map((c: { createdAt: string }) => Date.parse(c.createdAt));
    expect(times.every((t: number, i: number) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(Date.parse(same.updatedAt)).toBe(times[2]);

    // Owner: an active teammate of this workspace, nobody else.
    const prisma = server.running.app.prisma;
    const gone = await prisma.teammate.create({
      data: { workspaceId: ws.workspaceId, email: `gone-${db}@acme.test`, name: "Gone", role: "AGENT", passwordHash: "x", active: false },
    });
    for (const input of [
      { ownerId: other.adminId },
      { ownerId: gone.id },
      { ownerId: "someone" },
      { note: "x".repeat(2001) },
      { status: "CLOSED" },
      { status: "DONE", ownerId: other.adminId },
    ]) {
      const refused = await update(id, input);
      expect(codes(refused), JSON.stringify(input).slice(0, 60)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await followUpOf(surveyId)).toMatchObject({ status: "OPEN", owner: { id: agentId }, note: null });
    expect((await followUpOf(surveyId)).changes).toHaveLength(3);
    expect((await update(id, { note: "é".repeat(2000) })).errors).toBeUndefined();
    // null leaves it with no owner.
    expect((await update(id, { ownerId: null })).data!.updateCsatFollowUp.owner).toBeNull();
    // Another workspace's member, a missing id, no credentials.
    expect(codes(await update(id, { status: "DONE" }, other.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await update("00000000-0000-4000-8000-000000000000", { status: "DONE" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(server.url, `mutation($id: ID!) { updateCsatFollowUp(id: $id, input: { status: DONE }) { id } }`, { id }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("csatFollowUps lists by status and owner, newest first, paged, with totalCount", async () => {
    const LIST = `query($status: CsatFollowUpStatus, $ownerId: ID, $first: Int, $after: String) {
      csatFollowUps(status: $status, ownerId: $ownerId, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status owner { id } createdAt survey { id } } } } }`;
    const prisma = server.running.app.prisma;
    const rows = await prisma.csatFollowUp.findMany({ where: { workspaceId: ws.workspaceId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: Record<string, any> = (await gqlOk(server.url, LIST, { first: 2, after }, ws.token)).csatFollowUps;
      expect(page.totalCount).toBe(rows.length);
      walked.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(walked).toEqual(rows.map((r) => r.id));
    const open = (await gqlOk(server.url, LIST, { status: "OPEN" }, ws.token)).csatFollowUps;
    expect(open.totalCount).toBe(rows.filter((r) => r.status === "OPEN").length);
    expect(open.edges.every((e: { node: { status: string } }) => e.node.status === "OPEN")).toBe(true);
    const mine = (await gqlOk(server.url, LIST, { ownerId: agentId }, ws.token)).csatFollowUps;
    expect(mine.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(rows.filter((r) => r.ownerId === agentId).map((r) => r.id));
    const unowned = (await gqlOk(server.url, LIST, { ownerId: "none" }, ws.token)).csatFollowUps;
    expect(unowned.totalCount).toBe(rows.filter((r) => r.ownerId === null).length);
    expect((await gqlOk(server.url, LIST, { status: "OPEN", first: 0 }, ws.token)).csatFollowUps.edges).toEqual([]);
    expect((await gqlOk(server.url, LIST, {}, other.token)).csatFollowUps.totalCount).toBe(0);
    expect(codes(await gql(server.url, LIST, { ownerId: "me" }, ws.token))).toEqual(["BAD_USER_INPUT"]);
  });

  it("follow-ups opened and changed reach the workspace's teammates over graphql-ws, and no one else", async () => {
    const mine = wsClient(server.wsUrl, { authorization: `Bearer ${ws.token}` });
    const theirs = wsClient(server.wsUrl, { authorization: `Bearer ${other.token}` });
    const q = `subscription { csatFollowUpChanged { id status note owner { id } survey { id score } } }`;
    const heard = collect(mine, q);
    const overheard = collect(theirs, q);
    try {
      // Subscriptions start asynchronously: low answers until each socket hears its own workspace's.
      await until(async () => heard.events.length > 0 || (await answer(ws, 1), false), 10_000, "my subscription");
      await until(async () => overheard.events.length > 0 || (await answer(other, 1), false), 10_000, "their subscription");
      await new Promise((r) => setTimeout(r, 300));
      const [mineBefore, theirsBefore] = [heard.events.length, overheard.events.length];
      const surveyId = await answer(ws, 1);
      await until(() => heard.events.length > mineBefore, 5000, "the opened follow-up");
      const opened = heard.events[mineBefore]!.data!.csatFollowUpChanged;
      expect(opened).toMatchObject({ status: "OPEN", survey: { id: surveyId, score: 1 }, owner: { id: ws.adminId } });
      await update(opened.id, { status: "CONTACTED", note: "On it" });
      await until(() => heard.events.length > mineBefore + 1, 5000, "the change");
      expect(heard.events[mineBefore + 1]!.data!.csatFollowUpChanged).toMatchObject({ id: opened.id, status: "CONTACTED", note: "On it" });
      await new Promise((r) => setTimeout(r, 300));
      expect(heard.events).toHaveLength(mineBefore + 2);
      // The other workspace heard only its own.
      expect(overheard.events).toHaveLength(theirsBefore);
      const theirIds = new Set((await server.running.app.prisma.csatFollowUp.findMany({ where: { workspaceId: other.workspaceId } })).map((f) => f.id));
      expect(overheard.events.every((e) => theirIds.has(e.data!.csatFollowUpChanged.id))).toBe(true);
    } finally {
      heard.dispose();
      overheard.dispose();
      await mine.dispose();
      await theirs.dispose();
    }
    // A visitor's socket may not follow them.
    const anonymous = wsClient(server.wsUrl);
    const refused = collect(anonymous, q);
    await until(() => refused.error !== undefined || refused.events.length > 0 || anonymous.closes.length > 0, 5000, "the refusal");
    const errors = refused.events[0]?.errors as { extensions?: { code?: string } }[] | undefined;
    expect(errors?.[0]?.extensions?.code ?? (refused.error as { extensions?: { code?: string } }[])?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    await anonymous.dispose();
  });

  it("MCP update_csat_follow_up changes it as the API key, recorded in its history", async () => {
    const key = (await gqlOk(server.url, `mutation { createApiKey(name: "agent bot") { key } }`, {}, ws.token)).createApiKey.key as string;
    const surveyId = await answer(ws, 2);
    const id = (await followUpOf(surveyId)).id as string;
    const mcp = new McpClient({ name: "followups-test", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    try {
      const result = await mcp.callTool({ name: "update_csat_follow_up", arguments: { follow_up_id: id.toUpperCase(), status: "DONE", owner_id: agentId, note: "Refunded" } });
      expect(result.isError).toBeFalsy();
      expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toMatchObject({ id, status: "DONE", owner: { id: agentId, name: "Agent Ann" }, note: "Refunded" });
      const bad = await mcp.callTool({ name: "update_csat_follow_up", arguments: { follow_up_id: id, owner_id: other.adminId } });
      expect(bad.isError).toBe(true);
      expect((bad.content as { text: string }[])[0]!.text).toMatch(/^BAD_USER_INPUT/);
      const missing = await mcp.callTool({ name: "update_csat_follow_up", arguments: { follow_up_id: "nope", status: "DONE" } });
      expect((missing.content as { text: string }[])[0]!.text).toMatch(/^NOT_FOUND/);
    } finally {
      await mcp.close();
    }
    const followUp = await followUpOf(surveyId);
    expect(followUp).toMatchObject({ status: "DONE", note: "Refunded", owner: { id: agentId } });
    expect(followUp.changes).toEqual([expect.objectContaining({ actor: null, actorName: "agent bot", previousStatus: "OPEN", status: "DONE", ownerChanged: true, noteChanged: true })]);
  });
});
