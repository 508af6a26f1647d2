// Issue 13: survey email at the provider's real limits — batches, pacing, instant hand-off,
// delivery events (Svix-signed), suppression, reminders. Against the Resend stand-in, with the real SDK.
import { randomBytes } from "node:crypto";
import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { gql, gqlOk, until } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startResendStandIn } from "../testkit/resend.js";
import { createTestDatabase, DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const DAY = 86_400_000;
const START = new Date("2026-07-01T09:00:00Z");

const resolve = (server: TestServer, ws: WorkspaceFixture, id: string) =>
  gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);

/** `count` customers with a conversation and a survey SCHEDULED for `dueAt`, written in one go. */
async function seedScheduledSurveys(server: TestServer, ws: WorkspaceFixture, emails: string[], dueAt: Date): Promise<void> {
  const { sql } = server.running.app;
  const seed = randomBytes(6).toString("hex");
  await sql.query(
    `WITH input AS (SELECT e.email, e.n FROM unnest($1::text[]) WITH ORDINALITY AS e(email, n)),
     cu AS (
       INSERT INTO customer (id, workspace_id, name, email)
       SELECT md5($2 || ':cu:' || n)::uuid, $3::uuid, 'Customer ' || n, email FROM input RETURNING id
     ),
     cv AS (
       INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status, resolved_at, first_resolved_at, updated_at)
       SELECT md5($2 || ':cv:' || n)::uuid, $3::uuid, $4::uuid, $5::uuid, md5($2 || ':cu:' || n)::uuid, 'RESOLVED', $6, $6, $6
       FROM input WHERE EXISTS (SELECT 1 FROM cu) RETURNING id
     )
     INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at)
     SELECT $3::uuid, md5($2 || ':cv:' || n)::uuid, $5::uuid, $4::uuid, 'SCHEDULED', 'INBOX', $7
     FROM input WHERE EXISTS (SELECT 1 FROM cv)`,
    [emails, seed, ws.workspaceId, ws.channelId, ws.botId, START, dueAt],
  );
}

async function outboxStates(server: TestServer, workspaceId: string): Promise<Record<string, number>> {
  const rows = await server.running.app.sql.query<{ state: string; n: number }>(
    `SELECT state::text, count(*)::int AS n FROM email_outbox WHERE workspace_id = $1::uuid GROUP BY state ORDER BY state::text`,
    [workspaceId],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

const tokenIn = (html: string) => /\/csat\/([0-9a-f]{32})/.exec(html)?.[1] ?? null;

describe.each(DB_KINDS)("batches and pacing on %s", (db: DbKind) => {
  it("1,000 surveys falling due at once: each email accepted once, in batches of 100 at 2 requests/s; a bad address holds back no one", async () => {
    const resend = await startResendStandIn({ requestsPerSecond: 2, refuse: /^refused\d*@/ });
    const clock = createManualClock(START);
    const server = await startTestServer({ db, clock, config: { resendApiKey: "re_batch", resendBaseUrl: resend.url, resendRequestsPerSecond: 2 } });
    try {
      const ws = await createWorkspaceFixture(server.url, "Monday");
      await enableCsat(server.url, ws.token, 60);
      const good = Array.from({ length: 1000 }, (_, i) => `c${i}@monday.test`);
      // One address no provider takes (failed before batching), one the provider refuses (the batch is split).
      const refused = ["refused@monday.test", "refused2@monday.test", "refused3@monday.test"];
      await seedScheduledSurveys(server, ws, [...refused, "not an address", ...good], new Date(START.getTime() + DAY));
      clock.advance(DAY + 1000);
      const started = Date.now();
      await server.running.workers.runOnce();
      await until(async () => JSON.stringify(await outboxStates(server, ws.workspaceId)) === JSON.stringify({ FAILED: 4, SENT: 1000 }), 120_000, "1,000 emails sent");
      const seconds = (Date.now() - started) / 1000;
      expect(await outboxStates(server, ws.workspaceId)).toEqual({ FAILED: 4, SENT: 1000 });
      // Every customer got exactly one email; none was sent twice, none lost.
      const counts = good.map((to) => resend.deliveredTo(to));
      expect(counts.filter((n) => n !== 1)).toEqual([]);
      expect(resend.delivered.size).toBe(1000);
      for (const to of refused) expect(resend.deliveredTo(to)).toBe(0);
      // Batches, not one call per email; every call under a csat-batch/<id> key; none rate-limited (paced).
      const keys = new Set(resend.requests.map((r) => r.idempotencyKey));
      expect([...keys].every((k) => /^csat-batch\/[0-9a-f-]{36}$/.test(k ?? ""))).toBe(true);
      expect(resend.requests.every((r) => r.batch)).toBe(true);
      // 11 batches, and the refused ones split until the refused address stands alone.
      expect(resend.state.calls).toBeGreaterThan(11);
      expect(resend.state.calls).toBeLessThan(100);
      expect(resend.state.rateLimited).toBe(0);
      const failed = await server.running.app.prisma.emailOutbox.findMany({ where: { workspaceId: ws.workspaceId, state: "FAILED" }, orderBy: [{ to: "asc" }] });
      const byAddress = (a: (string | null)[], b: (string | null)[]) => (a[0]! < b[0]! ? -1 : 1);
      expect(failed.map((f) => [f.to, f.lastError]).sort(byAddress)).toEqual(
        [
          ["not an address", "Not sent: the address is not a valid email address"],
          ...refused.map((to) => [to, "validation_error (422): Invalid `to` field."]),
        ].sort(byAddress),
      );
      console.log(`[email] 1,000 due at once (${db}): sent in ${seconds.toFixed(1)} s with ${resend.state.calls} provider calls`);
    } finally {
      await server.stop();
      await resend.stop();
    }
  }, 180_000);

  it("a 429 is not a failed attempt: a server paced faster than the provider allows still sends each email once, none FAILED", async () => {
    const resend = await startResendStandIn({ requestsPerSecond: 2 });
    const clock = createManualClock(START);
    // Two requests a second at the provider, ten from us: the provider answers 429 with retry-after.
    const server = await startTestServer({ db, clock, config: { resendApiKey: "re_429", resendBaseUrl: resend.url, resendRequestsPerSecond: 10 } });
    try {
      const ws = await createWorkspaceFixture(server.url, "Eager");
      await enableCsat(server.url, ws.token, 60);
      const emails = Array.from({ length: 450 }, (_, i) => `e${i}@eager.test`);
      await seedScheduledSurveys(server, ws, emails, new Date(START.getTime() + DAY));
      clock.advance(DAY + 1000);
      await server.running.workers.runOnce();
      await until(async () => (await outboxStates(server, ws.workspaceId)).SENT === 450, 90_000, "450 emails sent");
      expect(resend.state.rateLimited).toBeGreaterThan(0);
      expect(emails.map((to) => resend.deliveredTo(to)).filter((n) => n !== 1)).toEqual([]);
      const attempts = await server.running.app.sql.query<{ max: number }>(`SELECT max(attempts)::int AS max FROM email_outbox WHERE workspace_id = $1::uuid`, [ws.workspaceId]);
      expect(attempts[0]!.max).toBe(1);
    } finally {
      await server.stop();
      await resend.stop();
    }
  }, 150_000);
});

describe.each(DB_KINDS)("instant hand-off on %s", (db: DbKind) => {
  it("an immediate survey's email reaches the provider at once, with no worker tick (and, on PostgreSQL, from another process)", async () => {
    const resend = await startResendStandIn();
    const database = db === "postgres" ? await createTestDatabase() : null;
    // The tick is an hour: only the wake-up can send it.
    const base = { workerIntervalMs: 3_600_000, databaseUrl: database?.url };
    const sender = await startTestServer({ db, config: { ...base, resendApiKey: "re_now", resendBaseUrl: resend.url } });
    // On PostgreSQL the resolve goes to a second process whose workers are stopped: its commit's NOTIFY wakes the first.
    const front = database ? await startTestServer({ db, config: { ...base, resendApiKey: "re_now", resendBaseUrl: resend.url } }) : sender;
    if (front !== sender) await front.running.workers.stop();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const ws = await createWorkspaceFixture(front.url, "Instant");
      await enableCsat(front.url, ws.token, 0);
      const id = await createConversation(front.url, ws, { name: "Ida", email: "ida@instant.test" });
      const at = Date.now();
      await resolve(front, ws, id);
      await until(() => resend.deliveredTo("ida@instant.test") === 1, 5_000, "the email at the provider");
      const ms = Date.now() - at;
      console.log(`[email] resolve → accepted by the provider (${db}${database ? ", other process" : ""}): ${ms} ms`);
      expect(ms).toBeLessThan(5_000);
    } finally {
      if (front !== sender) await front.stop();
      await sender.stop();
      await database?.drop();
      await resend.stop();
    }
  }, 60_000);
});

const SECRET = `whsec_${randomBytes(24).toString("base64")}`;

/** Posts `event` to the webhook, signed by the svix library itself with `secret`. */
async function postEvent(url: string, event: unknown, options: { id?: string; secret?: string; at?: Date } = {}) {
  const id = options.id ?? `msg_${randomBytes(8).toString("hex")}`;
  const payload = JSON.stringify(event);
  const at = options.at ?? new Date();
  const signature = new Webhook(options.secret ?? SECRET).sign(id, at, payload);
  const res = await fetch(`${url}/api/webhooks/resend`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": signature,
    },
    body: payload,
  });
  return { status: res.status, id };
}

const event = (type: string, emailId: string, extra: Record<string, unknown> = {}) => ({
  type,
  created_at: new Date().toISOString(),
  data: { email_id: emailId, to: ["x@example.com"], ...extra },
});

describe.each(DB_KINDS)("delivery events on %s", (db: DbKind) => {
  it("Svix-signed events are recorded once; forged, stale or replayed ones change nothing; a bounced address gets no next survey email", async () => {
    const resend = await startResendStandIn();
    const server = await startTestServer({ db, config: { resendApiKey: "re_events", resendBaseUrl: resend.url, resendWebhookSecret: SECRET } });
    try {
      const ws = await createWorkspaceFixture(server.url, "Events");
      await enableCsat(server.url, ws.token, 0);
      const people = { ann: "ann@events.test", bob: "Bob@Events.test", cat: "cat@events.test", dan: "dan@events.test" };
      const conversations: Record<string, string> = {};
      for (const [name, email] of Object.entries(people)) {
        conversations[name] = await createConversation(server.url, ws, { name, email });
        await resolve(server, ws, conversations[name]!);
      }
      await server.running.workers.runOnce();
      await until(() => resend.delivered.size === 4, 10_000, "four emails sent");
      const providerId = (to: string) => resend.deliveredEmails(to)[0]!.id!;
      const delivery = async (name: string) =>
        (await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { csatSurvey { emailDelivery } } }`, { id: conversations[name] }, ws.token))
          .conversation.csatSurvey.emailDelivery as string | null;
      expect(await delivery("ann")).toBe("ACCEPTED");

      const firstEvent = await postEvent(server.url, event("email.delivered", providerId(people.ann)));
      expect(firstEvent.status, server.log.lines.filter((l) => /error/i.test(l)).join("\n")).toBe(200);
      expect((await postEvent(server.url, event("email.delivery_delayed", providerId(people.dan)))).status).toBe(200);
      const bounce = await postEvent(server.url, event("email.bounced", providerId(people.bob), { bounce: { type: "Permanent", subType: "General" } }));
      expect(bounce.status).toBe(200);
      expect((await postEvent(server.url, event("email.complained", providerId(people.cat)))).status).toBe(200);
      expect([await delivery("ann"), await delivery("bob"), await delivery("cat"), await delivery("dan")]).toEqual(["DELIVERED", "BOUNCED", "COMPLAINED", "DELAYED"]);
      // A later, lesser event does not take a bounce back.
      expect((await postEvent(server.url, event("email.delivered", providerId(people.bob)))).status).toBe(200);
      expect(await delivery("bob")).toBe("BOUNCED");

      // Reports count bounced surveys apart.
      const report = await gqlOk(server.url, `{ csatReport(range: ALL_TIME) { bounced totals { sent } } }`, {}, ws.token);
      expect(report.csatReport.bounced).toBe(1);
      const suppressions = async () =>
        (await gqlOk(server.url, `{ emailSuppressions { email reason } }`, {}, ws.token)).emailSuppressions as { email: string; reason: string }[];
      expect((await suppressions()).sort((a, b) => a.email.localeCompare(b.email))).toEqual([
        { email: "bob@events.test", reason: "BOUNCED" },
        { email: "cat@events.test", reason: "COMPLAINED" },
      ]);

      // Forged (another secret), stale (10 minutes old) and unsigned events: 401, nothing changed.
      expect((await postEvent(server.url, event("email.bounced", providerId(people.ann)), { secret: `whsec_${randomBytes(24).toString("base64")}` })).status).toBe(401);
      expect((await postEvent(server.url, event("email.complained", providerId(people.ann)), { at: new Date(Date.now() - 10 * 60_000) })).status).toBe(401);
      const unsigned = await fetch(`${server.url}/api/webhooks/resend`, { method: "POST", body: JSON.stringify(event("email.bounced", providerId(people.ann))) });
      expect(unsigned.status).toBe(401);
      expect(await delivery("ann")).toBe("DELIVERED");
      expect((await suppressions()).map((s) => s.email)).not.toContain("ann@events.test");

      // An admin takes bob off the list (audited); the replayed bounce (same svix-id) does not put him back.
      expect((await gqlOk(server.url, `mutation { removeEmailSuppression(email: "BOB@events.test") }`, {}, ws.token)).removeEmailSuppression).toBe(true);
      expect((await gqlOk(server.url, `mutation { removeEmailSuppression(email: "bob@events.test") }`, {}, ws.token)).removeEmailSuppression).toBe(false);
      const audit = await gqlOk(server.url, `{ auditLog(first: 5) { action } }`, {}, ws.token);
      expect(audit.auditLog.map((a: { action: string }) => a.action)).toContain("emailSuppression.remove");
      const replay = await postEvent(server.url, event("email.bounced", providerId(people.bob), { bounce: { type: "Permanent" } }), { id: bounce.id });
      expect(replay.status).toBe(200);
      expect((await suppressions()).map((s) => s.email)).toEqual(["cat@events.test"]);

      // Without a credential, neither the list nor its change.
      expect((await gql(server.url, `{ emailSuppressions { email } }`, {})).errors?.length).toBeGreaterThan(0);
      expect((await gql(server.url, `mutation { removeEmailSuppression(email: "cat@events.test") }`, {})).errors?.length).toBeGreaterThan(0);

      // cat complained: her next conversation (no widget to ask in) makes no survey, and says why.
      const next = await createConversation(server.url, ws, { name: "Cat again", email: people.cat });
      await resolve(server, ws, next);
      await server.running.workers.runOnce();
      const rows = await server.running.app.prisma.emailOutbox.findMany({ where: { survey: { conversationId: next } } });
      expect(rows).toEqual([]);
      expect((await server.running.app.prisma.conversation.findUniqueOrThrow({ where: { id: next } })).csatSkipReason).toBe("SUPPRESSED_EMAIL");
      expect(resend.deliveredTo(people.cat)).toBe(1);
    } finally {
      await server.stop();
      await resend.stop();
    }
  }, 120_000);

  if (db === "pglite") {
    it("without RESEND_WEBHOOK_SECRET the endpoint answers 404", async () => {
      const server = await startTestServer({ db });
      try {
        expect((await postEvent(server.url, event("email.delivered", "email_1"))).status).toBe(404);
      } finally {
        await server.stop();
      }
    });
  }
});

describe.each(DB_KINDS)("reminders on %s", (db: DbKind) => {
  it("one reminder N days after dispatch, same link, only while unanswered, once even with two processes", async () => {
    const resend = await startResendStandIn();
    const database = db === "postgres" ? await createTestDatabase() : null;
    const clock = createManualClock(START);
    const config = { resendApiKey: "re_remind", resendBaseUrl: resend.url, databaseUrl: database?.url };
    const first = await startTestServer({ db, clock, config });
    const second = database ? await startTestServer({ db, clock, config }) : null;
    try {
      const ws = await createWorkspaceFixture(first.url, "Remind");
      await enableCsat(first.url, ws.token, 0);
      const bad = await gql(first.url, `mutation { updateCsatSettings(input: { reminderAfterDays: 30 }) { reminderAfterDays } }`, {}, ws.token);
      expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      const set = await gqlOk(first.url, `mutation { updateCsatSettings(input: { reminderAfterDays: 3 }) { reminderAfterDays } }`, {}, ws.token);
      expect(set.updateCsatSettings.reminderAfterDays).toBe(3);
      const audit = await gqlOk(first.url, `{ auditLog(first: 5) { after } }`, {}, ws.token);
      const afters = audit.auditLog.map((a: { after: unknown }) => (typeof a.after === "string" ? JSON.parse(a.after) : a.after));
      expect(afters.some((a: { reminderAfterDays?: number }) => a.reminderAfterDays === 3)).toBe(true);

      const ann = await createConversation(first.url, ws, { name: "Ann", email: "ann@remind.test" });
      const bob = await createConversation(first.url, ws, { name: "Bob", email: "bob@remind.test" });
      await resolve(first, ws, ann);
      await resolve(first, ws, bob);
      await first.running.workers.runOnce();
      await until(() => resend.delivered.size === 2, 10_000, "two survey emails");
      const annLink = tokenIn(resend.deliveredEmails("ann@remind.test")[0]!.body.html)!;
      // Bob answers: his reminder is cancelled.
      const bobToken = tokenIn(resend.deliveredEmails("bob@remind.test")[0]!.body.html)!;
      await gqlOk(first.url, `mutation($t: String!) { submitCsat(token: $t, score: 5) { outcome } }`, { t: bobToken });

      const runAll = () => Promise.all([first.running.workers.runOnce(), second?.running.workers.runOnce()]);
      clock.advance(3 * DAY - 60_000);
      await runAll();
      expect(resend.delivered.size).toBe(2); // not yet: day 3 is a minute away
      clock.advance(2 * 60_000);
      await runAll();
      await runAll();
      expect(resend.deliveredTo("ann@remind.test")).toBe(2);
      expect(resend.deliveredTo("bob@remind.test")).toBe(1);
      const reminder = resend.deliveredEmails("ann@remind.test")[1]!;
      expect(reminder.body.subject).toBe("Reminder: How was your experience with Remind?");
      expect(tokenIn(reminder.body.html)).toBe(annLink);
      const kinds = await first.running.app.prisma.emailOutbox.findMany({ where: { workspaceId: ws.workspaceId }, orderBy: [{ to: "asc" }, { kind: "asc" }] });
      expect(kinds.map((k) => [k.to, k.kind, k.state])).toEqual([
        ["ann@remind.test", "SURVEY", "SENT"],
        ["ann@remind.test", "REMINDER", "SENT"],
        ["bob@remind.test", "SURVEY", "SENT"],
        ["bob@remind.test", "REMINDER", "CANCELLED"],
      ]);
      // The cancelled reminder's kept copy holds no token.
      expect(kinds[3]!.html).not.toContain(bobToken);
      // Days later, nothing more.
      clock.advance(5 * DAY);
      await runAll();
      expect(resend.delivered.size).toBe(3);
    } finally {
      await second?.stop();
      await first.stop();
      await database?.drop();
      await resend.stop();
    }
  }, 120_000);
});
