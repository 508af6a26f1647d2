// The inbox at volume: searchConversations over BENCH_SEARCH_CONVERSATIONS conversations (default
// 1,000,000) in one workspace on PostgreSQL, seeded with generate_series. Measures, one request at
// a time on one keep-alive connection, the p95 of: the inbox's first page (with totalCount), the
// same without totalCount, a later page (after a cursor), and a search for a word in messages, each
// as a ratio to `{ me { id } }` (a trivial authenticated query) measured in the same rounds on the
// same server. Goal: ≤ 3×.
//
//   npm run bench:search                                     # 1,000,000 (seeding takes minutes)
//   BENCH_SEARCH_CONVERSATIONS=20000 npm run bench:search    # a quick check
import { performance } from "node:perf_hooks";
import { buildApp } from "../api/src/app.js";
import { readConfig } from "../api/src/config.js";
import { seedConversations } from "../api/testkit/conversations.js";
import { createBenchDatabase, seedWorkspace } from "./lib/db.js";
import { graphql, keepAliveAgent } from "./lib/http.js";

const COUNT = Number(process.env.BENCH_SEARCH_CONVERSATIONS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_SEARCH_ROUNDS ?? 200);
const quiet = { info: () => {}, warn: () => {}, error: (l: string, e?: unknown) => console.error(l, e) };

// The inbox row (ConversationItem), within the cost limit the web app stays under with its fragments.
const ROW = `id status updatedAt customer { name } bot { name } lastMessage { body } csatSurvey { state }`;
const FIRST_PAGE = `query($f: ConversationFilter, $after: String) { searchConversations(filter: $f, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } } }`;
const PAGE_ONLY = `query($f: ConversationFilter, $after: String) { searchConversations(filter: $f, first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } } }`;

const p95 = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))]!;

async function main() {
  const db = await createBenchDatabase("search");
  try {
    const ws = await seedWorkspace(db.pool, "Bench Search");
    const seeding = performance.now();
    await seedConversations(db.pool, { workspaceId: ws.workspaceId, channelId: ws.channelId, botId: ws.botId, count: COUNT, newest: new Date(), batch: 100_000 });
    await db.pool.query("ANALYZE");
    console.log(`seeded ${COUNT.toLocaleString()} conversations (with customers and a message each) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

    const running = await buildApp({
      config: { ...readConfig({}), port: 0, databaseUrl: db.url, seedDemo: false, workerIntervalMs: 3_600_000, production: true, rateLimitTokenPerMinute: 0, rateLimitApiPerMinute: 0 },
      log: quiet,
    });
    const url = await running.start(0);
    const agent = keepAliveAgent(1);
    try {
      const call = async (query: string, variables: Record<string, unknown>) => {
        const started = performance.now();
        const res = await graphql(agent, url, query, variables, ws.sessionToken);
        const ms = performance.now() - started;
        if (res.status !== 200 || res.body.includes('"errors"')) throw new Error(`bench request failed: ${res.status} ${res.body.slice(0, 300)}`);
        return { ms, body: JSON.parse(res.body) as { data: { searchConversations: { totalCount: number; pageInfo: { endCursor: string } } } } };
      };
      const first = await call(FIRST_PAGE, {});
      const cursor = first.body.data.searchConversations.pageInfo.endCursor;
      const total = first.body.data.searchConversations.totalCount;
      // The 200th page's cursor, for "a later page".
      let deep = cursor;
      for (let i = 0; i < Math.min(200, Math.floor(COUNT / 50) - 2); i++) {
        deep = (await call(PAGE_ONLY, { after: deep })).body.data.searchConversations.pageInfo.endCursor;
      }
      // A word in one conversation's message in ten thousand ("Question 1234 about …" numbers are unique prefixes).
      const word = String(Math.floor(COUNT / 2));
      const cases: [string, () => Promise<{ ms: number }>][] = [
        ["{ me { id } } (baseline)", () => call("{ me { id } }", {})],
        ["searchConversations first page + totalCount", () => call(FIRST_PAGE, {})],
        ["searchConversations first page", () => call(PAGE_ONLY, {})],
        ["searchConversations page 200 (after)", () => call(PAGE_ONLY, { after: deep })],
        ["searchConversations OPEN + totalCount", () => call(FIRST_PAGE, { f: { status: "OPEN" } })],
        [`searchConversations search "${word}" + totalCount`, () => call(FIRST_PAGE, { f: { search: word } })],
        [`searchConversations search "refund" (1 in 5) + totalCount`, () => call(FIRST_PAGE, { f: { search: "refund" } })],
        [`searchConversations search "refund" (1 in 5)`, () => call(PAGE_ONLY, { f: { search: "refund" } })],
      ];
      const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
      for (const [, fn] of cases) for (let i = 0; i < 5; i++) await fn(); // warm
      // Interleaved rounds: each case once per round, so drift on a shared machine hits all alike.
      for (let r = 0; r < ROUNDS; r++) {
        for (const [name, fn] of cases) times.get(name)!.push((await fn()).ms);
      }
      const base = p95(times.get(cases[0]![0])!);
      console.log(`\n${COUNT.toLocaleString()} conversations (totalCount ${total.toLocaleString()}), ${ROUNDS} rounds, p95 each:`);
      console.log(`| case | p95 ms | × { me { id } } | goal |`);
      console.log(`| --- | ---: | ---: | --- |`);
      for (const [name] of cases) {
        const v = p95(times.get(name)!);
        console.log(`| ${name} | ${v.toFixed(2)} | ${(v / base).toFixed(2)} | ${name.includes("baseline") ? "" : v / base <= 3 ? "≤ 3× met" : "≤ 3× missed"} |`);
      }
    } finally {
      agent.destroy();
      await running.stop();
    }
  } finally {
    await db.drop();
  }
}

await main();
