import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk } from "../testkit/client.js";
import { createAnsweredSurvey } from "../testkit/answers.js";
import { createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";
import { statementsOf } from "../testkit/statements.js";

const DAY = 86_400_000;

const RESPONSES = `query($filter: CsatResponseFilter, $first: Int, $after: String) {
  csatResponses(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id score comment answeredAt conversation { id customer { name } } } }
  }
}`;

interface Answer {
  surveyId: string;
  conversationId: string;
}

describe.each(DB_KINDS)("the answers explorer on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  let bot2: string;
  let channel2: string;
  const all: Answer[] = [];
  const named: Record<string, Answer> = {};

  const answer = (
    fixture: WorkspaceFixture,
    customer: { name: string; email: string },
    score: number,
    comment: string | null,
    where: { botId?: string | null; channelId?: string } = {},
  ): Promise<Answer> => createAnsweredSurvey(server, where.channelId ? { ...fixture, channelId: where.channelId } : fixture, { customer, score, comment, ...(where.botId !== undefined ? { botId: where.botId } : {}) });

  async function ids(filter: Record<string, unknown>, token = ws.token): Promise<string[]> {
    const data = await gqlOk(server.url, RESPONSES, { filter, first: 100 }, token);
    const edges = data.csatResponses.edges as { node: { id: string } }[];
    expect(data.csatResponses.totalCount).toBe(edges.length);
    return edges.map((e) => e.node.id);
  }

  const idsOf = (...names: string[]) => names.map((n) => named[n]!.surveyId).sort();

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Acme");
    other = await createWorkspaceFixture(server.url, "Other");
    await enableCsat(server.url, ws.token, 0);
    await enableCsat(server.url, other.token, 0);
    bot2 = (await gqlOk(server.url, `mutation { createBot(name: "Bob") { id } }`, {}, ws.token)).createBot.id;
    channel2 = (await gqlOk(server.url, `mutation { createChannel(name: "Mail", kind: EMAIL) { id } }`, {}, ws.token)).createChannel.id;
    const plan: [string, { name: string; email: string }, number, string | null, { botId?: string | null; channelId?: string }][] = [
      ["late", { name: "Casey Jones", email: "casey@example.com" }, 1, "The refund came very late", {}],
      ["rude", { name: "Dana Scully", email: "dana.scully@fbi.test" }, 2, "Agent was rude", { botId: bot2 }],
      ["fine", { name: "Eli Manning", email: "eli@giants.test" }, 3, null, { channelId: channel2 }],
      ["great", { name: "Fay Wray", email: "fay@kong.test" }, 5, "Great and fast, thanks!", { botId: null }],
      ["good", { name: "Gus Fring", email: "gus@pollos.test" }, 4, "", {}],
    ];
    for (const [name, customer, score, comment, where] of plan) {
      named[name] = await answer(ws, customer, score, comment, where);
      all.push(named[name]!);
    }
    // Credit and reason are filled at dispatch and answer by other parts; set here directly.
    const prisma = server.running.app.prisma;
    await prisma.csatSurvey.update({ where: { id: named.late!.surveyId }, data: { teammateId: ws.adminId, reason: "Too slow" } });
    await prisma.csatSurvey.update({ where: { id: named.rude!.surveyId }, data: { teammateId: ws.adminId, reason: "Unfriendly" } });
    // The admin resolved every one, so each was credited to them at dispatch; these three to no one.
    await prisma.csatSurvey.updateMany({ where: { id: { in: [named.fine!.surveyId, named.great!.surveyId, named.good!.surveyId] } }, data: { teammateId: null } });
    // One answer dispatched 10 days ago (its answer time is kept).
    await prisma.csatSurvey.update({ where: { id: named.good!.surveyId }, data: { dispatchedAt: new Date(Date.now() - 10 * DAY) } });
    // Another workspace's answer with the same words never shows.
    named.foreign = await answer(other, { name: "Casey Other", email: "casey@other.test" }, 1, "The refund came very late");
  }, 120_000);
  afterAll(() => server?.stop());

  it("lists answered surveys only, newest answer first, with their conversation", async () => {
    // An unanswered survey of the workspace is not an answer.
    const created = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: ws.channelId, customer: { name: "Quiet", email: "quiet@example.com" } } },
      ws.token,
    );
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: created.createConversation.id }, ws.token);
    const data = await gqlOk(server.url, RESPONSES, {}, ws.token);
    const nodes = data.csatResponses.edges.map((e: { node: Record<string, any> }) => e.node);
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(all.map((a) => a.surveyId).reverse());
    expect(data.csatResponses.totalCount).toBe(5);
    expect(nodes[4]).toMatchObject({ score: 1, comment: "The refund came very late", conversation: { id: named.late!.conversationId, customer: { name: "Casey Jones" } } });
    const times = nodes.map((n: { answeredAt: string }) => Date.parse(n.answeredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("filters by bot, channel and teammate, each with none for unattributed", async () => {
    expect((await ids({ botId: bot2 })).sort()).toEqual(idsOf("rude"));
    expect((await ids({ botId: "none" })).sort()).toEqual(idsOf("great"));
    expect((await ids({ botId: ws.botId })).sort()).toEqual(idsOf("late", "fine", "good"));
    expect((await ids({ channelId: channel2 })).sort()).toEqual(idsOf("fine"));
    expect((await ids({ channelId: ws.channelId })).sort()).toEqual(idsOf("late", "rude", "great", "good"));
    expect((await ids({ channelId: "none" })).sort()).toEqual([]);
    expect((await ids({ teammateId: ws.adminId.toUpperCase() })).sort()).toEqual(idsOf("late", "rude"));
    expect((await ids({ teammateId: "none" })).sort()).toEqual(idsOf("fine", "great", "good"));
    // Another workspace's bot filters to nothing here.
    expect(await ids({ botId: other.botId })).toEqual([]);
  });

  it("filters by scores, comment, reason and dispatch range", async () => {
    expect((await ids({ scores: [1, 2] })).sort()).toEqual(idsOf("late", "rude"));
    expect((await ids({ scores: [5, 3] })).sort()).toEqual(idsOf("fine", "great"));
    expect((await ids({ hasComment: true })).sort()).toEqual(idsOf("late", "rude", "great"));
    expect((await ids({ hasComment: false })).sort()).toEqual(idsOf("fine", "good"));
    expect((await ids({ reason: "Too slow" })).sort()).toEqual(idsOf("late"));
    expect((await ids({ range: "LAST_7_DAYS" })).sort()).toEqual(idsOf("late", "rude", "fine", "great"));
    const from = new Date(Date.now() - 11 * DAY).toISOString();
    const to = new Date(Date.now() - 9 * DAY).toISOString();
    expect(await ids({ range: "CUSTOM", from, to })).toEqual(idsOf("good"));
    expect((await ids({ range: "ALL_TIME", scores: [1, 2, 3, 4, 5], hasComment: true, botId: ws.botId })).sort()).toEqual(idsOf("late"));
  });

  it("searches words in the comment and the customer's name and email, as prefixes, all words at once", async () => {
    expect(await ids({ search: "refund" })).toEqual(idsOf("late"));
    expect(await ids({ search: "REFU" })).toEqual(idsOf("late"));
    expect(await ids({ search: "late refund" })).toEqual(idsOf("late"));
    expect(await ids({ search: "refund rude" })).toEqual([]);
    expect(await ids({ search: "scully" })).toEqual(idsOf("rude"));
    expect(await ids({ search: "fbi" })).toEqual(idsOf("rude"));
    expect(await ids({ search: "dana.scully@fbi.test" })).toEqual(idsOf("rude"));
    expect((await ids({ search: "thanks" })).sort()).toEqual(idsOf("great"));
    expect((await ids({ search: "test" })).sort()).toEqual(idsOf("rude", "fine", "great", "good"));
    expect((await ids({ search: "casey", scores: [1] })).sort()).toEqual(idsOf("late"));
    expect(await ids({ search: "nothing-like-this" })).toEqual([]);
    // Punctuation alone is no search at all.
    expect((await ids({ search: " '&|!:* " })).length).toBe(5);
  });

  it("a search gives the same answers a page at a time (found down the list) as all at once (from its matches)", async () => {
    // A page of one fills within the first answers walked; a page of a hundred does not, and is
    // found from the search's matches.
    const oneByOne = async (filter: Record<string, unknown>) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = (await gqlOk(server.url, RESPONSES, { filter, first: 1, after }, ws.token)).csatResponses as {
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          edges: { node: { id: string } }[];
        };
        seen.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) return seen;
        after = page.pageInfo.endCursor;
      }
    };
    for (const filter of [{ search: "refund" }, { search: "test" }, { search: "scully" }, { search: "casey", scores: [1] }, { search: "thanks" }, { search: "nothing-like-this" }]) {
      const all = (await gqlOk(server.url, RESPONSES, { filter, first: 100 }, ws.token)).csatResponses.edges.map((e: { node: { id: string } }) => e.node.id);
      expect(await oneByOne(filter), JSON.stringify(filter)).toEqual(all);
    }
    expect(await oneByOne({ search: "test" })).toHaveLength(4);
  });

  it("refuses bad input and strangers", async () => {
    for (const filter of [{ scores: [6] }, { botId: "bot-1" }, { teammateId: "nobody" }, { range: "LAST_7_DAYS", from: new Date().toISOString() }, { range: "CUSTOM" }]) {
      expect(codes(await gql(server.url, RESPONSES, { filter }, ws.token)), JSON.stringify(filter)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(codes(await gql(server.url, RESPONSES, { after: "not a cursor" }, ws.token))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await gql(server.url, RESPONSES, { first: -1 }, ws.token))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await gql(server.url, RESPONSES, {}))).toEqual(["UNAUTHENTICATED"]);
    expect(await ids({}, other.token)).toEqual([named.foreign!.surveyId]);
  });

  it("pages through every answer exactly once while new answers arrive", async () => {
    for (let i = 0; i < 12; i++) all.push(await answer(ws, { name: `Walker ${i}`, email: `walker${i}@example.com` }, (i % 5) + 1, `walk ${i}`));
    // Answers in the same millisecond are ordered by id: give three of them one answer time.
    const prisma = server.running.app.prisma;
    const tied = all.slice(-3).map((a) => a.surveyId);
    await prisma.csatSurvey.updateMany({ where: { id: { in: tied } }, data: { answeredAt: new Date() } });
    const before = all.map((a) => a.surveyId);
    const seen: string[] = [];
    const inserted: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const data: Record<string, any> = await gqlOk(server.url, RESPONSES, { first: 3, after }, ws.token);
      const page = data.csatResponses;
      expect(page.totalCount).toBe(before.length + inserted.length);
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
      // A new answer lands between pages (and one during the request, below).
      if (pages % 2 === 1) inserted.push((await answer(ws, { name: `Late ${pages}`, email: `late${pages}@example.com` }, 2, "meanwhile")).surveyId);
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => before.includes(id)).sort()).toEqual([...before].sort());
    expect(pages).toBeGreaterThanOrEqual(6);
    // Racing the requests themselves: still no answer twice.
    const racing = Promise.all([0, 1, 2].map((i) => answer(ws, { name: `Racer ${i}`, email: `racer${i}@example.com` }, 5, null)));
    const walked: string[] = [];
    after = null;
    do {
      const data: Record<string, any> = await gqlOk(server.url, RESPONSES, { first: 4, after }, ws.token);
      walked.push(...data.csatResponses.edges.map((e: { node: { id: string } }) => e.node.id));
      after = data.csatResponses.pageInfo.hasNextPage ? data.csatResponses.pageInfo.endCursor : null;
    } while (after);
    await racing;
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked.filter((id) => before.includes(id) || inserted.includes(id)).sort()).toEqual([...before, ...inserted].sort());
  }, 120_000);

  it.runIf(db === "postgres")("a page is three statements (authenticate aside) however long it is: the page, its surveys with what they show, the count", async () => {
    const FULL = `query($first: Int) { csatResponses(first: $first) { totalCount edges { node { id score
      conversation { id customer { name email } bot { name } channel { name } } followUp { id status owner { name } } } } } }`;
    const counts: number[] = [];
    for (const first of [2, 20]) {
      const sql = await statementsOf(() => gqlOk(server.url, FULL, { first }, ws.token));
      counts.push(sql.filter((s) => !/FROM "?session"?|api_key/i.test(s)).length);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBeLessThanOrEqual(3);
  });

  it("MCP list_csat_responses takes the same filters", async () => {
    const key = (await gqlOk(server.url, `mutation { createApiKey(name: "agent") { key } }`, {}, ws.token)).createApiKey.key as string;
    const mcp = new McpClient({ name: "responses-test", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    try {
      const tools = (await mcp.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(["list_csat_responses", "update_csat_follow_up"]));
      const result = await mcp.callTool({ name: "list_csat_responses", arguments: { search: "scully", scores: [2], bot_id: bot2 } });
      const body = JSON.parse((result.content as { text: string }[])[0]!.text);
      expect(body).toMatchObject({
        total_count: 1,
        has_next_page: false,
        answers: [{ survey_id: named.rude!.surveyId, score: 2, comment: "Agent was rude", bot: "Bob", teammate: "Acme Admin", reason: "Unfriendly", customer: { name: "Dana Scully" } }],
      });
      expect(body.answers[0].follow_up).toMatchObject({ status: "OPEN" });
      const none = await mcp.callTool({ name: "list_csat_responses", arguments: { bot_id: "none", first: 1 } });
      expect(JSON.parse((none.content as { text: string }[])[0]!.text).answers.map((a: { survey_id: string }) => a.survey_id)).toEqual([named.great!.surveyId]);
      const bad = await mcp.callTool({ name: "list_csat_responses", arguments: { scores: [9] } });
      expect(bad.isError).toBe(true);
      expect((bad.content as { text: string }[])[0]!.text).toMatch(/^BAD_USER_INPUT/);
    } finally {
      await mcp.close();
    }
  });
});
