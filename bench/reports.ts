// npm run bench:reports -- [--surveys 1000000] [--runs 300] [--pglite-surveys 100000] [--no-pglite]
//                           [--fresh [--keep]] [--reuse <database>] [--no-postgres]
//
// The CSAT report at scale, end to end: the real server (buildApp) over PostgreSQL, with two
// workspaces of `--surveys` dispatched surveys each, spread over the last year. Seeding 2,000,000
// surveys takes minutes, so the seeded database is kept and reused: the first run makes
// `hydra_bench_reports_<surveys>` and later runs measure it again at once (the server applies any
// newer migration on start, as in production). `--fresh` seeds a database of its own instead
// (dropped at the end unless --keep); `--reuse <name>` measures a kept one.
// Latency goals are ratios to the trivial authenticated query (`{ me { id } }`), asked on the same
// server interleaved with the reports, so they hold on any machine: each range's p95 ≤ 3× its p95,
// ALL_TIME ≤ 1.5× LAST_7_DAYS. bench/lib/latency.ts adds other queries (search, the explorer). Every range's full csatReport
// query (totals, per bot, per channel, the previous period and 20 recent comments) is asked many
// times over HTTP, interleaved; the table shows p50/p95/p99 per range, each report is checked
// against a from-scratch count of csat_survey, and the ALL_TIME CSV export is streamed once to show
// its memory stays flat. Then the same, smaller, on embedded PGlite. Raw timings go to bench-results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { buildApp, type RunningApp } from "../api/src/app.js";
import { createManualClock } from "../api/src/clock.js";
import { readConfig, type Config } from "../api/src/config.js";
import { createTestDatabase } from "../api/testkit/server.js";
import { PG_ADMIN_URL } from "./lib/db.js";
import { EXTRA_LATENCY_QUERIES, TRIVIAL_QUERY } from "./lib/latency.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SURVEYS = option("surveys", 1_000_000);
const RUNS = option("runs", 300);
const PGLITE_SURVEYS = option("pglite-surveys", 100_000);
const KEEP = args.includes("--keep");
const FRESH = args.includes("--fresh");
const REUSE = args.includes("--reuse") ? args[args.indexOf("--reuse") + 1] : undefined;
/** The kept, seeded database a run without --fresh or --reuse measures (seeding it first if needed). */
const CACHED = `hydra_bench_reports_${SURVEYS}`;
const WITH_PGLITE = !args.includes("--no-pglite");
const WITH_POSTGRES = !args.includes("--no-postgres");

const DAY = 86_400_000;
/**
 * The server's clock stands still during the bench, so each report and its from-scratch check see
 * the same "now"; the data is seeded relative to it (a reused database brings its own).
 */
let NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let RANGES: { name: string; range: string; from?: string; to?: string }[] = [];
function setNow(now: Date) {
  NOW = now;
  RANGES = [
    { name: "LAST_7_DAYS", range: "LAST_7_DAYS" },
    { name: "LAST_30_DAYS", range: "LAST_30_DAYS" },
    { name: "LAST_90_DAYS", range: "LAST_90_DAYS" },
    { name: "ALL_TIME", range: "ALL_TIME" },
    {
      name: "CUSTOM (60 days)",
      range: "CUSTOM",
      from: new Date(NOW.getTime() - 300 * DAY + 7 * 3_600_000 + 13 * 60_000).toISOString(),
      to: new Date(NOW.getTime() - 240 * DAY - 2 * 3_600_000).toISOString(),
    },
  ];
}
setNow(NOW);

const FIGURES = `averageRating responseRate satisfiedRate sent submitted ratingDistribution { score count }`;
const PERIOD = `totals { ${FIGURES} } byBot { id label figures { ${FIGURES} } } byChannel { id label figures { ${FIGURES} } }`;
const REPORT = `query Report($range: CsatRange!, $from: DateTime, $to: DateTime) {
  csatReport(range: $range, from: $from, to: $to) {
    range from to ${PERIOD} byTeammate { id label figures { ${FIGURES} } } byReason { reason count } skipped { reason count }
    previous { from to ${PERIOD} }
    recentComments(first: 20) { score comment answeredAt bot { id name } channel { id name } }
  }
}`;

const quiet = { info: () => {}, warn: (l: string) => console.warn(l), error: (l: string, e?: unknown) => console.error(l, e) };

interface Workspace {
  name: string;
  id: string;
  token: string;
  bots: string[];
  channels: string[];
  /** Teammates credited with the seeded surveys (besides no one). */
  teammates: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bench reads what it asked for
type Data = Record<string, any>;

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string, retry = true): Promise<Data> {
  let res: Response;
  try {
    res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    // A keep-alive socket that idled through seeding (PGlite blocks the event loop) may be gone.
    if (retry) return gql(url, query, variables, token, false);
    throw err;
  }
  const body = (await res.json()) as { data?: Data; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function createWorkspace(url: string, name: string): Promise<Workspace> {
  const created = await gql(url, `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { token workspace { id } } }`, {
    input: { name, adminEmail: `admin-${Date.now()}-${name.toLowerCase()}@bench.test`, adminName: "Bench Admin", password: "bench-password" },
  });
  const token = created.createWorkspace.token as string;
  const bots: string[] = [];
  for (const bot of ["Ava", "Billing bot", "Returns bot", "Night shift", "Onboarding"]) {
    bots.push((await gql(url, `mutation($n: String!) { createBot(name: $n) { id } }`, { n: bot }, token)).createBot.id);
  }
  const channels: string[] = [];
  for (const [channel, kind] of [["Website chat", "WEB_WIDGET"], ["Support email", "EMAIL"], ["Public API", "API"]]) {
    channels.push((await gql(url, `mutation($n: String!, $k: ChannelKind!) { createChannel(name: $n, kind: $k) { id } }`, { n: channel, k: kind }, token)).createChannel.id);
  }
  const teammates: string[] = [];
  for (let i = 1; i <= 8; i++) {
    const input = { email: `t${i}-${Date.now()}-${name.toLowerCase()}@bench.test`, name: `Teammate ${i}`, role: "AGENT", password: "bench-password" };
    teammates.push((await gql(url, `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { id } }`, { input }, token)).createTeammate.id);
  }
  return { name, id: created.createWorkspace.workspace.id, token, bots, channels, teammates };
}

const uuid = (s: string) => {
  if (!/^[0-9a-f-]{36}$/.test(s)) throw new Error(`not a uuid: ${s}`);
  return `'${s}'::uuid`;
};

/**
 * Seeds `count` conversations and their surveys, oldest first, spread evenly over the year before
 * NOW: ~1/6 without a bot, ~1/10 without a channel, 1% cancelled before dispatch, 40% of the
 * dispatched ones answered (mostly 4 and 5), 30% of answers with a comment. Batched INSERT … SELECT
 * generate_series; the survey inserts go through the tally triggers like any other.
 */
async function seed(exec: (sql: string) => Promise<unknown>, ws: Workspace, count: number, log: (line: string) => void) {
  await exec(`INSERT INTO customer (id, workspace_id, name, email)
    SELECT md5('u${ws.id}' || g)::uuid, ${uuid(ws.id)}, 'Bench customer ' || g, 'customer' || g || '@bench.test' FROM generate_series(0, 99) g`);
  const batch = 100_000;
  const bots = `ARRAY[${ws.bots.map(uuid).join(", ")}, NULL]::uuid[]`;
  const channels = `ARRAY[${ws.channels.map(uuid).join(", ")}, ${ws.channels.map(uuid).join(", ")}, ${uuid(ws.channels[0]!)}, NULL]::uuid[]`;
  // Eight teammates and no one (1 in 9): credit multiplies the tally keys a report reads.
  const teammates = `ARRAY[${[...ws.teammates.map(uuid), "NULL"].join(", ")}]::uuid[]`;
  const started = performance.now();
  for (let lo = 0; lo < count; lo += batch) {
    const hi = Math.min(count, lo + batch) - 1;
    // Every row's values come from hashes of its number, so the data is the same on every run.
    const rows = `
      SELECT g,
             md5('c${ws.id}' || g)::uuid AS conversation_id,
             timestamptz '${NOW.toISOString()}' - interval '365 days' * (1 - g::float8 / ${count}) AS at,
             (${bots})[1 + abs(hashtext(g || ':bot')) % 6] AS bot_id,
             (${channels})[1 + abs(hashtext(g || ':channel')) % 8] AS channel_id,
             (${teammates})[1 + abs(hashtext(g || ':teammate')) % ${ws.teammates.length + 1}] AS teammate_id,
             abs(hashtext(g || ':state')) % 100 AS roll,
             abs(hashtext(g || ':score')) % 20 AS score_roll,
             abs(hashtext(g || ':delay')) % 2880 AS answer_minutes
      FROM generate_series(${lo}, ${hi}) g`;
    await exec(`INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status, created_at, updated_at, resolved_at, first_resolved_at)
      SELECT r.conversation_id, ${uuid(ws.id)}, r.channel_id, r.bot_id,
             md5('u${ws.id}' || (r.g % 100))::uuid,
             'RESOLVED', r.at, r.at, r.at, r.at
      FROM (${rows}) r`);
    await exec(`INSERT INTO csat_survey (id, workspace_id, conversation_id, bot_id, channel_id, teammate_id, state, resolved_via, due_at, dispatched_at,
                                         expires_at, token_hash, emailed, score, comment, answered_at, answered_via, cancelled_at, created_at)
      SELECT md5('s${ws.id}' || r.g)::uuid, ${uuid(ws.id)}, r.conversation_id, r.bot_id, r.channel_id, r.teammate_id,
             (CASE WHEN r.roll = 99 THEN 'CANCELLED' WHEN r.roll < 40 THEN 'SUBMITTED' ELSE 'DISPATCHED' END)::"CsatSurveyState",
             'INBOX', r.at,
             CASE WHEN r.roll = 99 THEN NULL ELSE r.at END,
             CASE WHEN r.roll = 99 THEN NULL ELSE r.at + interval '30 days' END,
             CASE WHEN r.roll = 99 THEN NULL ELSE md5('t${ws.id}' || r.g) END,
             r.roll <> 99,
             CASE WHEN r.roll < 40 THEN (CASE WHEN r.score_roll = 0 THEN 1 WHEN r.score_roll = 1 THEN 2 WHEN r.score_roll < 4 THEN 3
                                              WHEN r.score_roll < 10 THEN 4 ELSE 5 END) END,
             CASE WHEN r.roll < 12 THEN 'Bench comment ' || r.g END,
             CASE WHEN r.roll < 40 THEN
               CASE WHEN r.at + interval '1 minute' * r.answer_minutes < timestamptz '${NOW.toISOString()}' THEN r.at + interval '1 minute' * r.answer_minutes
                    ELSE r.at + (timestamptz '${NOW.toISOString()}' - r.at) * ((r.score_roll + 1) / 21.0) END
             END,
             CASE WHEN r.roll < 40 THEN 'EMAIL_LINK'::"CsatAnswerVia" END,
             CASE WHEN r.roll = 99 THEN r.at END,
             r.at
      FROM (${rows}) r`);
    const done = hi + 1;
    const rate = done / ((performance.now() - started) / 1000);
    log(`  ${ws.name}: ${done.toLocaleString("en")} / ${count.toLocaleString("en")} surveys (${Math.round(rate).toLocaleString("en")}/s)`);
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Timing {
  name: string;
  kind: "range" | "trivial" | "extra";
  /** The goal: p95 ≤ this many times the trivial query's; null for the trivial query. */
  timesTrivial: number | null;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  raw: number[];
}

/** What measure() asks, each `runs` times, round-robin: every range's report, the trivial query, the extra queries. */
interface Asked {
  name: string;
  ask: () => Promise<unknown>;
  /** The goal as a multiple of the trivial query's p95; null for the trivial query itself. */
  timesTrivial: number | null;
  kind: "range" | "trivial" | "extra";
}

/** Runs every range, the trivial query and the extra ones `runs` times, round-robin, after a warm-up, one request at a time. */
async function measure(url: string, ws: Workspace, runs: number): Promise<Timing[]> {
  const asked: Asked[] = [
    ...RANGES.map((r) => ({ name: r.name, kind: "range" as const, timesTrivial: 3, ask: () => gql(url, REPORT, { range: r.range, from: r.from, to: r.to }, ws.token) })),
    { name: TRIVIAL, kind: "trivial", timesTrivial: null, ask: () => gql(url, TRIVIAL_QUERY, {}, ws.token) },
    ...EXTRA_LATENCY_QUERIES.map((q) => ({ name: q.name, kind: "extra" as const, timesTrivial: q.timesTrivial ?? 3, ask: () => gql(url, q.query, q.variables ?? {}, ws.token) })),
  ];
  const samples = new Map<string, number[]>(asked.map((a) => [a.name, []]));
  for (let i = 0; i < 20; i++) for (const a of asked) await a.ask();
  for (let i = 0; i < runs; i++) {
    for (const a of asked) {
      const t0 = performance.now();
      await a.ask();
      samples.get(a.name)!.push(performance.now() - t0);
    }
  }
  return asked.map((a) => {
    const raw = samples.get(a.name)!;
    const sorted = [...raw].sort((x, y) => x - y);
    return {
      name: a.name,
      kind: a.kind,
      timesTrivial: a.timesTrivial,
      runs: raw.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      mean: raw.reduce((x, y) => x + y, 0) / raw.length,
      max: sorted[sorted.length - 1]!,
      raw,
    };
  });
}

const TRIVIAL = "trivial { me { id } }";

function printTable(title: string, timings: Timing[]) {
  const ms = (n: number) => `${n.toFixed(2)} ms`.padStart(10);
  const trivial = timings.find((t) => t.kind === "trivial")!;
  console.log(`\n${title}`);
  console.log(`${"query".padEnd(22)}${"runs".padStart(6)}${"p50".padStart(10)}${"p95".padStart(10)}${"p99".padStart(10)}${"mean".padStart(10)}${"max".padStart(10)}   p95 ÷ trivial's`);
  for (const t of timings) {
    const ratio = t.timesTrivial === null ? "" : `   ${(t.p95 / trivial.p95).toFixed(2)} (goal ≤ ${t.timesTrivial}: ${t.p95 <= t.timesTrivial * trivial.p95 ? "met" : "MISSED"})`;
    console.log(`${t.name.padEnd(22)}${String(t.runs).padStart(6)}${ms(t.p50)}${ms(t.p95)}${ms(t.p99)}${ms(t.mean)}${ms(t.max)}${ratio}`);
  }
  const week = timings.find((t) => t.name === "LAST_7_DAYS")!;
  const all = timings.find((t) => t.name === "ALL_TIME")!;
  const worst = Math.max(...timings.filter((t) => t.kind === "range").map((t) => t.p95));
  console.log(
    `p95 worst range ${worst.toFixed(2)} ms = ${(worst / trivial.p95).toFixed(2)}× the trivial query's ${trivial.p95.toFixed(2)} ms (goal ≤ 3×); ` +
      `ALL_TIME / LAST_7_DAYS p95 = ${(all.p95 / week.p95).toFixed(2)} (goal ≤ 1.5: ${all.p95 <= 1.5 * week.p95 ? "met" : "MISSED"})`,
  );
}

/** Each range's report totals, and its previous period's, against a plain count over csat_survey. */
async function check(
  url: string,
  ws: Workspace,
  count: (from: Date | null, to: Date | null) => Promise<{ sent: number; submitted: number; score_sum: number }>,
) {
  const lines: string[] = [];
  for (const r of RANGES) {
    const report = (await gql(url, REPORT, { range: r.range, from: r.from, to: r.to }, ws.token)).csatReport;
    for (const [label, period] of [["", report], [" (previous)", report.previous]] as const) {
      if (!period) continue;
      const from = period.from ? new Date(period.from) : null;
      const to = period.to ? new Date(period.to) : null;
      const t0 = performance.now();
      const plain = await count(from, to);
      const plainMs = performance.now() - t0;
      const avg = plain.submitted ? Math.round((plain.score_sum / plain.submitted) * 100) / 100 : null;
      const ok = period.totals.sent === plain.sent && period.totals.submitted === plain.submitted && period.totals.averageRating === avg;
      if (!ok) throw new Error(`${ws.name} ${r.name}${label}: report ${JSON.stringify(period.totals)} ≠ count ${JSON.stringify(plain)}`);
      lines.push(`  ${(r.name + label).padEnd(30)} sent ${String(plain.sent).padStart(9)}  submitted ${String(plain.submitted).padStart(8)}  ✓ (a plain count over csat_survey: ${plainMs.toFixed(0)} ms)`);
    }
  }
  return lines;
}

const countSql = (workspaceId: string, from: Date | null, to: Date | null) => `
  SELECT count(*)::int AS sent, count(answered_at)::int AS submitted, coalesce(sum(score) FILTER (WHERE answered_at IS NOT NULL), 0)::int AS score_sum
  FROM csat_survey WHERE workspace_id = ${uuid(workspaceId)} AND dispatched_at IS NOT NULL AND state IN ('DISPATCHED', 'SUBMITTED')
  ${from ? `AND dispatched_at >= '${from.toISOString()}'` : ""} ${to ? `AND dispatched_at < '${to.toISOString()}'` : ""}`;

/**
 * Streams a range's CSV export once, sampling the process's memory while it runs. With
 * --expose-gc (as `npm run bench:reports` runs) each sample follows a full GC, so it shows what
 * is live rather than garbage not yet collected.
 */
async function exportOnce(url: string, ws: Workspace, range: string) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    gc?.();
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 250);
  const t0 = performance.now();
  const res = await fetch(`${url}/api/csat/export.csv?range=${range}`, { headers: { authorization: `Bearer ${ws.token}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  return {
    range,
    status: res.status,
    rows: lines - 1,
    megabytes: bytes / 1e6,
    seconds,
    gcBetweenSamples: Boolean(gc),
    rssGrowthMb: (peakRss - base.rss) / 1e6,
    heapGrowthMb: (peakHeap - base.heapUsed) / 1e6,
  };
}

function printExport(e: Awaited<ReturnType<typeof exportOnce>>) {
  console.log(
    `CSV export ${e.range}: ${e.rows.toLocaleString("en")} rows, ${e.megabytes.toFixed(1)} MB in ${e.seconds.toFixed(1)} s ` +
      `(${Math.round(e.rows / e.seconds).toLocaleString("en")} rows/s); memory while streaming${e.gcBetweenSamples ? " (after GC)" : ""}: ` +
      `heap +${e.heapGrowthMb.toFixed(1)} MB, RSS +${e.rssGrowthMb.toFixed(1)} MB`,
  );
}

function serverConfig(overrides: Partial<Config>): Config {
  return {
    ...readConfig({}),
    port: 0,
    seedDemo: false,
    workerIntervalMs: 3_600_000,
    production: true,
    rateLimitTokenPerMinute: 0,
    rateLimitApiPerMinute: 0,
    ...overrides,
  };
}

/** The two workspaces of a database kept by an earlier run, with a fresh sign-in each. */
async function reuseWorkspaces(url: string, direct: pg.Client): Promise<Workspace[]> {
  const meta = (await direct.query<{ now: Date; surveys: number }>("SELECT now, surveys FROM bench_meta")).rows[0]!;
  setNow(meta.now);
  const found: Workspace[] = [];
  for (const name of ["Alpha", "Beta"]) {
    const w = (await direct.query<{ id: string; email: string }>(
      `SELECT w.id, t.email FROM workspace w JOIN teammate t ON t.workspace_id = w.id WHERE w.name = $1 AND t.role = 'ADMIN'`, [name])).rows[0]!;
    const signIn = await gql(url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: w.email, p: "bench-password" });
    const ids = async (table: string) => (await direct.query<{ id: string }>(`SELECT id FROM ${table} WHERE workspace_id = $1 ORDER BY created_at, id`, [w.id])).rows.map((r) => r.id);
    found.push({ name, id: w.id, token: signIn.signIn.token, bots: await ids("bot"), channels: await ids("channel"), teammates: await ids("teammate") });
  }
  console.log(`reusing ${meta.surveys.toLocaleString("en")} surveys per workspace, seeded for ${meta.now.toISOString()}`);
  return found;
}

async function benchPostgres(results: Record<string, unknown>) {
  const cached = !FRESH && !REUSE ? await openCached() : null;
  const created = REUSE || cached ? null : await createTestDatabase({ prefix: "hydra_bench_reports", adminUrl: PG_ADMIN_URL });
  const reuse = REUSE ?? (cached?.seeded ? CACHED : undefined);
  const name = reuse ?? created?.name ?? CACHED;
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  let running: RunningApp | undefined;
  const direct = new pg.Client({ connectionString: dbUrl.toString() });
  let surveys = SURVEYS;
  try {
    await direct.connect();
    const version = (await direct.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
    // A reused database brings its own "now", which the server's clock must match.
    if (reuse) setNow((await direct.query<{ now: Date }>("SELECT now FROM bench_meta")).rows[0]!.now);
    running = await buildApp({ config: serverConfig({ databaseUrl: dbUrl.toString() }), log: quiet, clock: createManualClock(NOW) });
    const url = await running.start(0);
    let a: Workspace;
    let b: Workspace;
    let seedSeconds: number | null = null;
    if (reuse) {
      [a, b] = (await reuseWorkspaces(url, direct)) as [Workspace, Workspace];
      surveys = (await direct.query<{ surveys: number }>("SELECT surveys FROM bench_meta")).rows[0]!.surveys;
    } else {
      console.log(`PostgreSQL ${version}: database ${name}, ${SURVEYS.toLocaleString("en")} surveys in each of two workspaces`);
      a = await createWorkspace(url, "Alpha");
      b = await createWorkspace(url, "Beta");
      const seeded = performance.now();
      for (const ws of [a, b]) await seed((sql) => direct.query(sql), ws, SURVEYS, console.log);
      seedSeconds = (performance.now() - seeded) / 1000;
      console.log(`seeded in ${seedSeconds.toFixed(0)} s; VACUUM ANALYZE…`);
      await direct.query("VACUUM ANALYZE");
      // Written last: a database without it was not seeded to the end, and is seeded again.
      await direct.query("CREATE TABLE bench_meta (now timestamptz NOT NULL, surveys int NOT NULL)");
      await direct.query("INSERT INTO bench_meta VALUES ($1, $2)", [NOW, SURVEYS]);
    }
    const sizes = (
      await direct.query<{ rel: string; rows: string; size: string }>(`
        SELECT relname AS rel, reltuples::bigint::text AS rows, pg_size_pretty(pg_total_relation_size(oid)) AS size
        FROM pg_class WHERE relname IN ('csat_survey', 'csat_tally', 'conversation') ORDER BY relname`)
    ).rows;
    console.log(sizes.map((s) => `  ${s.rel}: ${Number(s.rows).toLocaleString("en")} rows, ${s.size}`).join("\n"));

    console.log("checking every range against a plain count over csat_survey:");
    const count = (ws: Workspace) => async (from: Date | null, to: Date | null) =>
      (await direct.query(countSql(ws.id, from, to))).rows[0] as { sent: number; submitted: number; score_sum: number };
    for (const ws of [a, b]) {
      console.log(` ${ws.name}:`);
      console.log((await check(url, ws, count(ws))).join("\n"));
    }

    const load = loadAverage();
    const timings = await measure(url, a, RUNS);
    printTable(
      `PostgreSQL ${version}, ${surveys.toLocaleString("en")} surveys per workspace (×2), full csatReport over HTTP, ${RUNS} runs each ` +
        `(load average ${load} → ${loadAverage()} on ${cpus().length} cores):`,
      timings,
    );
    // The same memory for 10× the rows is what "streamed" means.
    const exported = [await exportOnce(url, a, "LAST_30_DAYS"), await exportOnce(url, a, "ALL_TIME")];
    exported.forEach(printExport);
    results.postgres = { version, database: name, surveysPerWorkspace: surveys, seedSeconds, sizes, loadAverage: load, timings, export: exported };
  } finally {
    await running?.stop();
    await direct.end().catch(() => {});
    if (!FRESH && !REUSE) console.log(`kept database ${name}: the next run with --surveys ${SURVEYS} measures it again without seeding`);
    else if (KEEP || REUSE) console.log(`kept database ${name}: measure again with npm run bench:reports -- --reuse ${name} [--no-pglite]`);
    else await created?.drop();
  }
}

/**
 * The kept database for this many surveys: `seeded` when an earlier run seeded it to the end
 * (bench_meta written); otherwise it is made (again) empty, to be seeded now and kept.
 */
async function openCached(): Promise<{ seeded: boolean }> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [CACHED])).rowCount! > 0;
    if (exists) {
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${CACHED}`;
      const probe = new pg.Client({ connectionString: url.toString() });
      await probe.connect();
      const meta = await probe
        .query<{ surveys: number }>("SELECT surveys FROM bench_meta")
        .then((r) => r.rows[0] ?? null)
        .catch(() => null);
      await probe.end();
      if (meta?.surveys === SURVEYS) return { seeded: true };
      console.log(`database ${CACHED} was not seeded to the end; seeding it again`);
      await admin.query(`DROP DATABASE ${CACHED} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${CACHED}`);
    return { seeded: false };
  } finally {
    await admin.end();
  }
}

const loadAverage = () => loadavg().map((n) => n.toFixed(1)).join(" ");

async function benchPglite(results: Record<string, unknown>) {
  console.log(`\nPGlite (in memory): ${PGLITE_SURVEYS.toLocaleString("en")} surveys in each of two workspaces`);
  const running = await buildApp({ config: serverConfig({ dataDir: "memory://", databaseUrl: undefined }), log: quiet, clock: createManualClock(NOW) });
  try {
    const url = await running.start(0);
    const prisma = running.app.prisma;
    const a = await createWorkspace(url, "Alpha");
    const b = await createWorkspace(url, "Beta");
    const seeded = performance.now();
    for (const ws of [a, b]) await seed((sql) => prisma.$executeRawUnsafe(sql), ws, PGLITE_SURVEYS, console.log);
    const seedSeconds = (performance.now() - seeded) / 1000;
    await prisma.$executeRawUnsafe("VACUUM ANALYZE");
    const count = (ws: Workspace) => async (from: Date | null, to: Date | null) =>
      (await prisma.$queryRawUnsafe<{ sent: number; submitted: number; score_sum: number }[]>(countSql(ws.id, from, to)))[0]!;
    for (const ws of [a, b]) {
      console.log(` ${ws.name}:`);
      console.log((await check(url, ws, count(ws))).join("\n"));
    }
    const runs = Math.max(50, Math.round(RUNS / 2));
    const load = loadAverage();
    const timings = await measure(url, a, runs);
    printTable(
      `PGlite, ${PGLITE_SURVEYS.toLocaleString("en")} surveys per workspace (×2), full csatReport over HTTP, ${runs} runs each ` +
        `(load average ${load} → ${loadAverage()}):`,
      timings,
    );
    results.pglite = { surveysPerWorkspace: PGLITE_SURVEYS, seedSeconds, timings };
  } finally {
    await running.stop();
  }
}

const results: Record<string, unknown> = { startedAt: new Date().toISOString(), runs: RUNS };
if (WITH_POSTGRES) await benchPostgres(results);
if (WITH_PGLITE) await benchPglite(results);
results.now = NOW.toISOString();
results.ranges = RANGES;
mkdirSync("bench-results", { recursive: true });
const file = `bench-results/reports-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nraw timings: ${file}`);
