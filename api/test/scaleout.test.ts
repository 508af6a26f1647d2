import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, saveChecks } from "./hardening/checks.js";
import { collect, gqlOk, until, wsClient } from "../testkit/client.js";
import { createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startRedis, startServerProcess, type ServerProcess } from "../testkit/processes.js";
import { startResendStandIn } from "../testkit/resend.js";
import { createTestDatabase } from "../testkit/server.js";

/** The migrations as the repository has them: one folder with a migration.sql each, listed here, not by the code under test. */
const MIGRATION_FILES = (() => {
  const dir = fileURLToPath(new URL("../../prisma/migrations/", import.meta.url));
  return readdirSync(dir).filter((name) => existsSync(join(dir, name, "migration.sql"))).sort();
})();

afterAll(() => saveChecks("scaleout"));

const CSAT_REQUESTED = `subscription($id: ID!) { csatRequested(conversationId: $id) { surveyId conversationId token } }`;

/** Two `npm start` processes sharing one PostgreSQL and one Redis behave as one service. */
describe("two server processes on PostgreSQL + Redis", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let resend: Awaited<ReturnType<typeof startResendStandIn>>;
  let a: ServerProcess;
  let b: ServerProcess;
  let ws: WorkspaceFixture;
  let sql: pg.Client;

  beforeAll(async () => {
    [database, redis, resend] = await Promise.all([createTestDatabase(), startRedis(), startResendStandIn()]);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      RESEND_API_KEY: "re_scaleout",
      RESEND_BASE_URL: resend.url,
      WORKER_INTERVAL_MS: "200",
    };
    // Started together: the migrations run once, under the advisory lock.
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    sql = new pg.Client(database.url);
    await sql.connect();
    ws = await createWorkspaceFixture(a.url, "Scale");
    await enableCsat(b.url, ws.token, 0);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await sql?.end();
    await Promise.all([redis?.kill(), resend?.stop()]);
    await database?.drop();
  });

  async function startWidget(url: string, name: string) {
    const data = await gqlOk(
      url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
      { input: { channelId: ws.channelId, customer: { name } } },
    );
    return { id: data.startWidgetConversation.conversation.id as string, visitorToken: data.startWidgetConversation.visitorToken as string };
  }

  async function subscribedInRedis(conversationId: string) {
    const probe = new Redis(redis.url);
    try {
      const [, count] = (await probe.call("PUBSUB", "NUMSUB", `visitor:${conversationId}`)) as [string, number];
      return Number(count) > 0;
    } finally {
      probe.disconnect();
    }
  }

  it("applied the migrations once", async () => {
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM _prisma_migrations`);
    const applied = `${a.output()}${b.output()}`.match(/\[migrate\] applying/g) ?? [];
    expect(applied.length).toBe(rows[0].n);
    // Against the repository's migration files: each applied exactly once, by one of the two, and recorded.
    expect(MIGRATION_FILES.length).toBeGreaterThanOrEqual(3);
    const appliedNames = [...`${a.output()}${b.output()}`.matchAll(/\[migrate\] applying (\S+)/g)].map((m) => m[1]!).sort();
    const { rows: recorded } = await sql.query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1`);
    expect(check("11.19", JSON.stringify(appliedNames) === JSON.stringify(MIGRATION_FILES)), `applied ${appliedNames.join(", ")}`).toBe(true);
    expect(check("11.19", JSON.stringify(recorded.map((r: { migration_name: string }) => r.migration_name)) === JSON.stringify(MIGRATION_FILES))).toBe(true);
  });

  it("a widget subscribed on process A receives the prompt when the conversation is resolved on B", async () => {
    const widget = await startWidget(a.url, "Cross");
    const client = wsClient(a.wsUrl, { visitorToken: widget.visitorToken });
    const sub = collect(client, CSAT_REQUESTED, { id: widget.id });
    await until(() => subscribedInRedis(widget.id), 5000, "the subscription in Redis");
    await gqlOk(b.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: widget.id }, ws.token);
    await until(() => sub.events.length > 0, 5000, "the prompt on A");
    expect(sub.events[0]!.data!.csatRequested).toMatchObject({ conversationId: widget.id, token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const { rows } = await sql.query(`SELECT delivered_to_widget FROM csat_survey WHERE conversation_id = $1`, [widget.id]);
    expect(rows).toEqual([{ delivered_to_widget: true }]);
    await client.dispose();
  });

  it("both schedulers run, and each due survey is dispatched and emailed exactly once", async () => {
    await enableCsat(a.url, ws.token, 60);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const c = await gqlOk<{ createConversation: { id: string } }>(
          i % 2 ? a.url : b.url,
          `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
          { input: { channelId: ws.channelId, customer: { name: `C${i}`, email: `c${i}@example.com` } } },
          ws.token,
        );
        ids.push(c.createConversation.id);
        await gqlOk(i % 2 ? b.url : a.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: ids[i] }, ws.token);
      }
      // The hour passes, for one survey after another: each falls due alone and is claimed by whichever
      // scheduler comes first, so both processes' schedulers get their share (one batch would take all 40 at once).
      for (const id of ids) {
        await sql.query(`UPDATE csat_survey SET due_at = now() - interval '1 second' WHERE conversation_id = $1`, [id]);
        await until(
          async () => (await sql.query(`SELECT state FROM csat_survey WHERE conversation_id = $1`, [id])).rows[0].state === "DISPATCHED",
          20_000,
          "a due survey to be dispatched",
        );
      }
      const counts = async () =>
        (
          await sql.query(
            `SELECT count(*)::int AS surveys, count(*) FILTER (WHERE s.state = 'DISPATCHED')::int AS dispatched,
                    count(o.id)::int AS emails, count(*) FILTER (WHERE o.state = 'SENT')::int AS sent
             FROM csat_survey s LEFT JOIN email_outbox o ON o.survey_id = s.id WHERE s.conversation_id = ANY($1::uuid[])`,
            [ids],
          )
        ).rows[0];
      // A send whose answer was lost is retried after its backoff (30 s), so allow for one.
      await until(async () => (await counts()).sent === 40, 60_000, "40 emails sent");
      expect(await counts()).toEqual({ surveys: 40, dispatched: 40, emails: 40, sent: 40 });
      // Each customer got one email (emails go in batches, csat-batch/<id>); a recipient's email was
      // requested more than once only after a logged failed attempt (then under the same key).
      const recipients = ids.map((_, i) => `c${i}@example.com`);
      expect(recipients.filter((to) => resend.deliveredTo(to) === 1)).toHaveLength(40);
      const requestsTo = (to: string) => resend.requests.filter((r) => [r.body.to].flat().includes(to));
      const resent = recipients.filter((to) => requestsTo(to).length > 1).length;
      expect(recipients.filter((to) => new Set(requestsTo(to).map((r) => r.idempotencyKey)).size > 1)).toEqual([]);
      const failures = `${a.output()}${b.output()}`.match(/\[outbox\] batch \S+ \(\d+ email\(s\)\) attempt \d+ failed/g)?.length ?? 0;
      expect(resent).toBeLessThanOrEqual(failures);
      const dispatchedBy = [a, b].map((p) => (p.output().match(/\[scheduler\] dispatched/g) ?? []).length);
      expect(dispatchedBy.reduce((x, y) => x + y)).toBeGreaterThan(0);
      // Each process claimed work: its scheduler dispatched surveys and its outbox sent emails.
      const surveysBy = [a, b].map((p) => [...p.output().matchAll(/\[scheduler\] dispatched (\d+) survey/g)].reduce((n, m) => n + Number(m[1]), 0));
      const sentBy = [a, b].map((p) => (p.output().match(/\[outbox\] sent \d+ survey email/g) ?? []).length);
      console.log(`dispatched by A, B: ${surveysBy.join(", ")}; emails sent by A, B: ${sentBy.join(", ")}`);
      expect(surveysBy[0]! + surveysBy[1]!).toBeGreaterThanOrEqual(40);
      expect(check("11.19", surveysBy.every((n) => n > 0)), `dispatched by A, B: ${surveysBy.join(", ")}`).toBe(true);
      expect(check("11.19", sentBy.every((n) => n > 0)), `sent by A, B: ${sentBy.join(", ")}`).toBe(true);
    } finally {
      await enableCsat(a.url, ws.token, 0);
    }
  }, 120_000);

  it("keeps serving HTTP while Redis is down and resumes fan-out when it returns", async () => {
    const early = await startWidget(a.url, "Before the outage");
    const earlyClient = wsClient(a.wsUrl, { visitorToken: early.visitorToken });
    const earlySub = collect(earlyClient, CSAT_REQUESTED, { id: early.id });
    await until(() => subscribedInRedis(early.id), 5000, "the early subscription");

    await redis.kill();
    await until(() => /\[redis\] \w+ connection lost/.test(a.output()) && /\[redis\] \w+ connection lost/.test(b.output()), 10_000, "both processes to notice");
    // HTTP still answers, and resolving still creates the survey (the push is what waits).
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    const during = await startWidget(b.url, "During the outage");
    const resolved = await gqlOk(b.url, `mutation($id: ID!) { resolveConversation(id: $id) { csatSurvey { state } } }`, { id: during.id }, ws.token);
    expect(resolved.resolveConversation.csatSurvey.state).toBe("DISPATCHED");

    redis = await startRedis(redis.port);
    await until(() => /connection restored/.test(a.output()) && /connection restored/.test(b.output()), 15_000, "both processes to reconnect");
    // The subscription made before the outage is back in Redis and receives its prompt.
    await until(() => subscribedInRedis(early.id), 10_000, "the early subscription to be restored");
    await gqlOk(b.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: early.id }, ws.token);
    await until(() => earlySub.events.length > 0, 5000, "the prompt after the outage");
    expect(earlySub.events[0]!.data!.csatRequested.conversationId).toBe(early.id);
    await earlyClient.dispose();
    expect(a.output()).not.toMatch(/Unhandled|uncaught/i);
    expect(b.output()).not.toMatch(/Unhandled|uncaught/i);
  });
});
