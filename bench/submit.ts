// Throughput of the two hot writes over HTTP keep-alive (100 connections, autocannon), each on
// fresh rows, beside two baselines measured in the same run on the same tables:
//   F0  node:http + pg (bench/baselines/f0.ts), the floor for the REST routes;
//   B2  bare graphql-yoga + pg (bench/baselines/b2.ts), the floor for the GraphQL mutations.
// submit: one answer per fresh survey token; resolve: the first resolve of a fresh conversation
// (survey created, dispatched inline, email written to the outbox).
import { createBenchDatabase, POOL_SIZE, seedConversations, seededIds, seedWorkspace, type Seeded } from "./lib/db.js";
import { runLoad, runPaced, CONNECTIONS, type LoadResult, type LoadTarget } from "./lib/load.js";
import { startHydra, startNodeServer, type NodeServer } from "./lib/process.js";
import { percentile, row, runAsScript, type PartResult, type Row } from "./lib/report.js";
import { randomBytes } from "node:crypto";

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

type Run = LoadResult & { serverCpuMsPerOp: number };

/** Each figure's median over the rounds (wrong answers and errors summed). */
function median(rs: Run[]): Run {
  const mid = (f: (r: Run) => number) => percentile(rs.map(f), 50);
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
    const env = { DATABASE_URL: db.url, DATABASE_POOL_SIZE: String(POOL_SIZE) };
    /** The load run, and the server's CPU time per right answer during it (robust to a busy machine). */
    const load = async (t: LoadTarget, server: NodeServer): Promise<Run> => {
      const before: { cpu: number } = { cpu: 0 };
      const r = await runLoad(t, { warmupSec: WARMUP, seconds: SECONDS, beforeMeasure: async () => void (before.cpu = (await server.gc()).cpuMs) });
      const after = (await server.gc()).cpuMs;
      return { ...r, serverCpuMsPerOp: (after - before.cpu) / Math.max(1, r.ok) };
    };

    // All three servers run at once (idle ones cost nothing) and take turns, round after round, so a
    // machine that gets busier or quieter during the part treats them alike; each figure is the median.
    const [f0, b2, hydra] = await Promise.all([
      startNodeServer("F0", "bench/baselines/f0.ts", env),
      startNodeServer("B2", "bench/baselines/b2.ts", env),
      startHydra("Hydra", db.url, env),
    ]);
    const runs: Record<string, Run[]> = {};
    const halfLoad: Record<string, { rate: number; latencyP50Ms: number; latencyP99Ms: number; okPerSec: number }> = {};
    try {
      const targets: Record<"submit" | "resolve", [string, NodeServer, LoadTarget][]> = {
        submit: [
          ["F0 submit", f0!, submitTargets(f0!, ids, nextSurvey).rest],
          ["B2 submit", b2!, submitTargets(b2!, ids, nextSurvey).graphql],
          ["Hydra GraphQL submit", hydra!, submitTargets(hydra!, ids, nextSurvey).graphql],
          ["Hydra REST submit", hydra!, submitTargets(hydra!, ids, nextSurvey).rest],
        ],
        resolve: [
          ["F0 resolve", f0!, resolveTargets(f0!, ids, ws.sessionToken, nextConversation).rest],
          ["B2 resolve", b2!, resolveTargets(b2!, ids, ws.sessionToken, nextConversation).graphql],
          ["Hydra GraphQL resolve", hydra!, resolveTargets(hydra!, ids, ws.sessionToken, nextConversation).graphql],
          ["Hydra REST resolve", hydra!, resolveTargets(hydra!, ids, ws.sessionToken, nextConversation).rest],
        ],
      };
      for (const op of OPS) {
        for (let round = 1; round <= ROUNDS; round++) {
          for (const [name, server, target] of targets[op]) {
            const r = await load(target, server);
            (runs[name] ??= []).push(r);
            console.log(
              `[submit] round ${round} ${name}: ${r.okPerSec.toFixed(0)}/s p99 ${r.latencyP99Ms} ms, server CPU ${r.serverCpuMsPerOp.toFixed(3)} ms/op ${describe(r)}`,
            );
          }
        }
      }
      // p99 at 100 connections flat out is mostly queueing (at least 100 ÷ throughput); at a steady
      // half of the rate each target reached, it is the latency of the operation itself.
      for (const op of OPS) {
        for (const [name, , target] of targets[op]) {
          const rate = Math.max(10, Math.floor(median(runs[name]!).okPerSec / 2));
          const r = await runPaced(target, { warmupSec: 1, seconds: SECONDS, rate });
          halfLoad[name] = { rate, latencyP50Ms: r.latencyP50Ms, latencyP99Ms: r.latencyP99Ms, okPerSec: r.okPerSec };
          console.log(`[submit] ${name} at ${rate}/s: p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`);
        }
      }
    } finally {
      await Promise.all([f0, b2, hydra].map((server) => server!.stop()));
    }
    const results = Object.fromEntries(Object.entries(runs).map(([name, rs]) => [name, median(rs)]));

    const rows: Row[] = [];
    for (const op of OPS) {
      const part = op === "submit" ? "submitCsat" : "resolveConversation";
      const f0 = results[`F0 ${op}`]!;
      const b2 = results[`B2 ${op}`]!;
      const gql = results[`Hydra GraphQL ${op}`]!;
      const rest = results[`Hydra REST ${op}`]!;
      const unit = op === "submit" ? "answers/s" : "resolves/s";
      const cpu = (r: (typeof results)[string]) => `server CPU ${r.serverCpuMsPerOp.toFixed(2)} ms/op`;
      const half = (name: string) => {
        const h = halfLoad[name];
        return h ? `; at a steady ${h.rate}/s (half) p50 ${h.latencyP50Ms} ms, p99 ${h.latencyP99Ms} ms` : "";
      };
      // Little's law: 100 requests always in flight wait 100 ÷ throughput on average.
      const queueing = (r: Run, floor: Run) =>
        `queueing: 100 connections ÷ ${r.okPerSec.toFixed(0)}/s = ${(100_000 / r.okPerSec).toFixed(0)} ms mean wait; the floor's own p99 ${floor.latencyP99Ms} ms`;
      const pacedRow = (p: string, what: string, name: string, floorName: string) => {
        const h = halfLoad[name];
        const f = halfLoad[floorName];
        if (!h) return row(p, what, NaN, "ms", "≤ 25 ms", null, "not measured");
        return row(p, what, h.latencyP99Ms, "ms", "≤ 25 ms", h.latencyP99Ms <= 25,
          `${h.rate}/s, p50 ${h.latencyP50Ms} ms${f ? `; the floor at ${f.rate}/s: p99 ${f.latencyP99Ms} ms` : ""}`);
      };
      rows.push(
        row(part, "F0 node:http + pg (baseline)", f0.okPerSec, unit, "", null, `p99 ${f0.latencyP99Ms} ms, ${cpu(f0)}${half(`F0 ${op}`)} ${describe(f0)}`.trim()),
        row(part, "B2 bare Yoga + pg (baseline)", b2.okPerSec, unit, "", null, `p99 ${b2.latencyP99Ms} ms, ${cpu(b2)}${half(`B2 ${op}`)} ${describe(b2)}`.trim()),
        row(part, "Hydra GraphQL", gql.okPerSec, unit, "", null, `${cpu(gql)} ${describe(gql)}`.trim()),
        row(part, "Hydra GraphQL ÷ B2", gql.okPerSec / b2.okPerSec, "×", "≥ 0.8", gql.okPerSec / b2.okPerSec >= 0.8),
        row(part, "Hydra GraphQL p99 (100 connections, flat out)", gql.latencyP99Ms, "ms", "≤ 25 ms", gql.latencyP99Ms <= 25, queueing(gql, b2)),
        pacedRow(part, "Hydra GraphQL p99 at a steady half of its top rate", `Hydra GraphQL ${op}`, `B2 ${op}`),
        row(part, "Hydra REST", rest.okPerSec, unit, "", null, `${cpu(rest)} ${describe(rest)}`.trim()),
        row(part, "Hydra REST ÷ F0", rest.okPerSec / f0.okPerSec, "×", "≥ 0.6", rest.okPerSec / f0.okPerSec >= 0.6),
        row(part, "Hydra REST p99 (100 connections, flat out)", rest.latencyP99Ms, "ms", "≤ 25 ms", rest.latencyP99Ms <= 25, queueing(rest, f0)),
        pacedRow(part, "Hydra REST p99 at a steady half of its top rate", `Hydra REST ${op}`, `F0 ${op}`),
      );
    }
    return { rows, raw: { seconds: SECONDS, warmup: WARMUP, rounds: ROUNDS, connections: CONNECTIONS, poolSize: POOL_SIZE, results, runs, halfLoad } };
  } finally {
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("submit", benchSubmit);
