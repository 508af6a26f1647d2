// Throughput and server CPU per operation of the two hot writes over HTTP keep-alive (100
// connections, autocannon), each on fresh rows, beside two baselines measured in the same rounds on
// the same tables:
//   F0  node:http + pg (bench/baselines/f0.ts), the floor for the REST routes;
//   B2  bare graphql-yoga + pg (bench/baselines/b2.ts), the floor for the GraphQL mutations.
// submit: one answer per fresh survey token; resolve: the first resolve of a fresh conversation
// (survey created, dispatched inline, email written to the outbox).
// Every goal is a ratio to a baseline taken in the same round (targets take turns, round after
// round), so it holds on a slower or busier machine: each round gives one ratio, the table shows
// the median of the rounds and their spread (min–max). Server CPU per operation is the server
// process's own CPU time (process.cpuUsage) over the measured window ÷ right answers. Latency is
// measured at a steady 50% of the capacity each target showed in this run, never a fixed rate.
// BENCH_PROFILE=1: every measured window is also CPU-profiled (bench/lib/metrics-preload.ts); the
// profiles and a summary of self time per target go to bench-results/profiles/<time>/.
import { createBenchDatabase, POOL_SIZE, seedConversations, seededIds, seedWorkspace, type Seeded } from "./lib/db.js";
import { runLoad, runPaced, CONNECTIONS, type LoadResult, type LoadTarget } from "./lib/load.js";
import { baseTree, ROOT, serverCpus, startHydra, startNodeServer, type NodeServer } from "./lib/process.js";
import { median as medianOf, ratioRow, row, runAsScript, spread, type PartResult, type Row } from "./lib/report.js";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { formatProfile, summarizeProfile } from "./lib/cpuprofile.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** BENCH_OPS=resolve (or submit) measures only that one. */
const OPS = (["submit", "resolve"] as const).filter((op) => !process.env.BENCH_OPS || process.env.BENCH_OPS.split(",").includes(op));
/** Fresh surveys and conversations for every request of every run; generous for this machine. */
const SURVEYS = Number(process.env.BENCH_SUBMIT_ROWS ?? 300_000);
const CONVERSATIONS = Number(process.env.BENCH_RESOLVE_ROWS ?? 250_000);

const CSRF = { "x-hydra-csrf": "1" };
const SUBMIT_QUERY =
  "mutation WidgetSubmitCsat($token: String!, $score: Int!, $comment: String) { submitCsat(token: $token, score: $score, comment: $comment) { outcome survey { score } } }";
const RESOLVE_QUERY =
  "mutation ResolveConversation($id: ID!) { resolveConversation(id: $id) { id status resolvedAt updatedAt csatSurvey { id state dueAt dispatchedAt expiresAt deliveredToWidget emailed score comment answeredAt answeredVia resolvedVia } } }";

/** Hands out each seeded row once, across all servers and runs. */
function counter(from: number, to: number) {
  let next = from;
  return () => (next <= to ? next++ : to + 1 + next++);
}

function submitTargets(server: NodeServer, ids: Seeded, next: () => number) {
  const rest: LoadTarget = {
    url: server.url,
    method: "POST",
    path: "/api/csat/submit",
    request: () => ({ body: JSON.stringify({ token: ids.surveyToken(next()), score: 4, comment: "Quick and kind" }) }),
    ok: (status, body) => status === 200 && body.includes('"ACCEPTED"'),
  };
  const graphql: LoadTarget = {
    url: server.url,
    method: "POST",
    path: "/graphql",
    headers: CSRF,
    request: () => ({
      body: JSON.stringify({ query: SUBMIT_QUERY, variables: { token: ids.surveyToken(next()), score: 4, comment: "Quick and kind" } }),
    }),
    ok: (status, body) => status === 200 && body.includes('"ACCEPTED"') && !body.includes('"errors"'),
  };
  return { rest, graphql };
}

function resolveTargets(server: NodeServer, ids: Seeded, sessionToken: string, next: () => number) {
  const auth = { authorization: `Bearer ${sessionToken}` };
  const rest: LoadTarget = {
    url: server.url,
    method: "PATCH",
    path: "/api/conversations/x",
    headers: auth,
    request: () => ({ path: `/api/conversations/${ids.conversationId(next())}`, body: '{"status":"resolved"}' }),
    ok: (status, body) => status === 200 && body.includes('"DISPATCHED"'),
  };
  const graphql: LoadTarget = {
    url: server.url,
    method: "POST",
    path: "/graphql",
    headers: { ...auth, ...CSRF },
    request: () => ({ body: JSON.stringify({ query: RESOLVE_QUERY, variables: { id: ids.conversationId(next()) } }) }),
    ok: (status, body) => status === 200 && body.includes('"DISPATCHED"') && !body.includes('"errors"'),
  };
  return { rest, graphql };
}

type Run = LoadResult & { serverCpuMsPerOp: number; profile?: string };

/** Each figure's median over the rounds (wrong answers and errors summed). */
function median(rs: Run[]): Run {
  const mid = (f: (r: Run) => number) => medianOf(rs.map(f));
  const sum = (f: (r: Run) => number) => rs.reduce((a, r) => a + f(r), 0);
  return {
    ...rs[0]!,
    okPerSec: mid((r) => r.okPerSec),
    latencyP50Ms: mid((r) => r.latencyP50Ms),
    latencyP99Ms: mid((r) => r.latencyP99Ms),
    latencyMaxMs: Math.max(...rs.map((r) => r.latencyMaxMs)),
    serverCpuMsPerOp: mid((r) => r.serverCpuMsPerOp),
    requests: sum((r) => r.requests),
    ok: sum((r) => r.ok),
    wrong: sum((r) => r.wrong),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    sample: rs.find((r) => r.sample)?.sample ?? null,
  };
}

function describe(r: LoadResult): string {
  const bad = r.wrong + r.errors;
  return bad > 0 ? `${r.wrong} wrong, ${r.errors} errors${r.sample ? `: ${r.sample.slice(0, 120)}` : ""}` : "";
}

/** The ratio of two targets' figures round by round (the same round: the same machine weather). */
function perRound(a: Run[], b: Run[], f: (r: Run) => number): number[] {
  return a.map((r, i) => f(r) / f(b[i]!)).filter((x) => Number.isFinite(x));
}

export async function benchSubmit(): Promise<PartResult> {
  const db = await createBenchDatabase("submit");
  try {
    const ids = seededIds(randomBytes(8).toString("hex"));
    const t0 = Date.now();
    const ws = await seedWorkspace(db.pool, "Bench Submit");
    await seedConversations(db.pool, ws, ids, 1, SURVEYS, "dispatched");
    await seedConversations(db.pool, ws, ids, SURVEYS + 1, SURVEYS + CONVERSATIONS, "open");
    console.log(`[submit] seeded ${SURVEYS} dispatched surveys and ${CONVERSATIONS} open conversations in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (process.env.BENCH_NO_TALLY) await db.pool.query("ALTER TABLE csat_survey DISABLE TRIGGER USER");
    const nextSurvey = counter(1, SURVEYS);
    const nextConversation = counter(SURVEYS + 1, SURVEYS + CONVERSATIONS);
    const profileDir = process.env.BENCH_PROFILE ? join(ROOT, "bench-results/profiles", new Date().toISOString().replace(/[:.]/g, "-")) : null;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      ...(profileDir ? { BENCH_CPU_PROFILE_DIR: profileDir } : {}),
    };
    /** The load run, and the server's CPU time per right answer during it (robust to a busy machine). */
    const load = async (t: LoadTarget, server: NodeServer): Promise<Run> => {
      const before: { cpu: number } = { cpu: 0 };
      // No forced GC around the window: its sweeping would land in the window, costlier the bigger the heap.
      const r = await runLoad(t, { warmupSec: WARMUP, seconds: SECONDS, beforeMeasure: async () => void (before.cpu = (await server.cpu()).cpuMs) });
      const after = await server.cpu();
      return { ...r, serverCpuMsPerOp: (after.cpuMs - before.cpu) / Math.max(1, r.ok), ...(after.profile ? { profile: after.profile } : {}) };
    };

    // All three servers run at once (idle ones cost nothing) and take turns, round after round, so a
    // machine that gets busier or quieter during the part treats them alike.
    // BENCH_BASE=<rev>: that commit's server too, taking its turn in every round (see baseTree).
    const baseRev = process.env.BENCH_BASE;
    const [f0, b2, hydra, base] = await Promise.all([
      startNodeServer("F0", "bench/baselines/f0.ts", env),
      startNodeServer("B2", "bench/baselines/b2.ts", env),
      startHydra("Hydra", db.url, env),
      baseRev ? startHydra("Base", db.url, env, baseTree(baseRev)) : null,
    ]);
    const servers = [f0, b2, hydra, base].filter((x): x is NodeServer => x !== null);
    // A first gc line starts the profilers; what ran before (start-up, seeding) stays out.
    if (profileDir) await Promise.all(servers.map((s) => s.cpu()));
    const runs: Record<string, Run[]> = {};
    const halfLoad: Record<string, { rate: number; latencyP50Ms: number; latencyP99Ms: number; okPerSec: number }> = {};
    try {
      const targets: Record<"submit" | "resolve", [string, NodeServer, LoadTarget][]> = {
        submit: [
          ["F0 submit", f0!, submitTargets(f0!, ids, nextSurvey).rest],
          ["B2 submit", b2!, submitTargets(b2!, ids, nextSurvey).graphql],
          ["Hydra GraphQL submit", hydra!, submitTargets(hydra!, ids, nextSurvey).graphql],
          ["Hydra REST submit", hydra!, submitTargets(hydra!, ids, nextSurvey).rest],
          ...(base
            ? ([
                ["Base GraphQL submit", base, submitTargets(base, ids, nextSurvey).graphql],
                ["Base REST submit", base, submitTargets(base, ids, nextSurvey).rest],
              ] as [string, NodeServer, LoadTarget][])
            : []),
        ],
        resolve: [
          ["F0 resolve", f0!, resolveTargets(f0!, ids, ws.sessionToken, nextConversation).rest],
          ["B2 resolve", b2!, resolveTargets(b2!, ids, ws.sessionToken, nextConversation).graphql],
          ["Hydra GraphQL resolve", hydra!, resolveTargets(hydra!, ids, ws.sessionToken, nextConversation).graphql],
          ["Hydra REST resolve", hydra!, resolveTargets(hydra!, ids, ws.sessionToken, nextConversation).rest],
          ...(base
            ? ([
                ["Base GraphQL resolve", base, resolveTargets(base, ids, ws.sessionToken, nextConversation).graphql],
                ["Base REST resolve", base, resolveTargets(base, ids, ws.sessionToken, nextConversation).rest],
              ] as [string, NodeServer, LoadTarget][])
            : []),
        ],
      };
      for (const op of OPS) {
        for (let round = 1; round <= ROUNDS; round++) {
          // Each round starts with a different target, so none always follows the same one.
          const order = targets[op].map((_, i) => targets[op][(i + round - 1) % targets[op].length]!);
          for (const [name, server, target] of order) {
            const r = await load(target, server);
            (runs[name] ??= []).push(r);
            console.log(
              `[submit] round ${round} ${name}: ${r.okPerSec.toFixed(0)}/s p99 ${r.latencyP99Ms} ms, server CPU ${r.serverCpuMsPerOp.toFixed(3)} ms/op ${describe(r)}`,
            );
          }
        }
      }
      // p99 at 100 connections flat out is mostly queueing (at least 100 ÷ throughput); at a steady
      // half of the rate each target reached in this run, it is the latency of the operation itself.
      for (const op of OPS) {
        for (const [name, server, target] of targets[op]) {
          if (name.startsWith("Base ")) continue;
          const rate = Math.max(10, Math.floor(median(runs[name]!).okPerSec / 2));
          const r = await runPaced(target, { warmupSec: 1, seconds: SECONDS, rate });
          if (profileDir) await server.cpu(); // the paced window's profile is not a flat-out one
          halfLoad[name] = { rate, latencyP50Ms: r.latencyP50Ms, latencyP99Ms: r.latencyP99Ms, okPerSec: r.okPerSec };
          console.log(`[submit] ${name} at ${rate}/s: p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`);
        }
      }
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
    const results = Object.fromEntries(Object.entries(runs).map(([name, rs]) => [name, median(rs)]));
    const profiles = profileDir ? writeProfileSummary(profileDir, runs) : null;

    const rows: Row[] = [];
    for (const op of OPS) {
      const part = op === "submit" ? "submitCsat" : "resolveConversation";
      const [f0, b2, gql, rest] = ["F0", "B2", "Hydra GraphQL", "Hydra REST"].map((t) => runs[`${t} ${op}`]!) as [Run[], Run[], Run[], Run[]];
      const m = (rs: Run[]) => median(rs);
      const unit = op === "submit" ? "answers/s" : "resolves/s";
      const context = (rs: Run[]) => {
        const r = m(rs);
        return `median ${r.okPerSec.toFixed(0)}/s (rounds ${spread(rs.map((x) => x.okPerSec), 0)}), server CPU ${r.serverCpuMsPerOp.toFixed(2)} ms/op (rounds ${spread(rs.map((x) => x.serverCpuMsPerOp), 2)}), p99 flat out ${r.latencyP99Ms} ms ${describe(r)}`.trim();
      };
      const paced = (name: string, floorName: string) => {
        const h = halfLoad[name];
        const f = halfLoad[floorName];
        if (!h || !f) return row(part, `${name.split(" ").slice(0, -1).join(" ")} p99 at 50% of its capacity ÷ the floor's`, NaN, "×", "≤ 2", null, "not measured");
        const ratio = h.latencyP99Ms / f.latencyP99Ms;
        return row(part, `${name.split(" ").slice(0, -1).join(" ")} p99 at 50% of its capacity ÷ the floor's at 50% of its`, ratio, "×", "≤ 2", ratio <= 2,
          `${h.latencyP99Ms} ms at ${h.rate}/s (p50 ${h.latencyP50Ms}) vs ${f.latencyP99Ms} ms at ${f.rate}/s (p50 ${f.latencyP50Ms})`);
      };
      rows.push(
        row(part, "F0 node:http + pg (baseline)", m(f0).okPerSec, unit, "", null, context(f0)),
        row(part, "B2 bare Yoga + pg (baseline)", m(b2).okPerSec, unit, "", null, context(b2)),
        row(part, "Hydra GraphQL", m(gql).okPerSec, unit, "", null, context(gql)),
        ratioRow(part, "Hydra GraphQL ÷ B2, throughput", perRound(gql, b2, (r) => r.okPerSec), ">=", 0.85),
        ratioRow(part, "Hydra GraphQL ÷ B2, server CPU per op", perRound(gql, b2, (r) => r.serverCpuMsPerOp), "<=", 1.2,
          `${m(gql).serverCpuMsPerOp.toFixed(2)} vs ${m(b2).serverCpuMsPerOp.toFixed(2)} ms`),
        paced(`Hydra GraphQL ${op}`, `B2 ${op}`),
        row(part, "Hydra REST", m(rest).okPerSec, unit, "", null, context(rest)),
        ratioRow(part, "Hydra REST ÷ F0, throughput", perRound(rest, f0, (r) => r.okPerSec), ">=", 0.8),
        ratioRow(part, "Hydra REST ÷ F0, server CPU per op", perRound(rest, f0, (r) => r.serverCpuMsPerOp), "<=", 1.25,
          `${m(rest).serverCpuMsPerOp.toFixed(2)} vs ${m(f0).serverCpuMsPerOp.toFixed(2)} ms`),
        paced(`Hydra REST ${op}`, `F0 ${op}`),
      );
      if (runs[`Base GraphQL ${op}`]) {
        for (const door of ["GraphQL", "REST"]) {
          const [mine, theirs] = [runs[`Hydra ${door} ${op}`]!, runs[`Base ${door} ${op}`]!];
          // What the change since that commit bought: context, not a goal.
          const context = (r: Row): Row => ({ ...r, goal: "", met: null });
          rows.push(
            context(ratioRow(part, `Hydra ${door} ÷ ${baseRev} (BENCH_BASE), server CPU per op`, perRound(mine, theirs, (r) => r.serverCpuMsPerOp), "<=", 1,
              `${m(mine).serverCpuMsPerOp.toFixed(2)} vs ${m(theirs).serverCpuMsPerOp.toFixed(2)} ms`)),
            context(ratioRow(part, `Hydra ${door} ÷ ${baseRev} (BENCH_BASE), throughput`, perRound(mine, theirs, (r) => r.okPerSec), ">=", 1,
              `${m(mine).okPerSec.toFixed(0)} vs ${m(theirs).okPerSec.toFixed(0)}/s`)),
          );
        }
      }
    }
    return {
      rows,
      raw: { seconds: SECONDS, warmup: WARMUP, rounds: ROUNDS, connections: CONNECTIONS, poolSize: POOL_SIZE, serverCpus: serverCpus(), results, runs, halfLoad, profiles },
    };
  } finally {
    await db.drop();
  }
}

/** Sums each target's measured windows' profiles into one summary: bench-results/profiles/<time>/summary.txt. */
function writeProfileSummary(dir: string, runs: Record<string, Run[]>): string {
  const sections: string[] = [];
  for (const [name, rs] of Object.entries(runs)) {
    const files = rs.flatMap((r) => (r.profile ? [r.profile] : []));
    if (!files.length) continue;
    const ops = rs.reduce((a, r) => a + r.ok, 0);
    sections.push(formatProfile(name, summarizeProfile(files), ops));
  }
  const file = join(dir, "summary.txt");
  writeFileSync(file, `${sections.join("\n\n")}\n`);
  console.log(`[submit] CPU profiles and their summary: ${relative(ROOT, file)}`);
  return relative(ROOT, file);
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("submit", benchSubmit);
