// npm run bench:responses -- [--surveys 1000000] [--runs 200] [--keep] [--reuse <database kept by --keep>]
//
// The answers explorer at scale, end to end: the real server (buildApp) over PostgreSQL, in a
// database of its own that this script creates (and drops at the end unless --keep), with one
// workspace of `--surveys` surveys (40% answered, 30% of answers with a comment, 2,000 customers),
// seeded with generate_series in SQL. Then, interleaved over HTTP: `{ me { id } }` (the baseline:
// authentication and one tiny query), csatResponses' first page as the Responses page asks for it
// (50 answers with their conversation, customer, bot, channel and follow-up; its count asked apart), the
// same with a one-word search, a search by customer name, and a page deep in the list. The table
// shows p50/p95/p99 and each p95 as a multiple of the baseline's (goal ≤ 3×).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { buildApp, type RunningApp } from "../api/src/app.js";
import { readConfig } from "../api/src/config.js";
import { createTestDatabase } from "../api/testkit/server.js";
import { PG_ADMIN_URL } from "./lib/db.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SURVEYS = option("surveys", 1_000_000);
const RUNS = option("runs", 200);
const KEEP = args.includes("--keep");
const REUSE = args.includes("--reuse") ? args[args.indexOf("--reuse") + 1] : undefined;
const CUSTOMERS = 2000;
const GOAL = 3;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bench reads what it asked for
type Data = Record<string, any>;

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Data> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Data; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** What the Responses page asks for (web/src/pages/ResponsesPage.tsx), 50 at a time; its count is asked apart. */
const RESPONSES = `query CsatResponses($filter: CsatResponseFilter, $first: Int, $after: String) {
  csatResponses(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id score comment answeredAt
      conversation { id bot { id name } channel { id name } customer { id name email } }
      followUp { id status } } }
  }
}`;
const COUNT = `query CsatResponsesCount($filter: CsatResponseFilter) { csatResponses(filter: $filter, first: 0) { totalCount } }`;

const uuid = (s: string) => {
  if (!/^[0-9a-f-]{36}$/.test(s)) throw new Error(`not a uuid: ${s}`);
  return `'${s}'::uuid`;
};

const WORDS = ["refund", "late", "rude", "great", "slow", "helpful", "billing", "password", "delivery", "thanks", "broken", "quick"];
const NAMES = ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lena", "Milo", "Nia", "Omar", "Pia"];

/** `count` resolved conversations and their surveys over the last year; the inserts go through the tally triggers. */
async function seed(db: pg.Client, workspaceId: string, bots: string[], channels: string[], count: number) {
  const now = new Date().toISOString();
  await db.query(`INSERT INTO customer (id, workspace_id, name, email)
    SELECT md5('u' || g)::uuid, ${uuid(workspaceId)},
           (ARRAY[${NAMES.map((n) => `'${n}'`).join(",")}])[1 + g % ${NAMES.length}] || ' Customer' || g,
           'customer' || g || '@bench' || (g % 7) || '.test'
    FROM generate_series(0, ${CUSTOMERS - 1}) g`);
  const botArray = `ARRAY[${bots.map(uuid).join(", ")}, NULL]::uuid[]`;
  const channelArray = `ARRAY[${channels.map(uuid).join(", ")}]::uuid[]`;
  const words = `ARRAY[${WORDS.map((w) => `'${w}'`).join(",")}]`;
  const batch = 100_000;
  const started = performance.now();
  for (let lo = 0; lo < count; lo += batch) {
    const hi = Math.min(count, lo + batch) - 1;
    const rows = `
      SELECT g, md5('c' || g)::uuid AS conversation_id,
             timestamptz '${now}' - interval '365 days' * (1 - g::float8 / ${count}) AS at,
             (${botArray})[1 + abs(hashtext(g || ':bot')) % ${bots.length + 1}] AS bot_id,
             (${channelArray})[1 + abs(hashtext(g || ':channel')) % ${channels.length}] AS channel_id,
             abs(hashtext(g || ':state')) % 100 AS roll,
             1 + abs(hashtext(g || ':score')) % 5 AS score,
             abs(hashtext(g || ':w1')) % ${WORDS.length} AS w1, abs(hashtext(g || ':w2')) % ${WORDS.length} AS w2
      FROM generate_series(${lo}, ${hi}) g`;
    await db.query(`INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status, created_at, updated_at, resolved_at, first_resolved_at)
      SELECT r.conversation_id, ${uuid(workspaceId)}, r.channel_id, r.bot_id, md5('u' || (r.g % ${CUSTOMERS}))::uuid, 'RESOLVED', r.at, r.at, r.at, r.at
      FROM (${rows}) r`);
    await db.query(`INSERT INTO csat_survey (id, workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, dispatched_at,
                                             expires_at, token_hash, emailed, score, comment, answered_at, answered_via, created_at)
      SELECT md5('s' || r.g)::uuid, ${uuid(workspaceId)}, r.conversation_id, r.bot_id, r.channel_id,
             (CASE WHEN r.roll < 40 THEN 'SUBMITTED' ELSE 'DISPATCHED' END)::"CsatSurveyState", 'INBOX', r.at, r.at, r.at + interval '30 days',
             md5('t' || r.g), true,
             CASE WHEN r.roll < 40 THEN r.score END,
             CASE WHEN r.roll < 12 THEN 'The ' || (${words})[1 + r.w1] || ' and ' || (${words})[1 + r.w2] || ' part, ticket ' || r.g END,
             CASE WHEN r.roll < 40 THEN least(r.at + interval '1 minute' * (r.g % 2880), timestamptz '${now}') END,
             CASE WHEN r.roll < 40 THEN 'EMAIL_LINK'::"CsatAnswerVia" END,
             r.at
      FROM (${rows}) r`);
    const done = hi + 1;
    console.log(`  ${done.toLocaleString("en")} / ${count.toLocaleString("en")} surveys (${Math.round(done / ((performance.now() - started) / 1000)).toLocaleString("en")}/s)`);
  }
  // Low answers have follow-ups, as answering them would have opened.
  await db.query(`INSERT INTO csat_follow_up (workspace_id, survey_id, status, created_at, updated_at)
    SELECT workspace_id, id, 'OPEN', answered_at, answered_at FROM csat_survey WHERE workspace_id = ${uuid(workspaceId)} AND score <= 2`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const created = REUSE ? null : await createTestDatabase({ prefix: "hydra_bench_responses", adminUrl: PG_ADMIN_URL });
  const name = REUSE ?? created!.name;
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const direct = new pg.Client({ connectionString: dbUrl.toString() });
  let running: RunningApp | undefined;
  try {
    await direct.connect();
    const version = (await direct.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
    running = await buildApp({
      config: { ...readConfig({}), port: 0, seedDemo: false, workerIntervalMs: 3_600_000, production: true, rateLimitTokenPerMinute: 0, rateLimitApiPerMinute: 0, databaseUrl: dbUrl.toString() },
      log: { info: () => {}, warn: (l) => console.warn(l), error: (l, e) => console.error(l, e) },
    });
    const url = await running.start(0);
    let token: string;
    if (REUSE) {
      const email = (await direct.query<{ email: string }>("SELECT email FROM teammate ORDER BY created_at LIMIT 1")).rows[0]!.email;
      token = (await gql(url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: email, p: "bench-password" })).signIn.token;
    } else {
      console.log(`PostgreSQL ${version}: database ${name}, ${SURVEYS.toLocaleString("en")} surveys`);
      const ws = await gql(url, `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { token workspace { id } } }`, {
        input: { name: "Bench", adminEmail: `admin-${Date.now()}@bench.test`, adminName: "Bench Admin", password: "bench-password" },
      });
      token = ws.createWorkspace.token;
      const bots: string[] = [];
      for (const bot of ["Ava", "Billing bot", "Returns bot"]) bots.push((await gql(url, `mutation($n: String!) { createBot(name: $n) { id } }`, { n: bot }, token)).createBot.id);
      const channels: string[] = [];
      for (const [channel, kind] of [["Website chat", "WEB_WIDGET"], ["Support email", "EMAIL"]]) {
        channels.push((await gql(url, `mutation($n: String!, $k: ChannelKind!) { createChannel(name: $n, kind: $k) { id } }`, { n: channel, k: kind }, token)).createChannel.id);
      }
      const seeded = performance.now();
      await seed(direct, ws.createWorkspace.workspace.id, bots, channels, SURVEYS);
      console.log(`seeded in ${((performance.now() - seeded) / 1000).toFixed(0)} s; VACUUM ANALYZE…`);
      await direct.query("VACUUM ANALYZE");
    }
    // A cursor deep in the list: the 50th page's.
    let deep: string | null = null;
    for (let i = 0; i < 50; i++) deep = (await gql(url, RESPONSES, { first: 50, after: deep }, token)).csatResponses.pageInfo.endCursor;
    // `goal: false`: the counts, which the page asks apart (no page waits for one), shown for their cost.
    const cases: { name: string; run: () => Promise<unknown>; goal?: false }[] = [
      { name: "{ me { id } } (baseline)", run: () => gql(url, `{ me { id } }`, {}, token) },
      { name: "csatResponses first page", run: () => gql(url, RESPONSES, { first: 50 }, token) },
      { name: "… search \"refund\"", run: () => gql(url, RESPONSES, { first: 50, filter: { search: "refund" } }, token) },
      { name: "… search \"milo\" (names)", run: () => gql(url, RESPONSES, { first: 50, filter: { search: "milo" } }, token) },
      { name: "… 1–2 stars, last 30 days", run: () => gql(url, RESPONSES, { first: 50, filter: { range: "LAST_30_DAYS", scores: [1, 2] } }, token) },
      { name: "… page 51", run: () => gql(url, RESPONSES, { first: 50, after: deep }, token) },
      { name: "count: all (not held)", run: () => gql(url, COUNT, {}, token), goal: false },
      { name: "count: \"refund\" (not held)", run: () => gql(url, COUNT, { filter: { search: "refund" } }, token), goal: false },
    ];
    for (const c of cases) await c.run(); // warm-up
    const samples = cases.map(() => [] as number[]);
    const load = loadavg().map((n) => n.toFixed(1)).join(" ");
    for (let r = 0; r < RUNS; r++) {
      for (const [i, c] of cases.entries()) {
        const t = performance.now();
        await c.run();
        samples[i]!.push(performance.now() - t);
      }
    }
    const rows = cases.map((c, i) => {
      const sorted = [...samples[i]!].sort((a, b) => a - b);
      return { name: c.name, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
    });
    const base = rows[0]!.p95;
    console.log(`\nPostgreSQL ${version}, ${SURVEYS.toLocaleString("en")} surveys, ${RUNS} runs each, interleaved (load average ${load} on ${cpus().length} cores):`);
    console.log(`${"query".padEnd(30)}${"p50".padStart(10)}${"p95".padStart(10)}${"p99".padStart(10)}${"p95 ÷ me".padStart(10)}`);
    const ms = (n: number) => `${n.toFixed(2)} ms`.padStart(10);
    for (const r of rows) console.log(`${r.name.padEnd(30)}${ms(r.p50)}${ms(r.p95)}${ms(r.p99)}${`${(r.p95 / base).toFixed(2)}×`.padStart(10)}`);
    const worst = Math.max(...rows.slice(1).filter((_, i) => cases[i + 1]!.goal !== false).map((r) => r.p95 / base));
    console.log(`worst p95 ÷ baseline p95 = ${worst.toFixed(2)}× (goal ≤ ${GOAL}×: ${worst <= GOAL ? "met" : "MISSED"})`);
    mkdirSync("bench-results", { recursive: true });
    writeFileSync(`bench-results/responses-${Date.now()}.json`, JSON.stringify({ version, surveys: SURVEYS, runs: RUNS, load, rows }, null, 2));
  } finally {
    await running?.stop();
    await direct.end().catch(() => {});
    if (KEEP || REUSE) console.log(`kept database ${name}: measure again with npm run bench:responses -- --reuse ${name}`);
    else await created?.drop();
  }
}

await main();
