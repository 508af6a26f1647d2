// Resolve → widget push latency with thousands of subscribed widgets (graphql-ws, one topic per
// conversation). t0: the resolve mutation's HTTP response has arrived at the bench; t1: the widget's
// socket received the prompt. Both are performance.now() in this process, the same clock. A prompt
// that arrives before the response (the server publishes at commit, then answers) counts as 0 ms;
// "request sent → receipt" is shown beside it for the whole path.
//   paced: 200 resolves/s for 30 s (GraphQL resolveConversation, as the inbox sends it).
//   burst: 1,000 resolves sent at once (over 100 keep-alive connections, like the throughput bench).
// A survey is dispatched once per conversation, so each resolve needs a widget of its own: 7,100
// widgets (at least 5,000) are subscribed before the first resolve and stay open throughout.
// Then the same across two server processes through Redis: widgets on one, resolves on the other.
// Event-loop delay is read from the servers' [metrics] lines (bench/lib/metrics.ts), worst second.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Agent } from "node:http";
import { startRedis } from "../api/testkit/processes.js";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace, type BenchWorkspace, type Seeded } from "./lib/db.js";
import { graphql, keepAliveAgent } from "./lib/http.js";
import { during, startHydra, type Metrics, type NodeServer } from "./lib/process.js";
import { percentile, row, runAsScript, type PartResult, type Row } from "./lib/report.js";
import { closeWidgets, openWidget, openWidgets, type Widget } from "./lib/widget.js";

const WIDGETS = Number(process.env.BENCH_WIDGETS ?? 5000);
const RATE = Number(process.env.BENCH_PUSH_RATE ?? 200);
const PACED_SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 30);
const BURST = Number(process.env.BENCH_PUSH_BURST ?? 1000);
const GRACE_MS = 3000;
/** Resolves before the measurement, to warm connections and code paths. */
const WARM = 100;

const RESOLVE =
  "mutation ResolveConversation($id: ID!) { resolveConversation(id: $id) { id status csatSurvey { id state deliveredToWidget } } }";

interface Phase {
  latencies: number[];
  /** From sending the resolve to the widget's receipt: the whole path, for context. */
  fromSend: number[];
  /** Resolved with the widget open, but no prompt arrived. */
  lost: number;
  duplicated: number;
  /** The server saw no open widget at dispatch (the bench's subscription was not live yet). */
  notDelivered: number;
  failed: number;
  /** Prompts that arrived before the mutation's response (latency counted as 0). */
  early: number;
  wallMs: number;
  eld: Metrics[];
}

interface Round {
  resolved: Map<string, number>;
  /** When each resolve was sent. */
  sent: Map<string, number>;
  failures: number;
  notDelivered: number;
}

/** Sends the resolve of `conversationId` and records when its response arrived. */
async function resolve(agent: Agent, server: NodeServer, ws: BenchWorkspace, conversationId: string, round: Round) {
  try {
    const sentAt = performance.now();
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

function tally(round: Round, widgets: Map<string, Widget>, wallMs: number, eld: Metrics[]): Phase {
  const latencies: number[] = [];
  const fromSend: number[] = [];
  let lost = 0;
  let duplicated = 0;
  let early = 0;
  for (const [conversationId, t0] of round.resolved) {
    const w = widgets.get(conversationId);
    const t1 = w?.received[0];
    if (t1 === undefined) {
      lost++;
      continue;
    }
    if (w!.received.length > 1) duplicated++;
    if (t1 < t0) early++;
    latencies.push(Math.max(0, t1 - t0));
    fromSend.push(t1 - round.sent.get(conversationId)!);
  }
  return { latencies, fromSend, lost, duplicated, notDelivered: round.notDelivered, failed: round.failures, early, wallMs, eld };
}

/** One setting (one process, or two through Redis): 5,000 widgets, the paced run, then the burst. */
async function pushRun(label: string, widgetServer: NodeServer, resolveServer: NodeServer, ws: BenchWorkspace, ids: Seeded, first: number) {
  const widgets = new Map<string, Widget>();
  const servers = widgetServer === resolveServer ? [widgetServer] : [widgetServer, resolveServer];
  // Each conversation's survey is dispatched once, so every resolve needs a widget of its own:
  // all are open before the first resolve and stay open (visitors stay on the page).
  const count = Math.max(WIDGETS, WARM + RATE * PACED_SECONDS + BURST);
  const t = performance.now();
  const opened = await openWidgets(count, (k) => {
    const w = openWidget(widgetServer.wsUrl, ids.conversationId(first + k), ids.visitorToken(first + k));
    widgets.set(w.conversationId, w);
    return w;
  });
  console.log(`[push] ${label}: ${opened.length} widgets subscribed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 2000));
  const baseline = await widgetServer.gc();

  const agent = keepAliveAgent(100);
  // Warm the connections and the resolve path on a few conversations outside the measurement.
  const warm: Round = { resolved: new Map(), sent: new Map(), failures: 0, notDelivered: 0 };
  const warmIds = Array.from({ length: WARM }, (_, k) => ids.conversationId(first + k));
  await Promise.all(warmIds.map((id) => resolve(agent, resolveServer, ws, id, warm)));
  await new Promise((r) => setTimeout(r, 1500));

  // Paced: resolves go to the conversations in the order their widgets opened.
  let nextResolve = first + WARM;
  const paced: Round = { resolved: new Map(), sent: new Map(), failures: 0, notDelivered: 0 };
  const total = RATE * PACED_SECONDS;
  const pacedRun = await during(servers, async () => {
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let k = 0; k < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
      for (; k < due; k++) inflight.push(resolve(agent, resolveServer, ws, ids.conversationId(nextResolve++), paced));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
    const wall = performance.now() - start;
    await new Promise((r) => setTimeout(r, GRACE_MS));
    return wall;
  });
  const pacedPhase = tally(paced, widgets, pacedRun.result, pacedRun.ticks);

  // Burst: 1,000 at once to conversations whose widgets are open.
  await new Promise((r) => setTimeout(r, 1500));
  const burst: Round = { resolved: new Map(), sent: new Map(), failures: 0, notDelivered: 0 };
  const burstRun = await during(servers, async () => {
    const start = performance.now();
    await Promise.all(Array.from({ length: BURST }, () => resolve(agent, resolveServer, ws, ids.conversationId(nextResolve++), burst)));
    const wall = performance.now() - start;
    await new Promise((r) => setTimeout(r, GRACE_MS));
    return wall;
  });
  const burstPhase = tally(burst, widgets, burstRun.result, burstRun.ticks);
  agent.destroy();
  await closeWidgets([...widgets.values()]);
  const serverErrors = servers.flatMap((s) => s.errors().map((e) => `${s.name}: ${e}`));
  if (serverErrors.length) console.error(`[push] ${label}: ${serverErrors.length} server errors, first: ${serverErrors[0]}`);
  return { widgets: count, rssWithWidgets: baseline.rss, paced: pacedPhase, burst: burstPhase, serverErrors: serverErrors.slice(0, 5) };
}

function summarize(phase: Phase) {
  return {
    count: phase.latencies.length,
    p50Ms: percentile(phase.latencies, 50),
    p99Ms: percentile(phase.latencies, 99),
    maxMs: percentile(phase.latencies, 100),
    fromSendP50Ms: percentile(phase.fromSend, 50),
    fromSendP99Ms: percentile(phase.fromSend, 99),
    lost: phase.lost,
    duplicated: phase.duplicated,
    notDelivered: phase.notDelivered,
    failed: phase.failed,
    early: phase.early,
    wallMs: phase.wallMs,
    eldP99MaxMs: Math.max(0, ...phase.eld.map((m) => m.eldP99Ms)),
    eldP99MedianMs: percentile(phase.eld.map((m) => m.eldP99Ms), 50),
    eldMaxMs: Math.max(0, ...phase.eld.map((m) => m.eldMaxMs)),
    eld: phase.eld,
  };
}

const pushNote = (s: ReturnType<typeof summarize>) =>
  `p50 ${s.p50Ms.toFixed(1)} ms; ${s.early} of ${s.count} arrived before the response; request sent → receipt p50 ${s.fromSendP50Ms.toFixed(1)} / p99 ${s.fromSendP99Ms.toFixed(1)} ms`;

function phaseRows(part: string, paced: ReturnType<typeof summarize>, burst: ReturnType<typeof summarize>, widgets: number): Row[] {
  const lostNote = (s: ReturnType<typeof summarize>) =>
    `${s.count} pushes; ${s.lost} lost, ${s.duplicated} dup${s.notDelivered ? `, ${s.notDelivered} not live at dispatch` : ""}${s.failed ? `, ${s.failed} resolves failed` : ""}`;
  return [
    row(part, `paced ${RATE}/s × ${PACED_SECONDS} s, ${widgets} widgets: push p99`, paced.p99Ms, "ms", "≤ 10 ms", paced.p99Ms <= 10, pushNote(paced)),
    row(part, "paced: lost + duplicated", paced.lost + paced.duplicated + paced.failed, "", "0", paced.lost + paced.duplicated + paced.failed === 0, lostNote(paced)),
    row(part, "paced: event-loop delay p99", paced.eldP99MaxMs, "ms", "≤ 20 ms", paced.eldP99MaxMs <= 20, `worst 1-s window; median ${paced.eldP99MedianMs.toFixed(1)} ms`),
    row(part, `burst of ${BURST}: push p99`, burst.p99Ms, "ms", "≤ 150 ms", burst.p99Ms <= 150, `${pushNote(burst)}; all answered in ${(burst.wallMs / 1000).toFixed(2)} s`),
    row(part, "burst: lost + duplicated", burst.lost + burst.duplicated + burst.failed, "", "0", burst.lost + burst.duplicated + burst.failed === 0, lostNote(burst)),
    row(part, "burst: event-loop delay p99", burst.eldP99MaxMs, "ms", "≤ 20 ms", burst.eldP99MaxMs <= 20, "worst 1-s window"),
  ];
}

export async function benchPush(): Promise<PartResult> {
  const db = await createBenchDatabase("push");
  const stops: (() => Promise<void>)[] = [];
  try {
    const ids = seededIds(randomBytes(8).toString("hex"));
    const perRun = Math.max(WIDGETS, WARM + RATE * PACED_SECONDS + BURST);
    const ws = await seedWorkspace(db.pool, "Bench Push");
    await seedConversations(db.pool, ws, ids, 1, 2 * perRun, "open");
    const rows: Row[] = [];
    const raw: Record<string, unknown> = { widgets: WIDGETS, rate: RATE, seconds: PACED_SECONDS, burst: BURST };

    const one = await startHydra("Hydra", db.url);
    stops.push(() => one.stop());
    const single = await pushRun("one process", one, one, ws, ids, 1);
    await one.stop();
    const s1 = { widgets: single.widgets, paced: summarize(single.paced), burst: summarize(single.burst), serverErrors: single.serverErrors };
    raw.oneProcess = s1;
    rows.push(...phaseRows("push, 1 process", s1.paced, s1.burst, s1.widgets));

    const redis = await startRedis();
    stops.push(() => redis.kill());
    const a = await startHydra("Hydra A", db.url, { REDIS_URL: redis.url });
    stops.push(() => a.stop());
    const b = await startHydra("Hydra B", db.url, { REDIS_URL: redis.url });
    stops.push(() => b.stop());
    const two = await pushRun("two processes via Redis", a, b, ws, ids, perRun + 1);
    const s2 = { widgets: two.widgets, paced: summarize(two.paced), burst: summarize(two.burst), serverErrors: two.serverErrors };
    raw.twoProcesses = s2;
    rows.push(...phaseRows("push, 2 processes + Redis", s2.paced, s2.burst, s2.widgets));
    return { rows, raw };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("push", benchPush);
