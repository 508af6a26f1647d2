// Resolve → widget push latency with tens of thousands of subscribed widgets (graphql-ws, one topic
// per conversation). t0: the resolve mutation's HTTP response has arrived at the bench; t1: the
// widget's socket received the prompt, on the monotonic clock every process shares (the widgets live
// in holder processes, bench/lib/widgetFleet.ts). A prompt that arrives before the response (the
// server publishes at commit, then answers) counts as 0 ms; "request sent → receipt" is shown beside
// it for the whole path.
// Two settings: 20,000 widgets on one process (BENCH_WIDGETS), and 40,000 on four processes sharing
// Redis (BENCH_FLEET_WIDGETS, BENCH_FLEET_PROCESSES), resolves sent to the processes in turn, so
// most pushes cross Redis. In each:
//   idle:     the widgets open and quiet for 10 s: the server's CPU (keep-alive pings) and memory;
//   capacity: GraphQL resolveConversation flat out (conversations without widgets), in this run;
//   paced:    resolves at 50% of that capacity for up to 20 s (never a fixed rate), each to a
//             conversation whose widget is open: push p99 and event-loop delay p99;
//   burst:    1,000 resolves sent at once (100 keep-alive connections).
// Event-loop delay is read from the servers' [metrics] lines (bench/lib/metrics.ts), per second.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import type { Agent } from "node:http";
import { startRedis } from "../api/testkit/processes.js";
import { monotonicMs } from "./lib/clock.js";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace, type BenchWorkspace, type Seeded } from "./lib/db.js";
import { graphql, keepAliveAgent } from "./lib/http.js";
import { CONNECTIONS, runLoad, type LoadTarget } from "./lib/load.js";
import { during, startHydra, type Metrics, type NodeServer } from "./lib/process.js";
import { percentile, row, runAsScript, type PartResult, type Row } from "./lib/report.js";
import { createWidgetFleet, type WidgetFleet } from "./lib/widgetFleet.js";

const ONE_PROCESS = Number(process.env.BENCH_WIDGETS ?? 20_000);
const FLEET = Number(process.env.BENCH_FLEET_WIDGETS ?? 40_000);
const FLEET_PROCESSES = Number(process.env.BENCH_FLEET_PROCESSES ?? 4);
/** The paced load, as a share of the capacity measured in the same run. */
const LOAD_SHARE = 0.5;
const PACED_SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 20);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const CAPACITY_SECONDS = Number(process.env.BENCH_CAPACITY_SECONDS ?? 4);
const BURST = Number(process.env.BENCH_PUSH_BURST ?? 1000);
const GRACE_MS = 3000;
/** Resolves before the measurement, to warm connections and code paths. */
const WARM = 100;
/** Conversations without widgets, for the capacity runs of each setting. */
const CAPACITY_ROWS = Number(process.env.BENCH_CAPACITY_ROWS ?? 30_000);
const KiB = 1024;

const RESOLVE =
  "mutation ResolveConversation($id: ID!) { resolveConversation(id: $id) { id status csatSurvey { id state deliveredToWidget } } }";

/** The open-files limit the servers inherit: one socket per widget, and a few more. */
function openFilesLimit(): number {
  const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim();
  return out === "unlimited" ? Infinity : Number(out) || 1024;
}

interface Round {
  resolved: Map<string, number>;
  /** When each resolve was sent. */
  sent: Map<string, number>;
  failures: number;
  notDelivered: number;
}

const newRound = (): Round => ({ resolved: new Map(), sent: new Map(), failures: 0, notDelivered: 0 });

/** Sends the resolve of `conversationId` and records when its response arrived. */
async function resolve(agent: Agent, server: NodeServer, ws: BenchWorkspace, conversationId: string, round: Round) {
  try {
    const sentAt = monotonicMs();
    // A keep-alive connection the server closed as idle just as it was reused: send again (resolving is idempotent).
    const res = await graphql(agent, server.url, RESOLVE, { id: conversationId }, ws.sessionToken).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ECONNRESET" && err.message !== "socket hang up") throw err;
      return graphql(agent, server.url, RESOLVE, { id: conversationId }, ws.sessionToken);
    });
    if (res.status !== 200 || !res.body.includes('"DISPATCHED"')) {
      round.failures++;
      if (round.failures === 1) console.error(`[push] resolve failed: ${res.status} ${res.body.slice(0, 200)}`);
      return;
    }
    if (!res.body.includes('"deliveredToWidget":true')) round.notDelivered++;
    round.resolved.set(conversationId, res.at);
    round.sent.set(conversationId, sentAt);
  } catch (err) {
    round.failures++;
    if (round.failures === 1) console.error(`[push] resolve failed: ${(err as Error).message}`);
  }
}

function tally(round: Round, prompts: Map<string, number[]>, wallMs: number, eld: Metrics[]) {
  const latencies: number[] = [];
  const fromSend: number[] = [];
  let lost = 0;
  let duplicated = 0;
  let early = 0;
  for (const [conversationId, t0] of round.resolved) {
    const received = prompts.get(conversationId);
    const t1 = received?.[0];
    if (t1 === undefined) {
      lost++;
      continue;
    }
    if (received!.length > 1) duplicated++;
    if (t1 < t0) early++;
    latencies.push(Math.max(0, t1 - t0));
    fromSend.push(t1 - round.sent.get(conversationId)!);
  }
  return {
    count: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    fromSendP50Ms: percentile(fromSend, 50),
    fromSendP99Ms: percentile(fromSend, 99),
    lost,
    duplicated,
    notDelivered: round.notDelivered,
    failed: round.failures,
    early,
    wallMs,
    eldP99MaxMs: Math.max(0, ...eld.map((m) => m.eldP99Ms)),
    eldP99MedianMs: percentile(eld.map((m) => m.eldP99Ms), 50),
    eldMaxMs: Math.max(0, ...eld.map((m) => m.eldMaxMs)),
    eld,
  };
}
type Phase = ReturnType<typeof tally>;

/**
 * One setting: `widgets` spread evenly over `servers` (widget conversations `first`…), then the
 * idle window, the capacity run, the paced run at half of it, and the burst.
 */
async function pushRun(label: string, fleet: WidgetFleet, servers: NodeServer[], ws: BenchWorkspace, ids: Seeded, widgets: number, first: number, capacityFrom: number) {
  // The servers' CPU when idle with no widget (the bench's own instruments included), to subtract.
  const idleShare = async () => {
    const start = await Promise.all(servers.map((s) => s.cpu()));
    const t0 = monotonicMs();
    const watched = await during(servers, () => new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000)));
    const end = await Promise.all(servers.map((s) => s.cpu()));
    return { share: end.reduce((a, m, i) => a + (m.cpuMs - start[i]!.cpuMs), 0) / (monotonicMs() - t0), ticks: watched.ticks };
  };
  const empty = await idleShare();
  const before = await Promise.all(servers.map((s) => s.gc()));
  const t = monotonicMs();
  const share = Math.ceil(widgets / servers.length);
  let opened = 0;
  for (let i = 0; i < servers.length; i++) {
    opened += await fleet.open(ids.seed, servers[i]!.wsUrl, first + i * share, Math.min(share, widgets - i * share));
  }
  const openSeconds = (monotonicMs() - t) / 1000;
  console.log(`[push] ${label}: ${opened} widgets subscribed in ${openSeconds.toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 2000));

  // Memory with the widgets open (after a full GC), then a pause for that GC's sweeping to end.
  const withWidgets = await Promise.all(servers.map((s) => s.gc()));
  const rssPerWidget = withWidgets.reduce((a, m, i) => a + (m.rss - before[i]!.rss), 0) / opened;
  const heapPerWidget = withWidgets.reduce((a, m, i) => a + (m.heap - before[i]!.heap), 0) / opened;
  await new Promise((r) => setTimeout(r, 3000));
  // Idle: what keeping them costs (the keep-alive pings, timers) with nothing to push.
  const idle = await idleShare();
  const idleCpuShare = idle.share - empty.share;
  console.log(
    `[push] ${label}: idle ${IDLE_SECONDS} s: server CPU ${(idleCpuShare * 100).toFixed(1)}% of a core; ` +
      `RSS +${(rssPerWidget / KiB).toFixed(1)} KiB per widget (heap +${(heapPerWidget / KiB).toFixed(1)}); ${(empty.share * 100).toFixed(1)}% with none`,
  );

  // Capacity, in this run: resolves flat out on conversations without widgets, on every process at once.
  let nextCapacity = capacityFrom;
  const capacityTarget = (server: NodeServer): LoadTarget => ({
    url: server.url,
    method: "POST",
    path: "/graphql",
    headers: { authorization: `Bearer ${ws.sessionToken}`, "x-hydra-csrf": "1" },
    request: () => ({ body: JSON.stringify({ query: RESOLVE, variables: { id: ids.conversationId(nextCapacity++) } }) }),
    ok: (status, body) => status === 200 && body.includes('"DISPATCHED"'),
  });
  // The bench's connections shared between the processes: 100 each would queue 400 resolves on four
  // processes sharing 2 cores, a wait longer than the window, and the window would count almost none.
  const connections = Math.max(1, Math.ceil(CONNECTIONS / servers.length));
  const capacityRuns = await Promise.all(servers.map((s) => runLoad(capacityTarget(s), { warmupSec: 1, seconds: CAPACITY_SECONDS, connections })));
  const capacity = capacityRuns.reduce((a, r) => a + r.okPerSec, 0);
  // BENCH_PUSH_RATE fixes the paced rate instead, to compare runs (node flags, say) at one load; never for the goal.
  const rate = Number(process.env.BENCH_PUSH_RATE) || Math.max(5, Math.floor(capacity * LOAD_SHARE));
  const seconds = Math.max(1, Math.min(PACED_SECONDS, Math.floor((opened - WARM - BURST) / rate)));
  const wrong = capacityRuns.find((r) => r.sample)?.sample;
  console.log(
    `[push] ${label}: capacity ${capacity.toFixed(0)} resolves/s flat out; paced at ${rate}/s for ${seconds} s` +
      `${wrong ? ` (${capacityRuns.reduce((a, r) => a + r.wrong + r.errors, 0)} wrong or failed, e.g. ${wrong.slice(0, 160)})` : ""}`,
  );
  await new Promise((r) => setTimeout(r, 1000));

  const agent = keepAliveAgent(100);
  const serverFor = (k: number) => servers[k % servers.length]!;
  // Warm the connections and the resolve path on a few conversations outside the measurement.
  const warm = newRound();
  const widgetConversation = (k: number) => ids.conversationId(first + widgetIndex(k, share, servers.length));
  await Promise.all(Array.from({ length: WARM }, (_, k) => resolve(agent, serverFor(k), ws, widgetConversation(k), warm)));
  await new Promise((r) => setTimeout(r, 1500));

  // Paced: resolves go to the widgets' conversations in order, to the processes in turn.
  let next = WARM;
  const paced = newRound();
  const total = rate * seconds;
  const pacedRun = await during(servers, async () => {
    const start = monotonicMs();
    const inflight: Promise<void>[] = [];
    for (let k = 0; k < total; ) {
      const due = Math.min(total, Math.floor(((monotonicMs() - start) * rate) / 1000) + 1);
      for (; k < due; k++, next++) inflight.push(resolve(agent, serverFor(next), ws, widgetConversation(next), paced));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
    const wall = monotonicMs() - start;
    await new Promise((r) => setTimeout(r, GRACE_MS));
    return wall;
  });

  // Burst: 1,000 at once to conversations whose widgets are open.
  await new Promise((r) => setTimeout(r, 1500));
  const burst = newRound();
  const burstRun = await during(servers, async () => {
    const start = monotonicMs();
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < BURST; k++, next++) jobs.push(resolve(agent, serverFor(next), ws, widgetConversation(next), burst));
    await Promise.all(jobs);
    const wall = monotonicMs() - start;
    await new Promise((r) => setTimeout(r, GRACE_MS));
    return wall;
  });
  agent.destroy();
  const prompts = await fleet.prompts();
  await fleet.closeAll();
  const serverErrors = servers.flatMap((s) => s.errors().map((e) => `${s.name}: ${e}`));
  if (serverErrors.length) console.error(`[push] ${label}: ${serverErrors.length} server errors, first: ${serverErrors[0]}`);
  return {
    widgets: opened,
    openSeconds,
    idle: { cpuShare: idleCpuShare, emptyShare: empty.share, rssPerWidget, heapPerWidget, eldP99MaxMs: Math.max(0, ...idle.ticks.map((m) => m.eldP99Ms)) },
    capacity,
    rate,
    seconds,
    paced: tally(paced, prompts, pacedRun.result, pacedRun.ticks),
    burst: tally(burst, prompts, burstRun.result, burstRun.ticks),
    serverErrors: serverErrors.slice(0, 5),
  };
}

/**
 * The k-th widget to resolve, taking the processes in turn: widget k of process k mod n, so with
 * resolves also sent in turn, a push crosses Redis unless both land on the same process.
 */
function widgetIndex(k: number, share: number, processes: number): number {
  const server = (k + 1) % processes; // the next process over from the one the resolve goes to
  return server * share + Math.floor(k / processes);
}

type Run = Awaited<ReturnType<typeof pushRun>>;

function runRows(part: string, r: Run, asked: number, limitNote: string): Row[] {
  const pushNote = (s: Phase) =>
    `p50 ${s.p50Ms.toFixed(1)} ms; ${s.early} of ${s.count} arrived before the response; request sent → receipt p50 ${s.fromSendP50Ms.toFixed(1)} / p99 ${s.fromSendP99Ms.toFixed(1)} ms`;
  const lostNote = (s: Phase) =>
    `${s.count} pushes; ${s.lost} lost, ${s.duplicated} dup${s.notDelivered ? `, ${s.notDelivered} not live at dispatch` : ""}${s.failed ? `, ${s.failed} resolves failed` : ""}`;
  const bad = (s: Phase) => s.lost + s.duplicated + s.failed;
  return [
    row(part, "widgets subscribed", r.widgets, "", `${asked}`, r.widgets >= asked, `${(r.widgets / r.openSeconds).toFixed(0)} handshakes/s${limitNote}`),
    row(part, `idle: server CPU the open widgets add (keep-alive pings)`, r.idle.cpuShare * 100, "% of a core", "", null,
      `${((r.idle.cpuShare * 1e6) / r.widgets).toFixed(1)} µs/s per widget, over ${(r.idle.emptyShare * 100).toFixed(1)}% with none; ` +
        `RSS +${(r.idle.rssPerWidget / KiB).toFixed(1)} KiB, heap +${(r.idle.heapPerWidget / KiB).toFixed(1)} KiB per widget; event-loop delay p99 ${r.idle.eldP99MaxMs.toFixed(1)} ms`),
    row(part, "capacity: GraphQL resolves flat out, widgets open", r.capacity, "resolves/s", "", null, "the paced load below is half of it"),
    row(part, `paced at 50% of capacity (${r.rate}/s × ${r.seconds} s): push p99`, r.paced.p99Ms, "ms", "≤ 10 ms", r.paced.p99Ms <= 10, pushNote(r.paced)),
    row(part, "paced: lost + duplicated", bad(r.paced), "", "0", bad(r.paced) === 0, lostNote(r.paced)),
    row(part, "paced: event-loop delay p99", r.paced.eldP99MaxMs, "ms", "≤ 20 ms", r.paced.eldP99MaxMs <= 20, `worst 1-s window of any process; median ${r.paced.eldP99MedianMs.toFixed(1)} ms`),
    row(part, `burst of ${BURST}: push p99`, r.burst.p99Ms, "ms", "≤ 150 ms", r.burst.p99Ms <= 150, `${pushNote(r.burst)}; all answered in ${(r.burst.wallMs / 1000).toFixed(2)} s`),
    row(part, "burst: lost + duplicated", bad(r.burst), "", "0", bad(r.burst) === 0, lostNote(r.burst)),
  ];
}

export async function benchPush(): Promise<PartResult> {
  const db = await createBenchDatabase("push");
  const fleet = createWidgetFleet();
  const stops: (() => Promise<void>)[] = [];
  try {
    const ids = seededIds(randomBytes(8).toString("hex"));
    // A server holds one descriptor per widget: on one process, as many as the limit leaves room for.
    const limit = openFilesLimit();
    const one = Math.min(ONE_PROCESS, limit - 300);
    const limitNote = one < ONE_PROCESS ? `; ${one} of ${ONE_PROCESS}: the open-files limit here is ${limit} (ulimit -n; raising it needs root)` : "";
    const ws = await seedWorkspace(db.pool, "Bench Push");
    // Widget conversations, then capacity conversations, for each setting.
    const oneFrom = 1;
    const oneCapacity = oneFrom + one;
    const fleetFrom = oneCapacity + CAPACITY_ROWS;
    const fleetCapacity = fleetFrom + FLEET;
    const t0 = monotonicMs();
    await seedConversations(db.pool, ws, ids, 1, fleetCapacity + CAPACITY_ROWS - 1, "open");
    console.log(`[push] seeded ${(fleetCapacity + CAPACITY_ROWS - 1).toLocaleString("en")} open conversations in ${((monotonicMs() - t0) / 1000).toFixed(0)} s`);
    const rows: Row[] = [];
    const raw: Record<string, unknown> = { oneProcess: one, fleet: FLEET, fleetProcesses: FLEET_PROCESSES, openFilesLimit: limit };
    const strip = (r: Run) => ({ ...r, paced: { ...r.paced, eld: undefined }, burst: { ...r.burst, eld: undefined }, eld: { paced: r.paced.eld, burst: r.burst.eld } });

    const single = await startHydra("Hydra", db.url);
    stops.push(() => single.stop());
    const s1 = await pushRun("one process", fleet, [single], ws, ids, one, oneFrom, oneCapacity);
    await single.stop();
    raw.single = strip(s1);
    rows.push(...runRows("push, 1 process", s1, ONE_PROCESS, limitNote));

    // BENCH_FLEET_WIDGETS=0: the one-process setting only.
    if (FLEET === 0) return { rows, raw };
    const redis = await startRedis();
    stops.push(() => redis.kill());
    const servers: NodeServer[] = [];
    for (let i = 0; i < FLEET_PROCESSES; i++) {
      const s = await startHydra(`Hydra ${String.fromCharCode(65 + i)}`, db.url, { REDIS_URL: redis.url });
      stops.push(() => s.stop());
      servers.push(s);
    }
    const sN = await pushRun(`${FLEET_PROCESSES} processes via Redis`, fleet, servers, ws, ids, FLEET, fleetFrom, fleetCapacity);
    raw.fleetRun = strip(sN);
    rows.push(...runRows(`push, ${FLEET_PROCESSES} processes + Redis`, sN, FLEET, ""));
    return { rows, raw };
  } finally {
    await fleet.stop().catch(() => {});
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("push", benchPush);
