// Dispatch throughput: 10,000 SCHEDULED surveys (customers with email) fall due at once; the
// server's own scheduler (WORKER_INTERVAL_MS=1000) must dispatch them all, each with its outbox row.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { startHydra } from "./lib/process.js";
import { row, runAsScript, type PartResult } from "./lib/report.js";

const SURVEYS = Number(process.env.BENCH_DISPATCH_SURVEYS ?? 10_000);
const LIMIT_MS = 60_000;

export async function benchDispatch(): Promise<PartResult> {
  const db = await createBenchDatabase("dispatch");
  try {
    const ids = seededIds(randomBytes(8).toString("hex"));
    const ws = await seedWorkspace(db.pool, "Bench Dispatch", 60);
    // Due tomorrow while the server starts; then all of them fall due in one statement.
    await seedConversations(db.pool, ws, ids, 1, SURVEYS, "scheduled");
    const server = await startHydra("Hydra", db.url, { WORKER_INTERVAL_MS: "1000" });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const start = performance.now();
      await db.pool.query(`UPDATE csat_survey SET due_at = now() WHERE workspace_id = $1 AND state = 'SCHEDULED'`, [ws.workspaceId]);
      let dispatched = 0;
      let emails = 0;
      let doneMs: number | null = null;
      const progress: { ms: number; dispatched: number; emails: number }[] = [];
      while (performance.now() - start < LIMIT_MS + 30_000) {
        await new Promise((r) => setTimeout(r, 250));
        const { rows } = await db.pool.query<{ dispatched: string; emails: string }>(
          `SELECT (SELECT count(*) FROM csat_survey WHERE workspace_id = $1 AND state = 'DISPATCHED' AND token_hash IS NOT NULL) AS dispatched,
                  (SELECT count(*) FROM email_outbox WHERE workspace_id = $1) AS emails`,
          [ws.workspaceId],
        );
        dispatched = Number(rows[0]!.dispatched);
        emails = Number(rows[0]!.emails);
        const ms = performance.now() - start;
        progress.push({ ms: Math.round(ms), dispatched, emails });
        if (dispatched >= SURVEYS && emails >= SURVEYS) {
          doneMs = ms;
          break;
        }
      }
      const seconds = doneMs === null ? null : doneMs / 1000;
      const note = doneMs === null ? `only ${dispatched} dispatched, ${emails} emails after ${(LIMIT_MS + 30_000) / 1000} s` : `${Math.round(SURVEYS / seconds!)} surveys/s`;
      console.log(`[dispatch] ${note}`);
      return {
        rows: [
          row("dispatch", `${SURVEYS} surveys due at once: all dispatched + outbox rows`, seconds, "s", "≤ 60 s", seconds !== null && seconds <= 60, note),
        ],
        raw: { surveys: SURVEYS, seconds, dispatched, emails, progress, serverCpuMs: server.ticks.at(-1)?.cpuMs },
      };
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("dispatch", benchDispatch);
