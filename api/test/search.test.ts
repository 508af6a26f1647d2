import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk } from "../testkit/client.js";
import { seedConversations } from "../testkit/conversations.js";
import { SEARCH_WALK_CANDIDATES } from "../src/db/searchWalk.js";
import { statementsOf } from "../testkit/statements.js";
import { createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const SEARCH = `query($filter: ConversationFilter, $first: Int, $after: String) {
  searchConversations(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status updatedAt customer { name } } }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { id: string; status: string; updatedAt: string; customer: { name: string } } }[];
}

const HOUR = 60 * 60_000;

describe.each(DB_KINDS)("searchConversations on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;
  /** The seeded conversations' ids, by their number (1 = most recently updated). */
  const ids = new Map<number, string>();

  const search = async (variables: Record<string, unknown>, token = ws.token) =>
    (await gqlOk<{ searchConversations: Page }>(server.url, SEARCH, variables, token)).searchConversations;

  /** Every page of a filter's walk, `first` at a time; between pages, `between(pageNumber)` runs. */
  async function walk(filter: Record<string, unknown> | null, first: number, between?: (page: number) => Promise<void>) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let n = 0; ; n++) {
      const page: Page = await search({ filter, first, after });
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) return seen;
      after = page.pageInfo.endCursor;
      await between?.(n);
    }
  }

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Acme");
    other = await createWorkspaceFixture(server.url, "Other");
    const newest = new Date(Date.now() - HOUR);
    await seedConversations(server.running.app.sql, { workspaceId: ws.workspaceId, channelId: ws.channelId, botId: ws.botId, count: 1000, newest });
    // Another workspace with the same names and words: none of it may ever show.
    await seedConversations(server.running.app.sql, { workspaceId: other.workspaceId, channelId: other.channelId, botId: other.botId, count: 50, newest });
    const rows = await server.running.app.prisma.conversation.findMany({
      where: { workspaceId: ws.workspaceId },
      select: { id: true, customer: { select: { name: true } } },
    });
    for (const r of rows) ids.set(Number(r.customer.name.replace("Customer ", "")), r.id);
    expect(ids.size).toBe(1000);
  }, 120_000);
  afterAll(() => server?.stop());

  it("pages most recently updated first, with the total", async () => {
    const first = await search({ first: 3 });
    expect(first.totalCount).toBe(1000);
    expect(first.edges.map((e) => e.node.id)).toEqual([ids.get(1), ids.get(2), ids.get(3)]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await search({ first: 3, after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node.id)).toEqual([ids.get(4), ids.get(5), ids.get(6)]);
    // Each edge's cursor continues after that edge.
    const fromSecond = await search({ first: 1, after: first.edges[1]!.cursor });
    expect(fromSecond.edges.map((e) => e.node.id)).toEqual([ids.get(3)]);
    const none = await search({ first: 0 });
    expect(none).toMatchObject({ edges: [], totalCount: 1000, pageInfo: { endCursor: null } });
  });

  it("walks 1,000 conversations exactly once each while 100 of them are updated and more are started", async () => {
    const before = await server.running.app.prisma.conversationOrderChange.count();
    // 100 distinct conversations spread over the whole list, updated as the walk goes: some
    // already given (they move up, where the walk has been), most still ahead (they move up, past
    // the walk's position): either way a cursor on updated_at alone would give them twice or never.
    const order = [...ids.keys()].sort(() => Math.random() - 0.5).slice(0, 100).map((n) => ids.get(n)!);
    const updates: Promise<unknown>[] = [];
    const started: string[] = [];
    const seen = await walk(null, 40, async (page) => {
      // Four updates awaited between pages and four more in flight while the next page is read.
      const batch = order.splice(0, 8);
      const send = (id: string) =>
        gqlOk(server.url, `mutation($id: ID!) { sendMessage(conversationId: $id, body: "Any news?") { id } }`, { id }, ws.token);
      await Promise.all(batch.slice(0, 4).map(send));
      updates.push(...batch.slice(4).map(send));
      if (page % 5 === 0) {
        const created = await gqlOk(
          server.url,
          `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
          { input: { channelId: ws.channelId, customer: { name: `Newcomer ${page}` }, firstMessage: "Hi" } },
          ws.token,
        );
        started.push(created.createConversation.id);
      }
    });
    await Promise.all(updates);
    expect(order).toEqual([]);
    // The updates did move them: the order kept for the walk has a row for each of the 100.
    expect((await server.running.app.prisma.conversationOrderChange.count()) - before).toBeGreaterThanOrEqual(100);
    expect(seen.length).toBe(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(new Set(seen)).toEqual(new Set(ids.values()));
    // A new walk has the newcomers and the updated ones on top.
    const top = await search({ first: 200 });
    expect(top.totalCount).toBe(1000 + started.length);
    for (const id of started) expect(top.edges.some((e) => e.node.id === id)).toBe(true);
    const all = await walk(null, 100);
    expect(new Set(all).size).toBe(1000 + started.length);
    for (const id of started) {
      await server.running.app.prisma.conversation.delete({ where: { id } });
    }
  }, 300_000);

  it("filters by status, channel, bot, assignee, label and survey state, each with its total", async () => {
    const prisma = server.running.app.prisma;
    const [a, b, c, d, e] = [11, 12, 13, 14, 15].map((n) => ids.get(n)!);
    await prisma.conversation.update({ where: { id: a }, data: { assigneeId: ws.adminId, labels: ["vip", "billing"] } });
    await prisma.conversation.update({ where: { id: b }, data: { assigneeId: ws.adminId } });
    await prisma.conversation.update({ where: { id: c }, data: { botId: null, labels: ["vip"] } });
    const channel = await gqlOk(server.url, `mutation { createChannel(name: "Email", kind: EMAIL) { id } }`, {}, ws.token);
    const emailChannel = channel.createChannel.id as string;
    await prisma.conversation.update({ where: { id: d }, data: { channelId: emailChannel } });
    await enableCsat(server.url, ws.token, 60);
    for (const id of [d, e]) {
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    }

    const idsOf = async (filter: Record<string, unknown>) => {
      const page = await search({ filter, first: 100 });
      expect(page.edges.length).toBe(page.totalCount);
      return new Set(page.edges.map((x) => x.node.id));
    };
    expect(await idsOf({ status: "RESOLVED" })).toEqual(new Set([d, e]));
    expect((await search({ filter: { status: "OPEN" }, first: 0 })).totalCount).toBe(998);
    expect(await idsOf({ channelId: emailChannel })).toEqual(new Set([d]));
    expect(await idsOf({ botId: "none" })).toEqual(new Set([c]));
    expect((await search({ filter: { botId: ws.botId }, first: 0 })).totalCount).toBe(999);
    expect(await idsOf({ assigneeId: ws.adminId })).toEqual(new Set([a, b]));
    expect((await search({ filter: { assigneeId: "none" }, first: 0 })).totalCount).toBe(998);
    expect(await idsOf({ label: "VIP" })).toEqual(new Set([a, c]));
    expect(await idsOf({ label: "vip", assigneeId: ws.adminId })).toEqual(new Set([a]));
    expect(await idsOf({ surveyState: "SCHEDULED" })).toEqual(new Set([d, e]));
    expect(await idsOf({ surveyState: "SCHEDULED", channelId: ws.channelId })).toEqual(new Set([e]));
    expect(await idsOf({ surveyState: "SUBMITTED" })).toEqual(new Set());
    // The newest first within a filter too: e was resolved after d.
    expect((await search({ filter: { status: "RESOLVED" }, first: 2 })).edges.map((x) => x.node.id)).toEqual([e, d]);
  });

  it("searches the customer's name and email and every message, by words' starts", async () => {
    const target = ids.get(500)!;
    await gqlOk(
      server.url,
      `mutation($id: ID!) { sendMessage(conversationId: $id, body: "The Zebracorn widget broke again!") { id } }`,
      { id: target },
      ws.token,
    );
    // The other workspace says the same word: it must not show.
    await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: other.channelId, customer: { name: "Zebracorn Fan" }, firstMessage: "zebracorn" } },
      other.token,
    );
    const found = async (text: string) => {
      const page = await search({ filter: { search: text }, first: 100 });
      expect(page.edges.length).toBe(page.totalCount);
      return page.edges.map((e) => e.node.id);
    };
    expect(await found("zebracorn")).toEqual([target]);
    expect(await found("ZEBRA")).toEqual([target]);
    expect(await found("zebracorn widget")).toEqual([target]);
    expect(await found("zebracorn nothing")).toEqual([]);
    // A word of the seeded first message, and of the customer's name and email.
    expect(await found("question 777")).toEqual([ids.get(777)]);
    expect(await found("Customer 42")).toEqual(expect.arrayContaining([ids.get(42)]));
    expect(await found("customer-42@example.test")).toContain(ids.get(42));
    expect((await search({ filter: { search: "refund" }, first: 0 })).totalCount).toBe(200);
    expect((await search({ filter: { search: "refund", botId: "none" }, first: 0 })).totalCount).toBe(0);
    // Punctuation alone searches nothing out: the filter is as if not given.
    expect((await search({ filter: { search: "&|!:*" }, first: 0 })).totalCount).toBeGreaterThanOrEqual(1000);
    // The other workspace finds its own, and never ours.
    const theirs = await search({ filter: { search: "zebracorn" }, first: 100 }, other.token);
    expect(theirs.edges.map((e) => e.node.customer.name)).toEqual(["Zebracorn Fan"]);
  });

  it("a common word is found down the list, a rare one from its matches, with the same answer either way", async () => {
    // A workspace of its own, longer than a search walks before it turns to the matches.
    const big = await createWorkspaceFixture(server.url, "Busy");
    const count = SEARCH_WALK_CANDIDATES + 100;
    await seedConversations(server.running.app.sql, { workspaceId: big.workspaceId, channelId: big.channelId, botId: big.botId, count, newest: new Date(Date.now() - HOUR) });
    const walkAll = async (filter: Record<string, unknown> | null) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Page = await search({ filter, first: 100, after }, big.token);
        seen.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) return { seen, total: page.totalCount };
        after = page.pageInfo.endCursor;
      }
    };
    const everything = (await walkAll(null)).seen;
    expect(everything).toHaveLength(count);
    const topicOf = new Map(
      (await server.running.app.prisma.message.findMany({ where: { workspaceId: big.workspaceId }, select: { conversationId: true, body: true } })).map((m) => [
        m.conversationId,
        m.body.split(" ").at(-1),
      ]),
    );
    // Every seeded message says "Question i about <topic>": "question" is in all, "refund" in one of five.
    expect(await walkAll({ search: "question" })).toEqual({ seen: everything, total: count });
    const refunds = everything.filter((id) => topicOf.get(id) === "refund");
    expect(refunds).toHaveLength(count / 5);
    expect(await walkAll({ search: "refund" })).toEqual({ seen: refunds, total: count / 5 });
    expect(await walkAll({ search: "refund", status: "OPEN" })).toEqual({ seen: refunds, total: count / 5 });
    // A rare word, in a message and in a customer's name, past the walk's reach (the list's end).
    const last = everything.at(-1)!;
    const lastNumber = count; // the oldest conversation is the seed's last
    expect((await walkAll({ search: `question ${lastNumber}` })).seen).toEqual([last]);
    expect((await walkAll({ search: `customer ${lastNumber}` })).seen).toContain(last);
    if (db === "postgres") {
      // How each was found: one placement for the common word (its page within the walk), two for
      // the rare one (the walk, then its matches).
      const placements = async (text: string) =>
        (await statementsOf(() => search({ filter: { search: text }, first: 50 }, big.token))).filter((sql) => sql.includes("pg_visible_in_snapshot(c.order_xid")).length;
      expect(await placements("refund")).toBe(1);
      // A rare word's first search walks, then reads its matches; it is remembered for a while, so
      // its next search (a live refresh, the next page) goes straight to them.
      const rareWord = `question ${SEARCH_WALK_CANDIDATES + 33}`;
      expect(await placements(rareWord)).toBe(2);
      expect(await placements(rareWord)).toBe(1);
      expect(await placements(`question ${lastNumber}`)).toBe(1);
      // The same words under another filter are another search.
      expect((await statementsOf(() => search({ filter: { search: rareWord, status: "OPEN" }, first: 50 }, big.token))).filter((sql) => sql.includes("pg_visible_in_snapshot(c.order_xid")).length).toBe(2);
      // Found, but too seldom for a page among the first rows walked (7, 70–79): walked again
      // further, to the list's end, which settles it without the matches.
      expect(await placements("question 7")).toBe(2);
    }
    const sevens = everything.filter((_, i) => /^7\d*$/.test(String(i + 1)));
    expect(sevens.length).toBeGreaterThanOrEqual(11);
    expect((await walkAll({ search: "question 7" })).seen).toEqual(sevens);
  }, 120_000);

  it("keeps each workspace to its own conversations", async () => {
    const theirs = await search({ first: 100 }, other.token);
    expect(theirs.totalCount).toBe(51);
    const ours = new Set(ids.values());
    expect(theirs.edges.some((e) => ours.has(e.node.id))).toBe(false);
    // Our cursor in their hands pages their list, not ours.
    const page = await search({ first: 1 });
    const crossed = await search({ first: 100, after: page.pageInfo.endCursor }, other.token);
    expect(crossed.edges.some((e) => ours.has(e.node.id))).toBe(false);
    const anonymous = await gql(server.url, SEARCH, { first: 1 });
    expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses a bad cursor or filter with BAD_USER_INPUT", async () => {
    const bad = async (variables: Record<string, unknown>) => codes(await gql(server.url, SEARCH, variables, ws.token));
    expect(await bad({ after: "nonsense" })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ after: Buffer.from(JSON.stringify({ s: "5:1:", t: Date.now(), u: 0, i: ids.get(1) })).toString("base64url") })).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(await bad({ after: Buffer.from(JSON.stringify({ s: "1:9:", t: Date.now(), u: 0, i: "x" })).toString("base64url") })).toEqual([
      "BAD_USER_INPUT",
    ]);
    const stale = Buffer.from(JSON.stringify({ s: "1:9:", t: Date.now() - 25 * HOUR, u: 0, i: ids.get(1) })).toString("base64url");
    expect(await bad({ after: stale })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ filter: { botId: "not-an-id" } })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ filter: { label: "" } })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ filter: { search: "x".repeat(201) } })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ first: -1 })).toEqual(["BAD_USER_INPUT"]);
  });
});
