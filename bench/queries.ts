// How many SQL statements each hot operation sends (the N+1 detector of this bench): an in-process
// server over PostgreSQL with pg's Client.query counted, one operation at a time.
import { randomBytes } from "node:crypto";
import { buildApp } from "../api/src/app.js";
import { readConfig } from "../api/src/config.js";
import { statementsOf } from "../api/testkit/statements.js";
import { createBenchDatabase, seedConversations, seededIds, seedWorkspace } from "./lib/db.js";
import { graphql, keepAliveAgent, send } from "./lib/http.js";
import { row, runAsScript, type PartResult, type Row } from "./lib/report.js";
import { openWidget } from "./lib/widget.js";

const quiet = { info: () => {}, warn: () => {}, error: (l: string, e?: unknown) => console.error(l, e) };

export async function benchQueries(): Promise<PartResult> {
  const db = await createBenchDatabase("queries");
  const ids = seededIds(randomBytes(8).toString("hex"));
  const ws = await seedWorkspace(db.pool, "Bench Queries");
  await seedConversations(db.pool, ws, ids, 1, 20, "dispatched");
  await seedConversations(db.pool, ws, ids, 21, 60, "open");
  // Twenty audit entries and twenty outbox emails, for the admin pages' list fields.
  await db.pool.query(
    `INSERT INTO audit_entry (workspace_id, action, actor_id, before, after)
     SELECT $1, 'Changed CSAT settings', $2, '{}', '{}' FROM generate_series(1, 20)`,
    [ws.workspaceId, ws.adminId],
  );
  await db.pool.query(
    `INSERT INTO email_outbox (workspace_id, survey_id, "to", subject, html, text, state)
     SELECT workspace_id, id, 'c@bench.test', 'How was it?', '<p>', 'text', 'RECORDED' FROM csat_survey WHERE workspace_id = $1 LIMIT 20`,
    [ws.workspaceId],
  );
  const running = await buildApp({
    config: { ...readConfig({}), port: 0, databaseUrl: db.url, seedDemo: false, workerIntervalMs: 3_600_000, production: true },
    log: quiet,
  });
  const url = await running.start(0);
  const agent = keepAliveAgent(1);
  const counts: Record<string, { statements: number; sql: string[] }> = {};
  const measure = async (name: string, fn: () => Promise<unknown>) => {
    await fn(); // warm: first-use statements (e.g. prepared plans) are not counted
    const statements = await statementsOf(async () => {
      await fn();
      await new Promise((r) => setTimeout(r, 50));
    });
    counts[name] = { statements: statements.length, sql: statements.map((s) => s.replace(/\s+/g, " ").slice(0, 160)) };
  };
  let survey = 1;
  let open = 21;
  const auth = { authorization: `Bearer ${ws.sessionToken}` };
  const inbox = `{ conversations(first: 20) { id status customer { name email } channel { name } bot { name } csatSurvey { state score } messages { body } } }`;
  const widgetOpen = openWidget(url.replace("http", "ws") + "/graphql", ids.conversationId(59), ids.visitorToken(59));
  await widgetOpen.ready;
  try {
    await measure("REST POST /api/csat/submit", () =>
      send(agent, `${url}/api/csat/submit`, "POST", JSON.stringify({ token: ids.surveyToken(survey++), score: 5 })));
    await measure("GraphQL submitCsat", () =>
      graphql(agent, url, "mutation($t: String!) { submitCsat(token: $t, score: 4) { outcome survey { score } } }", { t: ids.surveyToken(survey++) }));
    await measure("REST PATCH /api/conversations/:id (resolve)", () =>
      send(agent, `${url}/api/conversations/${ids.conversationId(open++)}`, "PATCH", '{"status":"resolved"}', auth));
    await measure("GraphQL resolveConversation", () =>
      graphql(agent, url, "mutation($id: ID!) { resolveConversation(id: $id) { id status resolvedAt updatedAt csatSurvey { id state dispatchedAt deliveredToWidget emailed score } } }", { id: ids.conversationId(open++) }, ws.sessionToken));
    await measure("GraphQL conversations(first: 20) with relations", () => graphql(agent, url, inbox, {}, ws.sessionToken));
    await measure("GraphQL auditLog(first: 20) { actor }", () =>
      graphql(agent, url, "{ auditLog(first: 20) { id action actor { name } } }", {}, ws.sessionToken));
    await measure("GraphQL emailOutbox(first: 20) { survey }", () =>
      graphql(agent, url, "{ emailOutbox(first: 20) { id state survey { id state } } }", {}, ws.sessionToken));
    await measure("widget connect + subscribe", async () => {
      const i = open++;
      const w = openWidget(url.replace("http", "ws") + "/graphql", ids.conversationId(i), ids.visitorToken(i));
      await w.ready;
      await new Promise((r) => setTimeout(r, 100));
      w.close();
      await w.closed;
    });
  } finally {
    widgetOpen.close();
    agent.destroy();
    await running.stop();
    await db.drop();
  }
  const rows: Row[] = Object.entries(counts).map(([name, c]) => row("SQL per operation", name, c.statements, "statements"));
  for (const [name, c] of Object.entries(counts)) console.log(`\n${name}: ${c.statements}\n  ${c.sql.join("\n  ")}`);
  return { rows, raw: counts };
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsScript("queries", benchQueries);
