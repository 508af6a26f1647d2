import { randomBytes } from "node:crypto";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Client } from "graphql-ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { hashPassword } from "../src/tokens.js";
import { check, saveChecks } from "./hardening/checks.js";
import { collect, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

// The CSAT report over GraphQL, MCP and CSV, with figures computed by hand, its live feed, and the
// daily tallies checked against a from-scratch count after a random history.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const UNATTRIBUTED = "— Unattributed —";
/** A Monday afternoon, so no range edge falls on a UTC midnight. */
const NOW = new Date("2026-06-15T15:30:00.000Z");

const FIGURES = `averageRating responseRate satisfiedRate sent submitted ratingDistribution { score count }`;
const ROWS = `id label figures { ${FIGURES} }`;
const PERIOD = `from to totals { ${FIGURES} } byBot { ${ROWS} } byChannel { ${ROWS} }`;
const REPORT = `query($range: CsatRange!, $from: DateTime, $to: DateTime) {
  csatReport(range: $range, from: $from, to: $to) {
    range ${PERIOD}
    previous { ${PERIOD} }
    recentComments { score comment answeredAt bot { name } channel { name } }
  }
}`;

/** Figures as the API shows them; `d` is the count of answers per score, 1 to 5. */
const fig = (
  sent: number,
  submitted: number,
  averageRating: number | null,
  responseRate: number | null,
  satisfiedRate: number | null,
  d: [number, number, number, number, number],
) => ({
  averageRating,
  responseRate,
  satisfiedRate,
  sent,
  submitted,
  ratingDistribution: d.map((count, i) => ({ score: i + 1, count })),
});
const NOTHING = fig(0, 0, null, null, null, [0, 0, 0, 0, 0]);


interface Harness {
  server: TestServer;
  clock: ReturnType<typeof createManualClock>;
}

/** Dispatches a survey at `when` (resolve with delay 0) and answers it 10 minutes later if `score` is given. */
async function survey(
  { server, clock }: Harness,
  ws: WorkspaceFixture,
  when: string | Date,
  options: { botId: string | null; channelId: string; score?: number; comment?: string },
) {
  const at = new Date(when);
  clock.set(at);
  const url = server.url;
  const conversationId = (
    await gqlOk(
      url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: options.channelId, botId: options.botId, customer: { name: "Casey", email: "casey@example.com" } } },
      ws.token,
    )
  ).createConversation.id as string;
  await gqlOk(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, ws.token);
  const email = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId } } });
  const token = tokenFromEmail(email.html);
  if (options.score !== undefined) {
    clock.set(new Date(at.getTime() + 10 * MINUTE));
    const submitted = await gqlOk(url, `mutation($t: String!, $s: Int!, $c: String) { submitCsat(token: $t, score: $s, comment: $c) { outcome } }`, {
      t: token,
      s: options.score,
      c: options.comment ?? null,
    });
    expect(submitted.submitCsat.outcome).toBe("ACCEPTED");
  }
  return { conversationId, token };
}

async function signedInAgent(server: TestServer, ws: WorkspaceFixture): Promise<string> {
  const email = `agent-${randomBytes(4).toString("hex")}@agents.test`;
  await server.running.app.prisma.teammate.create({
    data: { workspaceId: ws.workspaceId, email, name: "Alan Agent", role: "AGENT", passwordHash: await hashPassword("correct horse battery") },
  });
  const data = await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
    e: email,
    p: "correct horse battery",
  });
  return data.signIn.token;
}

describe.each(DB_KINDS)("CSAT report on %s", (db: DbKind) => {
  const clock = createManualClock(NOW);
  let h: Harness;
  let url: string;
  let a: WorkspaceFixture;
  let other: WorkspaceFixture;
  let bo: string;
  let email: string;

  const report = async (range: string, extra: { from?: string; to?: string } = {}, token = a.token) =>
    (await gqlOk(url, REPORT, { range, ...extra }, token)).csatReport;

  beforeAll(async () => {
    const server = await startTestServer({ db, clock });
    h = { server, clock };
    url = server.url;
    a = await createWorkspaceFixture(url, "Alpha");
    other = await createWorkspaceFixture(url, "Other");
    bo = (await gqlOk(url, `mutation { createBot(name: "Bo") { id } }`, {}, a.token)).createBot.id;
    email = (await gqlOk(url, `mutation { createChannel(name: "Email", kind: EMAIL) { id } }`, {}, a.token)).createChannel.id;
    await enableCsat(url, a.token, 0);
    await enableCsat(url, other.token, 0);
    const web = a.channelId;
    const ava = a.botId;
    // Workspace Alpha. Range edges at NOW − 7/30/90 days fall at 15:30:00.000 UTC.
    await survey(h, a, "2026-06-15T14:30:00.000Z", { botId: ava, channelId: web, score: 5, comment: "Great" }); // s1
    await survey(h, a, "2026-06-08T15:30:00.000Z", { botId: bo, channelId: email, score: 4 }); // s2: on the 7-day edge
    await survey(h, a, "2026-06-08T15:29:59.999Z", { botId: ava, channelId: email, score: 1, comment: '=HYPERLINK("http://evil.test","click")' }); // s3: 1 ms before it
    await survey(h, a, "2026-06-10T00:00:00.000Z", { botId: ava, channelId: web }); // s4: unanswered, at a midnight
    await survey(h, a, "2026-06-01T15:30:00.000Z", { botId: null, channelId: web, score: 3, comment: "ok, I guess" }); // s5: no bot
    await survey(h, a, "2026-05-20T08:00:00.000Z", { botId: bo, channelId: web, score: 2, comment: "slow" }); // s6
    await survey(h, a, "2026-04-01T12:00:00.000Z", { botId: ava, channelId: email, score: 5 }); // s7
    await survey(h, a, "2026-05-16T15:30:00.000Z", { botId: ava, channelId: web }); // s8: unanswered, on the 30-day edge
    await survey(h, a, "2026-01-10T10:00:00.000Z", { botId: ava, channelId: web, score: 4 }); // s9
    await survey(h, a, "2025-06-01T09:00:00.000Z", { botId: bo, channelId: email, score: 1 }); // s10
    // Scheduled (not sent yet) and cancelled surveys never count.
    clock.set(new Date(NOW.getTime() - 2 * HOUR));
    await gqlOk(url, `mutation { updateCsatSettings(input: { delayMinutes: 60 }) { enabled } }`, {}, a.token);
    for (const name of ["Never", "Later"]) {
      const id = (
        await gqlOk(url, `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`, {
          input: { channelId: web, botId: ava, customer: { name } },
        }, a.token)
      ).createConversation.id;
      await gqlOk(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, a.token);
      if (name === "Never") {
        await gqlOk(url, `mutation { updateCsatSettings(input: { enabled: false }) { enabled } }`, {}, a.token);
        await gqlOk(url, `mutation { updateCsatSettings(input: { enabled: true }) { enabled } }`, {}, a.token);
      }
    }
    await gqlOk(url, `mutation { updateCsatSettings(input: { delayMinutes: 0 }) { enabled } }`, {}, a.token);
    // Another workspace's surveys, inside every range.
    await survey(h, other, "2026-06-15T13:00:00.000Z", { botId: other.botId, channelId: other.channelId, score: 1, comment: "Other's" });
    await survey(h, other, "2026-06-09T13:00:00.000Z", { botId: other.botId, channelId: other.channelId });
    clock.set(NOW);
  });
  afterAll(() => h?.server.stop());

  it("has the scheduled and cancelled surveys it should ignore", async () => {
    const states = await h.server.running.app.prisma.csatSurvey.groupBy({
      by: ["state"],
      where: { workspaceId: a.workspaceId },
      _count: true,
      orderBy: { state: "asc" },
    });
    expect(states.map((s) => [s.state, s._count])).toEqual([
      ["SCHEDULED", 1],
      ["DISPATCHED", 2],
      ["SUBMITTED", 8],
      ["CANCELLED", 1],
    ]);
  });

  it("LAST_7_DAYS: the edge instant is in, a millisecond earlier is the previous period", async () => {
    const r = await report("LAST_7_DAYS");
    expect(r.range).toBe("LAST_7_DAYS");
    expect(r.from).toBe("2026-06-08T15:30:00.000Z");
    expect(r.to).toBeNull();
    // s1 (5), s2 (4), s4 (unanswered).
    expect(r.totals).toEqual(fig(3, 2, 4.5, 2 / 3, 1, [0, 0, 0, 1, 1]));
    expect(r.byBot).toEqual([
      { id: a.botId, label: "Ava", figures: fig(2, 1, 5, 0.5, 1, [0, 0, 0, 0, 1]) },
      { id: bo, label: "Bo", figures: fig(1, 1, 4, 1, 1, [0, 0, 0, 1, 0]) },
    ]);
    expect(r.byChannel).toEqual([
      { id: a.channelId, label: "Website chat", figures: fig(2, 1, 5, 0.5, 1, [0, 0, 0, 0, 1]) },
      { id: email, label: "Email", figures: fig(1, 1, 4, 1, 1, [0, 0, 0, 1, 0]) },
    ]);
    // The 7 days before: s3 (1) at 15:29:59.999 and s5 (3) exactly at its start.
    expect(r.previous).toEqual({
      from: "2026-06-01T15:30:00.000Z",
      to: "2026-06-08T15:30:00.000Z",
      totals: fig(2, 2, 2, 1, 0, [1, 0, 1, 0, 0]),
      byBot: [
        { id: a.botId, label: "Ava", figures: fig(1, 1, 1, 1, 0, [1, 0, 0, 0, 0]) },
        { id: null, label: UNATTRIBUTED, figures: fig(1, 1, 3, 1, 0, [0, 0, 1, 0, 0]) },
      ],
      byChannel: [
        { id: email, label: "Email", figures: fig(1, 1, 1, 1, 0, [1, 0, 0, 0, 0]) },
        { id: a.channelId, label: "Website chat", figures: fig(1, 1, 3, 1, 0, [0, 0, 1, 0, 0]) },
      ],
    });
    expect(r.recentComments).toEqual([
      { score: 5, comment: "Great", answeredAt: "2026-06-15T14:40:00.000Z", bot: { name: "Ava" }, channel: { name: "Website chat" } },
    ]);
  });

  it("LAST_30_DAYS and LAST_90_DAYS, with their previous periods", async () => {
    const month = await report("LAST_30_DAYS");
    expect(month.from).toBe("2026-05-16T15:30:00.000Z");
    // s1–s6 and s8 (on the edge): answers 5, 4, 1, 3, 2.
    expect(month.totals).toEqual(fig(7, 5, 3, 5 / 7, 0.4, [1, 1, 1, 1, 1]));
    expect(month.previous).toEqual({ from: "2026-04-16T15:30:00.000Z", to: "2026-05-16T15:30:00.000Z", totals: NOTHING, byBot: [], byChannel: [] });
    expect(month.recentComments.map((c: { comment: string }) => c.comment)).toEqual(["Great", '=HYPERLINK("http://evil.test","click")', "ok, I guess", "slow"]);

    const quarter = await report("LAST_90_DAYS");
    expect(quarter.from).toBe("2026-03-17T15:30:00.000Z");
    // …and s7 (5).
    expect(quarter.totals).toEqual(fig(8, 6, 3.33, 0.75, 0.5, [1, 1, 1, 1, 2]));
    // s9 (4) in the 90 days before.
    expect(quarter.previous.from).toBe("2025-12-17T15:30:00.000Z");
    expect(quarter.previous.totals).toEqual(fig(1, 1, 4, 1, 1, [0, 0, 0, 1, 0]));
    expect(quarter.previous.byBot).toEqual([{ id: a.botId, label: "Ava", figures: fig(1, 1, 4, 1, 1, [0, 0, 0, 1, 0]) }]);
  });

  it("ALL_TIME has every dispatched survey, per bot and channel, and no previous period", async () => {
    const all = await report("ALL_TIME");
    expect(all.from).toBeNull();
    expect(all.previous).toBeNull();
    // Answers 5, 4, 1, 3, 2, 5, 4, 1: 25 / 8 = 3.125.
    expect(all.totals).toEqual(fig(10, 8, 3.13, 0.8, 0.5, [2, 1, 1, 2, 2]));
    expect(all.byBot).toEqual([
      { id: a.botId, label: "Ava", figures: fig(6, 4, 3.75, 4 / 6, 0.75, [1, 0, 0, 1, 2]) },
      { id: bo, label: "Bo", figures: fig(3, 3, 2.33, 1, 1 / 3, [1, 1, 0, 1, 0]) },
      { id: null, label: UNATTRIBUTED, figures: fig(1, 1, 3, 1, 0, [0, 0, 1, 0, 0]) },
    ]);
    expect(all.byChannel).toEqual([
      { id: a.channelId, label: "Website chat", figures: fig(6, 4, 3.5, 4 / 6, 0.5, [0, 1, 1, 1, 1]) },
      { id: email, label: "Email", figures: fig(4, 4, 2.75, 1, 0.5, [2, 0, 0, 1, 1]) },
    ]);
  });

  it("recentComments: newest answer first, each selection with its own first", async () => {
    const data = await gqlOk(
      url,
      `query { csatReport(range: ALL_TIME) {
        a: recentComments(first: 1) { comment }
        b: recentComments(first: 3) { comment }
        c: recentComments(first: null) { comment }
        ...More
      } }
      fragment More on CsatReport { d: recentComments(first: 2) { comment } e: recentComments(first: 0) { comment } }`,
      {},
      a.token,
    );
    const comments = (key: string) => data.csatReport[key].map((c: { comment: string }) => c.comment);
    const all = ["Great", '=HYPERLINK("http://evil.test","click")', "ok, I guess", "slow"];
    expect([comments("a"), comments("b"), comments("c"), comments("d"), comments("e")]).toEqual([
      all.slice(0, 1),
      all.slice(0, 3),
      all,
      all.slice(0, 2),
      [],
    ]);
    const bad = await gql(url, `{ csatReport(range: ALL_TIME) { recentComments(first: -1) { comment } } }`, {}, a.token);
    expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("CUSTOM windows are [from, to), to the millisecond, with whole days in between", async () => {
    const week = await report("CUSTOM", { from: "2026-06-01T15:30:00.000Z", to: "2026-06-08T15:30:00.000Z" });
    expect(week.range).toBe("CUSTOM");
    expect(week.totals).toEqual(fig(2, 2, 2, 1, 0, [1, 0, 1, 0, 0]));
    expect(week.previous).toMatchObject({ from: "2026-05-25T15:30:00.000Z", to: "2026-06-01T15:30:00.000Z", totals: NOTHING });
    // One millisecond: s3 alone.
    const instant = await report("CUSTOM", { from: "2026-06-08T15:29:59.999Z", to: "2026-06-08T15:30:00.000Z" });
    expect(instant.totals).toEqual(fig(1, 1, 1, 1, 0, [1, 0, 0, 0, 0]));
    // Whole UTC days, s4 at the midnight inside: s2, s3, s4, s5.
    const days = await report("CUSTOM", { from: "2026-06-01T00:00:00.000Z", to: "2026-06-11T00:00:00.000Z" });
    expect(days.totals).toEqual(fig(4, 3, 2.67, 0.75, 1 / 3, [1, 0, 1, 1, 0]));
    // Midnight to midnight, the end excluded: s4 is not in the day before it.
    expect((await report("CUSTOM", { from: "2026-06-09T00:00:00.000Z", to: "2026-06-10T00:00:00.000Z" })).totals).toEqual(NOTHING);
    expect((await report("CUSTOM", { from: "2026-06-10T00:00:00.000Z", to: "2026-06-11T00:00:00.000Z" })).totals.sent).toBe(1);
    // Old answers still count in their dispatch window, and their comments show.
    const old = await report("CUSTOM", { from: "2025-05-01T00:00:00.000Z", to: "2025-07-01T00:00:00.000Z" });
    expect(old.totals).toEqual(fig(1, 1, 1, 1, 0, [1, 0, 0, 0, 0]));
  });

  it("csatTrend: the last N UTC days or months, the current one included, each one whole bucket", async () => {
    const TREND = `query($unit: CsatTrendUnit!, $count: Int!) { csatTrend(unit: $unit, count: $count) { from to totals { ${FIGURES} } } }`;
    const trend = async (unit: string, count: number, token = a.token) => (await gqlOk(url, TREND, { unit, count }, token)).csatTrend;
    const days = await trend("DAY", 8);
    expect(days.map((d: { from: string; to: string }) => [d.from, d.to])).toEqual(
      ["08", "09", "10", "11", "12", "13", "14", "15"].map((d) => [`2026-06-${d}T00:00:00.000Z`, new Date(Date.parse(`2026-06-${d}T00:00:00.000Z`) + 24 * HOUR).toISOString()]),
    );
    expect(days.map((d: { totals: unknown }) => d.totals)).toEqual([
      fig(2, 2, 2.5, 1, 0.5, [1, 0, 0, 1, 0]), // s2 (4) and s3 (1), either side of the 7-day edge, the same day
      NOTHING,
      fig(1, 0, null, 0, null, [0, 0, 0, 0, 0]), // s4 at midnight, unanswered
      NOTHING,
      NOTHING,
      NOTHING,
      NOTHING,
      fig(1, 1, 5, 1, 1, [0, 0, 0, 0, 1]), // s1 today; the scheduled and cancelled ones do not count
    ]);
    const months = await trend("MONTH", 3);
    expect(months.map((m: { from: string }) => m.from)).toEqual(["2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z"]);
    expect(months.map((m: { totals: unknown }) => m.totals)).toEqual([
      fig(1, 1, 5, 1, 1, [0, 0, 0, 0, 1]), // s7
      fig(2, 1, 2, 0.5, 0, [0, 1, 0, 0, 0]), // s6 (2), s8 unanswered
      fig(5, 4, 3.25, 0.8, 0.5, [1, 0, 1, 1, 1]), // s1, s2, s3, s4, s5
    ]);
    // The same figures as a report over the same window.
    const june = await report("CUSTOM", { from: "2026-06-01T00:00:00.000Z", to: "2026-07-01T00:00:00.000Z" });
    expect(months[2].totals).toEqual(june.totals);
    // Another workspace sees its own; an agent reads the same.
    expect((await trend("DAY", 8, other.token)).map((d: { totals: { sent: number } }) => d.totals.sent)).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
    expect(await trend("DAY", 8, await signedInAgent(h.server, a))).toEqual(days);
    // A year of days or ten years of months at most; signed in only.
    for (const [unit, count] of [["DAY", 0], ["DAY", 367], ["MONTH", 121], ["MONTH", -1]] as const) {
      const r = await gql(url, TREND, { unit, count }, a.token);
      expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    expect((await trend("DAY", 366)).length).toBe(366);
    expect((await gql(url, TREND, { unit: "DAY", count: 7 })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a CUSTOM range without both ends, or backwards, and ends with a preset", async () => {
    for (const [range, extra] of [
      ["CUSTOM", {}],
      ["CUSTOM", { from: "2026-06-01T00:00:00Z" }],
      ["CUSTOM", { from: "2026-06-02T00:00:00Z", to: "2026-06-01T00:00:00Z" }],
      ["CUSTOM", { from: "2026-06-01T00:00:00Z", to: "2026-06-01T00:00:00Z" }],
      ["CUSTOM", { from: "1969-12-31T23:59:59Z", to: "2026-06-01T00:00:00Z" }],
      ["LAST_7_DAYS", { from: "2026-06-01T00:00:00Z" }],
    ] as const) {
      const result = await gql(url, REPORT, { range, ...extra }, a.token);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(extra)).toBe("BAD_USER_INPUT");
    }
  });

  it("another workspace sees only its own surveys; an agent reads the same report", async () => {
    const theirs = await report("ALL_TIME", {}, other.token);
    expect(theirs.totals).toEqual(fig(2, 1, 1, 0.5, 0, [1, 0, 0, 0, 0]));
    expect(theirs.recentComments.map((c: { comment: string }) => c.comment)).toEqual(["Other's"]);
    const agent = await signedInAgent(h.server, a);
    expect(await report("LAST_7_DAYS", {}, agent)).toEqual(await report("LAST_7_DAYS"));
  });

  it("the MCP tool csat_report returns the same figures", async () => {
    const key = (await gqlOk(url, `mutation { createApiKey(name: "agent") { key } }`, {}, a.token)).createApiKey.key;
    const mcp = new McpClient({ name: "reports-test", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    try {
      for (const [range, extra] of [
        ["LAST_7_DAYS", {}],
        ["ALL_TIME", {}],
        ["CUSTOM", { from: "2026-06-01T00:00:00.000Z", to: "2026-06-11T00:00:00.000Z" }],
      ] as const) {
        const result = await mcp.callTool({ name: "csat_report", arguments: { range, ...extra } });
        const json = JSON.parse((result.content as { text: string }[])[0]!.text);
        const gqlReport = await report(range, extra);
        const { previous } = gqlReport;
        expect(json).toMatchObject({
          range,
          from: gqlReport.from,
          to: gqlReport.to,
          totals: gqlReport.totals,
          byBot: gqlReport.byBot,
          byChannel: gqlReport.byChannel,
          previous,
        });
      }
      const bad = await mcp.callTool({ name: "csat_report", arguments: { range: "CUSTOM", from: "yesterday" } });
      expect(bad.isError).toBe(true);
      expect((bad.content as { text: string }[])[0]!.text).toMatch(/^BAD_USER_INPUT: from must be an ISO 8601/);
    } finally {
      await mcp.close();
    }
  });

  describe("CSV export", () => {
    const exportCsv = (query: string, token?: string) =>
      fetch(`${url}/api/csat/export.csv?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    it("streams the range's answered surveys, oldest dispatch first, quoted and defused", async () => {
      const res = await exportCsv("range=LAST_30_DAYS", a.token);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="csat-last_30_days-2026-06-15.csv"');
      const lines = (await res.text()).split("\r\n");
      expect(lines.pop()).toBe("");
      expect(lines[0]).toBe("survey_id,conversation_id,dispatched_at,answered_at,score,comment,bot_id,bot,channel_id,channel,resolved_via,answered_via,reason");
      const rows = lines.slice(1).map((line) => line.replace(/^[0-9a-f-]{36},[0-9a-f-]{36},/, ""));
      expect(rows).toEqual([
        `2026-05-20T08:00:00.000Z,2026-05-20T08:10:00.000Z,2,slow,${bo},Bo,${a.channelId},Website chat,INBOX,WIDGET,`,
        `2026-06-01T15:30:00.000Z,2026-06-01T15:40:00.000Z,3,"ok, I guess",,${UNATTRIBUTED},${a.channelId},Website chat,INBOX,WIDGET,`,
        `2026-06-08T15:29:59.999Z,2026-06-08T15:39:59.999Z,1,"'=HYPERLINK(""http://evil.test"",""click"")",${a.botId},Ava,${email},Email,INBOX,WIDGET,`,
        `2026-06-08T15:30:00.000Z,2026-06-08T15:40:00.000Z,4,,${bo},Bo,${email},Email,INBOX,WIDGET,`,
        `2026-06-15T14:30:00.000Z,2026-06-15T14:40:00.000Z,5,Great,${a.botId},Ava,${a.channelId},Website chat,INBOX,WIDGET,`,
      ]);
      const custom = await exportCsv("range=CUSTOM&from=2026-06-08T15:29:59.999Z&to=2026-06-08T15:30:00.000Z", a.token);
      expect((await custom.text()).split("\r\n").filter(Boolean)).toHaveLength(2);
      // Another workspace's export holds only its own answer.
      const theirs = (await (await exportCsv("range=ALL_TIME", other.token)).text()).split("\r\n").filter(Boolean);
      expect(theirs.slice(1).map((l) => l.split(",")[5])).toEqual(["Other's"]);
    });

    it("is for admins (sessions and API keys) only, with a valid range", async () => {
      expect((await exportCsv("range=ALL_TIME")).status).toBe(401);
      expect((await exportCsv("range=ALL_TIME", "hcs_nope")).status).toBe(401);
      const agent = await signedInAgent(h.server, a);
      const refused = await exportCsv("range=ALL_TIME", agent);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: "FORBIDDEN" });
      for (const query of ["", "range=YESTERDAY", "range=CUSTOM&from=2026-01-01", "range=CUSTOM&from=soon&to=later"]) {
        const bad = await exportCsv(query, a.token);
        expect(bad.status, query).toBe(400);
        await bad.body?.cancel();
      }
      const key = (await gqlOk(url, `mutation { createApiKey(name: "export") { key } }`, {}, a.token)).createApiKey.key;
      const viaKey = await exportCsv("range=ALL_TIME", key);
      expect(viaKey.status).toBe(200);
      expect((await viaKey.text()).split("\r\n").filter(Boolean)).toHaveLength(9);
      const post = await fetch(`${url}/api/csat/export.csv?range=ALL_TIME`, { method: "POST", headers: { authorization: `Bearer ${a.token}` } });
      expect(post.status).toBe(405);
    });
  });

  it("deleting a bot and a channel moves their figures to Unattributed; totals stay", async () => {
    const before = await report("ALL_TIME");
    const weekBefore = await report("LAST_7_DAYS");
    await gqlOk(url, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: bo }, a.token);
    await gqlOk(url, `mutation($id: ID!) { deleteChannel(id: $id) }`, { id: email }, a.token);
    const after = await report("ALL_TIME");
    expect(after.totals).toEqual(before.totals);
    expect(after.byBot).toEqual([
      { id: a.botId, label: "Ava", figures: fig(6, 4, 3.75, 4 / 6, 0.75, [1, 0, 0, 1, 2]) },
      // Bo's s2 (4), s6 (2), s10 (1) join s5 (3).
      { id: null, label: UNATTRIBUTED, figures: fig(4, 4, 2.5, 1, 0.25, [1, 1, 1, 1, 0]) },
    ]);
    expect(after.byChannel).toEqual([
      { id: a.channelId, label: "Website chat", figures: fig(6, 4, 3.5, 4 / 6, 0.5, [0, 1, 1, 1, 1]) },
      { id: null, label: UNATTRIBUTED, figures: fig(4, 4, 2.75, 1, 0.5, [2, 0, 0, 1, 1]) },
    ]);
    const week = await report("LAST_7_DAYS");
    expect(week.totals).toEqual(weekBefore.totals);
    expect(week.previous.totals).toEqual(weekBefore.previous.totals);
    expect(week.byBot).toEqual([
      { id: a.botId, label: "Ava", figures: fig(2, 1, 5, 0.5, 1, [0, 0, 0, 0, 1]) },
      { id: null, label: UNATTRIBUTED, figures: fig(1, 1, 4, 1, 1, [0, 0, 0, 1, 0]) },
    ]);
    expect(week.byChannel).toEqual([
      { id: a.channelId, label: "Website chat", figures: fig(2, 1, 5, 0.5, 1, [0, 0, 0, 0, 1]) },
      { id: null, label: UNATTRIBUTED, figures: fig(1, 1, 4, 1, 1, [0, 0, 0, 1, 0]) },
    ]);
    // The tallies themselves moved: once the worker has folded the writers' shards, nothing is left
    // under the deleted ids (before that, their shards' rows sum to zero).
    const prisma = h.server.running.app.prisma;
    await h.server.running.workers.runOnce();
    expect(await prisma.csatTally.count({ where: { OR: [{ botId: bo }, { channelId: email }] } })).toBe(0);
    // The surveys keep their ratings.
    expect(await prisma.csatSurvey.count({ where: { workspaceId: a.workspaceId, botId: null, score: { not: null } } })).toBe(4);
  });
});

afterAll(() => saveChecks("reports"));

describe.each(DB_KINDS)("csatAnswered over graphql-ws on %s", (db: DbKind) => {
  const clock = createManualClock(NOW);
  let h: Harness;
  let a: WorkspaceFixture;
  let b: WorkspaceFixture;
  const clients: Client[] = [];
  const ANSWERED = `subscription { csatAnswered { surveyId conversationId score comment answeredAt answeredVia dispatchedAt bot { id name } channel { id name } } }`;

  beforeAll(async () => {
    h = { server: await startTestServer({ db, clock }), clock };
    a = await createWorkspaceFixture(h.server.url, "Alpha");
    b = await createWorkspaceFixture(h.server.url, "Beta");
    await enableCsat(h.server.url, a.token, 0);
    await enableCsat(h.server.url, b.token, 0);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(() => h?.server.stop());

  const client = (params?: Record<string, unknown>) => {
    const c = wsClient(h.server.wsUrl, params);
    clients.push(c);
    return c;
  };

  it("a teammate of A receives A's answers; a teammate of B receives nothing", async () => {
    const inA = collect(client({ authorization: `Bearer ${a.token}` }), ANSWERED);
    const inB = collect(client({ authorization: `Bearer ${b.token}` }), ANSWERED);
    const agentOfB = collect(client({ authorization: `Bearer ${await signedInAgent(h.server, b)}` }), ANSWERED);
    // Every feed is live before the answer that counts: each hears an answer of its own workspace first.
    const feeds = [inA, inB, agentOfB];
    await until(async () => {
      if (feeds.every((f) => f.events.length > 0)) return true;
      await survey(h, a, NOW, { botId: null, channelId: a.channelId, score: 5 });
      await survey(h, b, NOW, { botId: null, channelId: b.channelId, score: 5 });
      return false;
    }, 15_000, "every feed to be live");
    // Then a marker in each workspace, so warm-ups still on their way have arrived when the feeds are cleared.
    const markerA = await survey(h, a, NOW, { botId: null, channelId: a.channelId, score: 3 });
    const markerB = await survey(h, b, NOW, { botId: null, channelId: b.channelId, score: 3 });
    const heard = (feed: typeof inA, id: string) => feed.events.some((e) => e.data?.csatAnswered?.conversationId === id);
    await until(() => heard(inA, markerA.conversationId) && heard(inB, markerB.conversationId) && heard(agentOfB, markerB.conversationId), 5000, "the markers");
    for (const feed of feeds) feed.events.splice(0);
    const { conversationId } = await survey(h, a, NOW, { botId: a.botId, channelId: a.channelId, score: 4, comment: "Quick and kind" });
    await until(() => inA.events.length === 1, 5000, "A's answer");
    expect(inA.events[0]).toEqual({
      data: {
        csatAnswered: {
          surveyId: expect.any(String),
          conversationId,
          score: 4,
          comment: "Quick and kind",
          answeredAt: new Date(NOW.getTime() + 10 * MINUTE).toISOString(),
          answeredVia: "WIDGET",
          dispatchedAt: NOW.toISOString(),
          bot: { id: a.botId, name: "Ava" },
          channel: { id: a.channelId, name: "Website chat" },
        },
      },
    });
    // B's own answer reaches B, and proves B's feed was live all along.
    await survey(h, b, NOW, { botId: null, channelId: b.channelId, score: 2 });
    await until(() => inB.events.length === 1 && agentOfB.events.length === 1, 5000, "B's answer");
    for (const feed of [inB, agentOfB]) {
      expect(feed.events).toEqual([{ data: { csatAnswered: expect.objectContaining({ score: 2, comment: null, bot: null }) } }]);
    }
    expect(inA.events).toHaveLength(1);
    expect(inA.error).toBeUndefined();
    // And A's feed heard nothing of B's before a last answer of A's own, published after B's.
    const last = await survey(h, a, NOW, { botId: null, channelId: a.channelId, score: 1 });
    await until(() => heard(inA, last.conversationId), 5000, "A's last answer");
    expect(check("11.19", inA.events.length === 2 && inB.events.length === 1 && agentOfB.events.length === 1)).toBe(true);
  });

  it("needs a teammate or API key: anonymous and visitor sockets get an error and no feed", async () => {
    const codes = async (params?: Record<string, unknown>) => {
      const sub = collect(client(params), ANSWERED);
      await until(() => sub.completed || sub.error !== undefined, 5000, "the refusal");
      expect(sub.error).toBeUndefined();
      return sub.events.map((e) => (e.errors as { extensions?: { code?: string } }[] | undefined)?.map((x) => x.extensions?.code));
    };
    expect(await codes()).toEqual([["UNAUTHENTICATED"]]);
    const widget = await gqlOk(
      h.server.url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken } }`,
      { input: { channelId: a.channelId, customer: { name: "Wendy" }, firstMessage: "Hi" } },
    );
    expect(await codes({ visitorToken: widget.startWidgetConversation.visitorToken })).toEqual([["FORBIDDEN"]]);
  });
});
