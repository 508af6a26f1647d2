// Email at the provider's limits (issue 13), against the Resend stand-in at 2 requests/s:
//   10,000 surveys fall due at once → all accepted by the provider within 60 s (batches of 100);
//   resolve → email accepted by the provider, p99 ≤ 1 s, with one and with two processes (Redis).
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startResendStandIn } from "../api/testkit/resend.js";
import { startRedis } from "../api/testkit/processes.js";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { graphql, keepAliveAgent } from "./lib/http.js";
import { startHydra, type NodeServer } from "./lib/process.js";
import { percentile, row, runAsScript, type PartResult, type Row } from "./lib/report.js";

const SURVEYS = Number(process.env.BENCH_EMAIL_SURVEYS ?? 10_000);
const RESOLVES = Number(process.env.BENCH_EMAIL_RESOLVES ?? 60);
const LIMIT_MS = 60_000;
const RESOLVE = "mutation($id: ID!) { resolveConversation(id: $id) { id } }";

export async function benchEmail(): Promise<PartResult> {
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const resend = await startResendStandIn({ requestsPerSecond: 2 });
  const db = await createBenchDatabase("email");
  const redis = await startRedis();
  const env = { RESEND_API_KEY: "re_bench", RESEND_BASE_URL: resend.url, RESEND_REQUESTS_PER_SECOND: "2", WORKER_INTERVAL_MS: "1000" };
  try {
    // 1. 10,000 due at once.
    const ids = seededIds(randomBytes(8).toString("hex"));
    const ws = await seedWorkspace(db.pool, "Bench Email", 60);
    await seedConversations(db.pool, ws, ids, 1, SURVEYS, "scheduled");
    const server = await startHydra("Hydra", db.url, env);
    let seconds: number | null = null;
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const start = performance.now();
      await db.pool.query(`UPDATE csat_survey SET due_at = now() WHERE workspace_id = $1 AND state = 'SCHEDULED'`, [ws.workspaceId]);
      while (performance.now() - start < LIMIT_MS + 30_000) {
        await new Promise((r) => setTimeout(r, 250));
        if (resend.delivered.size >= SURVEYS) {
          seconds = (performance.now() - start) / 1000;
          break;
        }
      }
    } finally {
      await server.stop();
    }
    const note = `${resend.delivered.size} accepted, ${resend.state.calls} calls, ${resend.state.rateLimited} answered 429`;
    console.log(`[email] ${SURVEYS} due at once: ${seconds === null ? "not all" : `${seconds.toFixed(1)} s`} (${note})`);
    rows.push(row("email", `${SURVEYS} surveys due at once, provider at 2 req/s: all accepted`, seconds, "s", "≤ 60 s", seconds !== null && seconds <= LIMIT_MS / 1000, note));
    raw.dueAtOnce = { surveys: SURVEYS, seconds, calls: resend.state.calls, rateLimited: resend.state.rateLimited };

    // 2. resolve → accepted, one and two processes (sharing the provider's allowance through Redis).
    for (const processes of [1, 2]) {
      const live = seededIds(randomBytes(8).toString("hex"));
      const lws = await seedWorkspace(db.pool, `Bench Email ${processes}`, 0);
      await seedConversations(db.pool, lws, live, 1, RESOLVES, "open");
      const customers = await db.pool.query<{ id: string; email: string }>(
        `SELECT c.id, cu.email FROM conversation c JOIN customer cu ON cu.id = c.customer_id WHERE c.workspace_id = $1`,
        [lws.workspaceId],
      );
      const servers: NodeServer[] = [];
      for (let i = 0; i < processes; i++) servers.push(await startHydra(`Hydra ${i + 1}`, db.url, { ...env, REDIS_URL: redis.url }));
      const agent = keepAliveAgent();
      const latencies: number[] = [];
      try {
        await new Promise((r) => setTimeout(r, 1500));
        for (const [i, c] of customers.rows.entries()) {
          const server = servers[i % servers.length]!;
          const sentAt = performance.now();
          await graphql(agent, server.url, RESOLVE, { id: c.id }, lws.sessionToken);
          const deadline = sentAt + 10_000;
          // The seeded addresses repeat across workspaces: only an email accepted after this resolve counts.
          const acceptedNow = () => resend.deliveredEmails(c.email).find((e) => (e.acceptedAt ?? -Infinity) >= sentAt);
          while (performance.now() < deadline && !acceptedNow()) await new Promise((r) => setTimeout(r, 5));
          const accepted = acceptedNow()?.acceptedAt;
          latencies.push(accepted === undefined ? Infinity : accepted - sentAt);
          await new Promise((r) => setTimeout(r, 600)); // under the provider's 2 requests/s
        }
      } finally {
        agent.destroy();
        for (const s of servers) await s.stop();
      }
      const p99 = percentile(latencies, 99);
      console.log(`[email] resolve → accepted, ${processes} process(es): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);
      rows.push(row("email", `resolve → email accepted by the provider, ${processes} process(es), p99`, Number.isFinite(p99) ? p99 : null, "ms", "≤ 1000 ms", p99 <= 1000));
      raw[`latency${processes}`] = { p50: percentile(latencies, 50), p99 };
    }
    return { rows, raw };
  } finally {
    await redis.kill();
    await db.drop();
    await resend.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("email", benchEmail);
