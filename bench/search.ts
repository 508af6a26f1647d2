// The inbox at volume: searchConversations over BENCH_SEARCH_CONVERSATIONS conversations (default
// 1,000,000) in one workspace on PostgreSQL, seeded with generate_series. Measures, one request at
// a time on one keep-alive connection, the p95 of: the inbox's first page (with totalCount), the
// same without totalCount, a later page (after a cursor), and a search for a word in messages, each
// as a ratio to `{ me { id } }` (a trivial authenticated query) measured in the same rounds on the
// same server. Goal: ≤ 3× for the pages the inbox asks for (the list, a later page, a filter, a rare
// and a common word). The counts are asked apart by the inbox (its chips), so no page waits for
// one; their rows show what a count costs at this volume.
//
//   npm run bench:search                                     # 1,000,000 (seeding takes minutes)
//   BENCH_SEARCH_CONVERSATIONS=20000 npm run bench:search    # a quick check
//   BENCH_SEARCH_KEEP=1 npm run bench:search                 # keep the seeded database (name printed)
//   BENCH_SEARCH_REUSE=<name> npm run bench:search           # measure a kept one again, no seeding
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { buildApp } from "../api/src/app.js";
import { readConfig } from "../api/src/config.js";
import { seedConversations } from "../api/testkit/conversations.js";
import pg from "pg";
import { createBenchDatabase, PG_ADMIN_URL, seedWorkspace } from "./lib/db.js";
import { graphql, keepAliveAgent } from "./lib/http.js";

const COUNT = Number(process.env.BENCH_SEARCH_CONVERSATIONS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_SEARCH_ROUNDS ?? 200);
const KEEP = process.env.BENCH_SEARCH_KEEP === "1";
const REUSE = process.env.BENCH_SEARCH_REUSE;
const quiet = { info: () => {}, warn: () => {}, error: (l: string, e?: unknown) => console.error(l, e) };

// The inbox row (ConversationItem), within the cost limit the web app stays under with its fragments.
const ROW = `id status updatedAt customer { name } bot { name } lastMessage { body } csatSurvey { state }`;
const FIRST_PAGE = `query($f: ConversationFilter, $after: String) { searchConversations(filter: $f, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } } }`;
const PAGE_ONLY = `query($f: ConversationFilter, $after: String) { searchConversations(filter: $f, first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } } }`;

const p95 = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))]!;

/** A kept database, as a fresh one is given: its url and pool, its drop a no-op. */
async function reuseDatabase(name: string) {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  return { url: url.toString(), name, pool, drop: async () => void (await pool.end()) };
}

/** The kept workspace by its name, with a new session of its admin. */
async function keptWorkspace(pool: pg.Pool, name: string) {
  const { rows: [found] } = await pool.query<{ workspaceId: string; adminId: string; botId: string; channelId: string }>(
    `SELECT w.id AS "workspaceId", t.id AS "adminId", b.id AS "botId", ch.id AS "channelId"
     FROM workspace w JOIN teammate t ON t.workspace_id = w.id JOIN bot b ON b.workspace_id = w.id JOIN channel ch ON ch.workspace_id = w.id
     WHERE w.name = $1 LIMIT 1`,
    [name],
  );
  if (!found) throw new Error(`no workspace named ${name} in the kept database`);
  const sessionToken = `hcs_${randomBytes(24).toString("base64url")}`;
  await pool.query(`INSERT INTO session (teammate_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 day')`, [
    found.adminId,
    createHash("sha256").update(sessionToken).digest("hex"),
  ]);
  return { ...found, sessionToken };
}

async function main() {
  const db = REUSE ? await reuseDatabase(REUSE) : await createBenchDatabase("search");
  try {
    let ws: Awaited<ReturnType<typeof seedWorkspace>>;
    if (REUSE) {
      // The kept workspace (its name is the bench's), a new session for it.
      ws = await keptWorkspace(db.pool, "Bench Search");
    } else {
      ws = await seedWorkspace(db.pool, "Bench Search");
      const seeding = performance.now();
      await seedConversations(db.pool, { workspaceId: ws.workspaceId, channelId: ws.channelId, botId: ws.botId, count: COUNT, newest: new Date(), batch: 100_000 });
      await db.pool.query("ANALYZE");
      console.log(`seeded ${COUNT.toLocaleString()} conversations (with customers and a message each) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    }

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
      const COUNTS = `query($all: ConversationFilter, $open: ConversationFilter, $resolved: ConversationFilter) {
        all: searchConversations(filter: $all, first: 0) { totalCount }
        open: searchConversations(filter: $open, first: 0) { totalCount }
        resolved: searchConversations(filter: $resolved, first: 0) { totalCount } }`;
      const counts = (search?: string) => {
        const f = search ? { search } : {};
        return call(COUNTS, { all: f, open: { ...f, status: "OPEN" }, resolved: { ...f, status: "RESOLVED" } });
      };
      // [name, request, held to the goal]: the pages the inbox asks for are; the counts (asked apart
      // by the inbox for its chips, so no page waits for them) are shown for what they cost.
      const cases: [string, () => Promise<{ ms: number }>, boolean][] = [
        ["{ me { id } } (baseline)", () => call("{ me { id } }", {}), false],
        ["first page (the inbox's list)", () => call(PAGE_ONLY, {}), true],
        ["page 200 (after)", () => call(PAGE_ONLY, { after: deep }), true],
        ["OPEN, first page", () => call(PAGE_ONLY, { f: { status: "OPEN" } }), true],
        [`search "${word}" (one conversation), first page`, () => call(PAGE_ONLY, { f: { search: word } }), true],
        [`search "refund" (1 in 5), first page`, () => call(PAGE_ONLY, { f: { search: "refund" } }), true],
        // Numbers starting 12: 12, 120–129, 1200–1299, … (about 1 in 90, in messages, names and addresses).
        [`search "12" (1 in 90), first page`, () => call(PAGE_ONLY, { f: { search: "12" } }), true],
        ["first page + totalCount", () => call(FIRST_PAGE, {}), false],
        ["the inbox's counts (all, open, resolved)", () => counts(), false],
        [`the inbox's counts, search "${word}"`, () => counts(word), false],
        [`the inbox's counts, search "refund"`, () => counts("refund"), false],
      ];
      const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
      const held = new Map(cases.map(([name, , goal]) => [name, goal]));
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
        const goal = !held.get(name) ? "" : v / base <= 3 ? "≤ 3× met" : "≤ 3× missed";
        console.log(`| ${name} | ${v.toFixed(2)} | ${(v / base).toFixed(2)} | ${goal} |`);
      }
    } finally {
      agent.destroy();
      await running.stop();
    }
  } finally {
    if (KEEP && !REUSE) {
      await db.pool.end();
      console.log(`kept database ${db.name}: measure it again with BENCH_SEARCH_REUSE=${db.name} npm run bench:search`);
    } else {
      await db.drop(); // a reused database's drop only closes its pool
    }
  }
}

await main();
