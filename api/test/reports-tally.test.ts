import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../src/app.js";
import { createManualClock } from "../src/clock.js";
import { applyMigrations, readMigrations } from "../src/db/migrate.js";
import { coverWindow } from "../src/services/reports/windows.js";
import { newSecret, sha256, TokenPrefix } from "../src/tokens.js";
import { check, saveChecks } from "./hardening/checks.js";
import { gqlOk } from "../testkit/client.js";
import { createWorkspaceFixture, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

// The tallies (csat_tally, by UTC hour, day and month) against a from-scratch count of csat_survey, after a random
// history of dispatches (immediate and delayed), answers, cancellations and bot and channel
// deletions in two workspaces, resolved by an API key or by teammates, assigned or not (credit fixed at
// dispatch: the assignee, else who resolved it), with assignments changed after dispatch and teammates
// deactivated; and the report over GraphQL against the same count, for every range and random custom
// windows, by bot, channel and teammate. TALLY_SEED=<n> replays a history.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NONE = "00000000-0000-0000-0000-000000000000";
/** "Every bot, channel or teammate" in a tally key. */
const EVERY = "ffffffff-ffff-ffff-ffff-ffffffffffff";
/**
 * The keys a survey counts under, from scratch: the tallies' two groupings, bot x channel (every
 * teammate) and credited teammate (every bot and channel); the nil UUID for none.
 */
const GROUPINGS = `CROSS JOIN LATERAL (VALUES (coalesce(bot_id, '${NONE}'::uuid), coalesce(channel_id, '${NONE}'::uuid), '${EVERY}'::uuid),
                                       ('${EVERY}'::uuid, '${EVERY}'::uuid, coalesce(teammate_id, '${NONE}'::uuid))) AS k(bot_id, channel_id, teammate_id)`;
const SEED = Number(process.env.TALLY_SEED ?? 20261124);
const COUNTS = ["sent", "submitted", "score_sum", "score_1", "score_2", "score_3", "score_4", "score_5"];
/** The tallies as readers see them: each key's shards summed (the caller groups and orders). */
const SUMMED = `grain::text AS grain, bucket, bot_id, channel_id, teammate_id, ${COUNTS.map((c) => `sum(${c})::int AS ${c}`).join(", ")} FROM csat_tally`;
const ALL_ZERO = COUNTS.map((c) => `${c} = 0`).join(" AND ");
/** A key whose shards sum to nothing is no tally (a survey moved away, say, before the shards were folded). */
const NOT_ALL_ZERO = COUNTS.map((c) => `sum(${c}) <> 0`).join(" OR ");

/**
 * The tally keys counted from scratch over csat_survey (both groupings, every grain), ordered as
 * the tallies are read: with the workspace first when `perWorkspace`.
 */
function fromScratchSql(perWorkspace: boolean): string {
  const keys = perWorkspace ? "1, 2, 3, 4, 5, 6" : "1, 2, 3, 4, 5";
  return `SELECT ${perWorkspace ? "workspace_id, " : ""}g.grain, g.bucket, k.bot_id, k.channel_id, k.teammate_id, count(*)::int AS sent,
                 count(answered_at)::int AS submitted, coalesce(sum(score) FILTER (WHERE answered_at IS NOT NULL), 0)::int AS score_sum,
                 ${[1, 2, 3, 4, 5].map((k) => `count(*) FILTER (WHERE answered_at IS NOT NULL AND score = ${k})::int AS score_${k}`).join(", ")}
          FROM csat_survey
          CROSS JOIN LATERAL (VALUES ('HOUR', date_trunc('hour', dispatched_at, 'UTC')), ('DAY', date_trunc('day', dispatched_at, 'UTC')),
                                     ('MONTH', date_trunc('month', dispatched_at, 'UTC'))) AS g(grain, bucket)
          ${GROUPINGS}
          WHERE dispatched_at IS NOT NULL AND state IN ('DISPATCHED', 'SUBMITTED')
          GROUP BY ${keys} ORDER BY ${keys}`;
}

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: T[]) => items[Math.floor(next() * items.length)]! };
}

interface Side {
  ws: WorkspaceFixture;
  bots: string[];
  channels: string[];
  /** Active teammates (besides the admin) and a session token of each that outlives the history. */
  teammates: { id: string; token: string }[];
  /** Survey tokens from the outbox, not yet answered. */
  open: string[];
  /** When each token's survey expires: an answer before then is ACCEPTED, after it EXPIRED. */
  expires: Map<string, Date>;
  seen: Set<string>;
}

const FIGURES = `averageRating responseRate satisfiedRate sent submitted ratingDistribution { score count }`;
const PERIOD = `from to totals { ${FIGURES} } byBot { id label figures { ${FIGURES} } } byChannel { id label figures { ${FIGURES} } }`;
const REPORT = `query($range: CsatRange!, $from: DateTime, $to: DateTime) {
  csatReport(range: $range, from: $from, to: $to) { ${PERIOD} byTeammate { id label figures { ${FIGURES} } } previous { ${PERIOD} } } }`;

interface SurveyRow {
  state: string;
  dispatchedAt: Date | null;
  answeredAt: Date | null;
  score: number | null;
  botId: string | null;
  channelId: string | null;
  teammateId: string | null;
}

/** The figures of a window, counted the plain way over every survey row. */
function recount(surveys: SurveyRow[], names: Map<string, string>, from: Date | null, to: Date | null) {
  const inWindow = surveys.filter(
    (s) =>
      (s.state === "DISPATCHED" || s.state === "SUBMITTED") &&
      s.dispatchedAt !== null &&
      (!from || s.dispatchedAt >= from) &&
      (!to || s.dispatchedAt < to),
  );
  const figures = (rows: SurveyRow[]) => {
    const answered = rows.filter((r) => r.answeredAt !== null);
    const sum = answered.reduce((n, r) => n + r.score!, 0);
    return {
      averageRating: answered.length ? Math.round((sum / answered.length) * 100) / 100 : null,
      responseRate: rows.length ? answered.length / rows.length : null,
      satisfiedRate: answered.length ? answered.filter((r) => r.score! >= 4).length / answered.length : null,
      sent: rows.length,
      submitted: answered.length,
      ratingDistribution: [1, 2, 3, 4, 5].map((score) => ({ score, count: answered.filter((r) => r.score === score).length })),
    };
  };
  const breakdown = (key: (s: SurveyRow) => string | null) => {
    const groups = new Map<string | null, SurveyRow[]>();
    for (const s of inWindow) {
      const id = key(s);
      const k = id && names.has(id) ? id : null;
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    return [...groups]
      .map(([id, rows]) => ({ id, label: id ? names.get(id)! : "— Unattributed —", figures: figures(rows) }))
      .sort((a, b) => (a.id ?? "~").localeCompare(b.id ?? "~"));
  };
  return {
    totals: figures(inWindow),
    byBot: breakdown((s) => s.botId),
    byChannel: breakdown((s) => s.channelId),
    byTeammate: breakdown((s) => s.teammateId),
  };
}

const byId = <T extends { id: string | null }>(rows: T[]) => [...rows].sort((a, b) => (a.id ?? "~").localeCompare(b.id ?? "~"));

afterAll(() => saveChecks("reports-tally"));

describe.each(DB_KINDS)("CSAT tallies on %s", (db: DbKind) => {
  it(`equal a from-scratch count after a random history (seed ${SEED}), and so does the report`, async () => {
    const random = generator(SEED);
    const clock = createManualClock(new Date("2026-01-05T09:17:23.456Z"));
    const server: TestServer = await startTestServer({ db, clock });
    const { url } = server;
    const prisma = server.running.app.prisma;
    try {
      const sides: Side[] = [];
      for (const name of ["Alpha", "Beta"]) {
        const ws = await createWorkspaceFixture(url, name);
        await gqlOk(url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0 }) { enabled } }`, {}, ws.token);
        // An API key, unlike a session, does not expire while the clock runs for months.
        const key = (await gqlOk(url, `mutation { createApiKey(name: "history") { key } }`, {}, ws.token)).createApiKey.key as string;
        const teammates = [];
        for (const [i, role] of ["AGENT", "AGENT", "ADMIN"].entries()) {
          const { createTeammate } = await gqlOk(
            url,
            `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { id } }`,
            { input: { email: `t${i}-${ws.workspaceId.slice(0, 8)}@${name.toLowerCase()}.test`, name: `${name} Teammate ${i}`, role, password: "correct horse battery" } },
            ws.token,
          );
          // A session that outlives the clock's months (a signed-in one lasts 30 days).
          const token = newSecret(TokenPrefix.Session);
          await prisma.session.create({ data: { teammateId: createTeammate.id, tokenHash: sha256(token), expiresAt: new Date("2100-01-01T00:00:00Z") } });
          teammates.push({ id: createTeammate.id as string, token });
        }
        sides.push({ ws: { ...ws, token: key }, bots: [ws.botId], channels: [ws.channelId], teammates, open: [], expires: new Map(), seen: new Set() });
      }
      const mutate = (side: Side, query: string, variables: Record<string, unknown> = {}) => gqlOk(url, query, variables, side.ws.token);

      /** Picks up the tokens of newly dispatched surveys from the outbox. */
      async function collectTokens(side: Side) {
        const emails = await prisma.emailOutbox.findMany({
          where: { workspaceId: side.ws.workspaceId },
          select: { html: true, survey: { select: { expiresAt: true } } },
        });
        for (const { html, survey } of emails) {
          const token = tokenFromEmail(html);
          if (!side.seen.has(token)) {
            side.seen.add(token);
            side.open.push(token);
            side.expires.set(token, survey.expiresAt!);
          }
        }
      }

      async function resolveNew(side: Side) {
        const botId = random.next() < 0.2 ? null : random.pick(side.bots.length ? side.bots : [null]);
        const { createConversation } = await mutate(
          side,
          `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
          { input: { channelId: random.pick(side.channels), botId, customer: { name: "Casey", email: "casey@example.com" } } },
        );
        const id = createConversation.id as string;
        resolved.push({ side, id });
        // Assigned or not; resolved by the API key (no one) or by a teammate.
        if (side.teammates.length && random.next() < 0.4) {
          await mutate(side, `mutation($id: ID!, $t: ID) { assignConversation(id: $id, teammateId: $t) { id } }`, { id, t: random.pick(side.teammates).id });
        }
        const resolver = side.teammates.length && random.next() < 0.5 ? random.pick(side.teammates).token : side.ws.token;
        await gqlOk(url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, resolver);
      }
      const resolved: { side: Side; id: string }[] = [];

      async function answer(side: Side) {
        if (!side.open.length) return;
        const token = side.open.splice(random.int(side.open.length), 1)[0]!;
        // The clock runs on between steps, so some tokens have expired by now: those must say so.
        const expected = clock.now() < side.expires.get(token)! ? "ACCEPTED" : "EXPIRED";
        const { submitCsat } = await gqlOk(url, `mutation($t: String!, $s: Int!, $c: String) { submitCsat(token: $t, score: $s, comment: $c) { outcome } }`, {
          t: token,
          s: 1 + random.int(5),
          c: random.next() < 0.3 ? "a comment" : null,
        });
        outcomes[expected]++;
        expect(check("11.19", submitCsat.outcome === expected), `answer to a token expiring ${side.expires.get(token)!.toISOString()} at ${clock.now().toISOString()}`).toBe(true);
      }
      const outcomes = { ACCEPTED: 0, EXPIRED: 0 };

      /** The tallies summed over their shards; and no shard may keep a row of all zeros. */
      async function tallies() {
        expect(await prisma.$queryRawUnsafe(`SELECT count(*)::int AS n FROM csat_tally WHERE ${ALL_ZERO}`)).toEqual([{ n: 0 }]);
        return prisma.$queryRawUnsafe<unknown[]>(`SELECT workspace_id, ${SUMMED} GROUP BY 1, 2, 3, 4, 5, 6 HAVING ${NOT_ALL_ZERO} ORDER BY 1, 2, 3, 4, 5, 6`);
      }
      const shards = async () =>
        (await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(DISTINCT shard)::int AS n FROM csat_tally WHERE shard <> 0`))[0]!.n;
      const fromScratch = () => prisma.$queryRawUnsafe<unknown[]>(fromScratchSql(true));

      const counts: Record<string, number> = {};
      for (let step = 0; step < 170; step++) {
        const side = random.pick(sides);
        const roll = random.next();
        const op =
          roll < 0.22 ? "advance" : roll < 0.47 ? "dispatch" : roll < 0.55 ? "delayed" : roll < 0.77 ? "answer" : roll < 0.83 ? "create"
          : roll < 0.9 ? "delete" : roll < 0.94 ? "toggle" : roll < 0.965 ? "burst" : roll < 0.975 ? "deactivate" : "reassign";
        counts[op] = (counts[op] ?? 0) + 1;
        switch (op) {
          case "advance":
            clock.advance(random.int(60 * HOUR) + random.int(1000));
            await server.running.workers.runOnce();
            break;
          case "dispatch":
            await resolveNew(side);
            break;
          case "delayed":
            await mutate(side, `mutation($d: Int!) { updateCsatSettings(input: { delayMinutes: $d }) { enabled } }`, { d: random.pick([30, 180, 1440]) });
            await resolveNew(side);
            await mutate(side, `mutation { updateCsatSettings(input: { delayMinutes: 0 }) { enabled } }`);
            break;
          case "answer":
            await answer(side);
            break;
          case "create":
            if (random.next() < 0.5) side.bots.push((await mutate(side, `mutation { createBot(name: "Bot ${step}") { id } }`)).createBot.id);
            else side.channels.push((await mutate(side, `mutation { createChannel(name: "Channel ${step}", kind: EMAIL) { id } }`)).createChannel.id);
            break;
          case "delete":
            if (random.next() < 0.5 && side.bots.length) {
              const id = side.bots.splice(random.int(side.bots.length), 1)[0];
              await mutate(side, `mutation($id: ID!) { deleteBot(id: $id) }`, { id });
            } else if (side.channels.length > 1) {
              const id = side.channels.splice(random.int(side.channels.length), 1)[0];
              await mutate(side, `mutation($id: ID!) { deleteChannel(id: $id) }`, { id });
            }
            break;
          case "deactivate":
            // Their surveys stay theirs, under their name.
            if (side.teammates.length > 1) {
              const [gone] = side.teammates.splice(random.int(side.teammates.length), 1);
              await mutate(side, `mutation($id: ID!) { deactivateTeammate(id: $id) { active } }`, { id: gone!.id });
            }
            break;
          case "reassign": {
            // After dispatch, a new assignee (or none) changes no credit.
            const mine = resolved.filter((r) => r.side === side);
            if (mine.length) {
              const t = side.teammates.length && random.next() < 0.7 ? random.pick(side.teammates).id : null;
              await mutate(side, `mutation($id: ID!, $t: ID) { assignConversation(id: $id, teammateId: $t) { id } }`, { id: random.pick(mine).id, t });
            }
            break;
          }
          case "toggle":
            // Off cancels every survey still waiting for its dispatch.
            await mutate(side, `mutation { updateCsatSettings(input: { enabled: false }) { enabled } }`);
            await mutate(side, `mutation { updateCsatSettings(input: { enabled: true }) { enabled } }`);
            break;
          case "burst": {
            // Answers, new dispatches and a deletion at once: one transaction each, racing.
            await Promise.all([resolveNew(side), resolveNew(side)]);
            await collectTokens(side);
            const victim = side.bots.length > 1 ? side.bots.splice(random.int(side.bots.length), 1)[0] : null;
            await Promise.all([
              answer(side),
              answer(side),
              answer(side),
              resolveNew(side),
              victim ? mutate(side, `mutation($id: ID!) { deleteBot(id: $id) }`, { id: victim }) : null,
              // and a fold of the shards, racing the writers
              prisma.$queryRawUnsafe(`SELECT csat_tally_compact(1000)`),
            ]);
            break;
          }
        }
        await collectTokens(side);
        // Folding the shards into shard 0 now and then, between writes, changes no sum.
        if (step % 50 === 24) await prisma.$queryRawUnsafe(`SELECT csat_tally_compact(${1 + random.int(40)})`);
        if (step % 50 === 49) expect(await tallies()).toEqual(await fromScratch());
      }
      const expected = await fromScratch();
      expect(expected.length).toBeGreaterThan(20);
      // The answers landed: one answered survey per ACCEPTED, and enough of them to test the scores' tallies.
      const answered = await prisma.csatSurvey.count({ where: { answeredAt: { not: null }, state: "SUBMITTED" } });
      console.log(`tally history on ${db}: ${outcomes.ACCEPTED} answers accepted, ${outcomes.EXPIRED} expired; ${JSON.stringify(counts)}`);
      expect(check("11.19", answered === outcomes.ACCEPTED && answered >= 25)).toBe(true);
      expect(await tallies()).toEqual(expected);
      // The worker's pass folds every shard into shard 0.
      await server.running.workers.runOnce();
      expect(await shards()).toBe(0);
      expect(await tallies()).toEqual(expected);
      expect(counts.delete).toBeGreaterThan(3);
      // Credit went every way: to assignees and resolvers, and to no one.
      const credited = await prisma.csatSurvey.groupBy({ by: ["teammateId"], where: { dispatchedAt: { not: null } }, _count: true });
      expect(credited.filter((c) => c.teammateId !== null).length).toBeGreaterThan(3);
      expect(credited.some((c) => c.teammateId === null)).toBe(true);

      // The report, on every range and on random custom windows, matches the plain count.
      const now = clock.now();
      for (const side of sides) {
        const surveys = await prisma.csatSurvey.findMany({ where: { workspaceId: side.ws.workspaceId } });
        const names = new Map<string, string>();
        for (const b of await prisma.bot.findMany({ where: { workspaceId: side.ws.workspaceId } })) names.set(b.id, b.name);
        for (const c of await prisma.channel.findMany({ where: { workspaceId: side.ws.workspaceId } })) names.set(c.id, c.name);
        for (const t of await prisma.teammate.findMany({ where: { workspaceId: side.ws.workspaceId } })) names.set(t.id, t.name);
        const windows: { range: string; from?: Date; to?: Date; current: [Date | null, Date | null]; previous: [Date, Date] | null }[] = [
          ...[7, 30, 90].map((days) => {
            const start = new Date(now.getTime() - days * DAY);
            return {
              range: `LAST_${days}_DAYS`,
              current: [start, null] as [Date | null, Date | null],
              previous: [new Date(start.getTime() - days * DAY), start] as [Date, Date],
            };
          }),
          { range: "ALL_TIME", current: [null, null], previous: null },
        ];
        for (let i = 0; i < 6; i++) {
          const from = new Date(now.getTime() - random.int(120 * DAY));
          const to = new Date(from.getTime() + 1 + random.int(i % 2 ? 3 * DAY : 40 * DAY));
          windows.push({ range: "CUSTOM", from, to, current: [from, to], previous: [new Date(2 * from.getTime() - to.getTime()), from] });
        }
        for (const w of windows) {
          const got = (
            await gqlOk(url, REPORT, { range: w.range, from: w.from?.toISOString(), to: w.to?.toISOString() }, side.ws.token)
          ).csatReport;
          const want = recount(surveys, names, ...w.current);
          expect({ range: w.range, totals: got.totals, byBot: byId(got.byBot), byChannel: byId(got.byChannel), byTeammate: byId(got.byTeammate) }).toEqual({
            range: w.range,
            ...want,
          });
          if (w.previous) {
            const before = recount(surveys, names, ...w.previous);
            const { byTeammate: _previousByTeammate, ...beforeBotChannel } = before;
            expect({ totals: got.previous.totals, byBot: byId(got.previous.byBot), byChannel: byId(got.previous.byChannel) }).toEqual(beforeBotChannel);
          } else {
            expect(got.previous).toBeNull();
          }
        }
      }
    } finally {
      await server.stop();
    }
  }, 240_000);
});

/** An in-memory PGlite with every migration before the one whose name ends with `suffix` applied. */
async function migratedUpTo(suffix: string) {
  const db = new PGlite();
  const session = {
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    exec: async (script: string) => void (await db.exec(script)),
    release: async () => {},
  };
  const migrations = readMigrations(MIGRATIONS_DIR);
  const at = migrations.findIndex((m) => m.name.endsWith(suffix));
  expect(at).toBeGreaterThan(0);
  const before = mkdtempSync(join(tmpdir(), "migrations-before-"));
  try {
    for (const m of migrations.slice(0, at)) cpSync(join(MIGRATIONS_DIR, m.name), join(before, m.name), { recursive: true });
    await applyMigrations(session, before);
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
  return { db, session, migrations, at };
}

/** A database's tallies summed over shards, and the same keys counted from scratch over csat_survey, in one order. */
function tallyReaders(db: PGlite) {
  return {
    tallies: async () => (await db.query(`SELECT ${SUMMED} GROUP BY 1, 2, 3, 4, 5 HAVING ${NOT_ALL_ZERO} ORDER BY 1, 2, 3, 4, 5`)).rows,
    fromScratch: async () => (await db.query(fromScratchSql(false))).rows,
  };
}

describe("the reports_rollup migration", () => {
  it("counts the surveys already there, then keeps counting", async () => {
    const { db, session, migrations, at: rollup } = await migratedUpTo("_reports_rollup");
    await db.exec(`
      INSERT INTO workspace (id, name) VALUES ('11111111-1111-4111-8111-111111111111', 'Old');
      INSERT INTO bot (id, workspace_id, name) VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'Ava');
      INSERT INTO channel (id, workspace_id, name, kind) VALUES ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', 'Web', 'WEB_WIDGET');
      INSERT INTO customer (id, workspace_id, name) VALUES ('44444444-4444-4444-8444-444444444444', '11111111-1111-4111-8111-111111111111', 'C');
      INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status)
        SELECT md5('c' || g)::uuid, '11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333333',
               CASE WHEN g % 3 = 0 THEN NULL ELSE '22222222-2222-4222-8222-222222222222'::uuid END, '44444444-4444-4444-8444-444444444444', 'RESOLVED'
        FROM generate_series(1, 40) g;
      INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, dispatched_at, score, answered_at)
        SELECT c.workspace_id, c.id, c.bot_id, c.channel_id,
               (CASE WHEN g % 10 = 0 THEN 'SCHEDULED' WHEN g % 10 = 1 THEN 'CANCELLED' WHEN g % 2 = 0 THEN 'SUBMITTED' ELSE 'DISPATCHED' END)::"CsatSurveyState",
               'INBOX', timestamptz '2026-03-01T00:00:00Z' + g * interval '7 hours 13 minutes',
               CASE WHEN g % 10 IN (0, 1) THEN NULL ELSE timestamptz '2026-03-01T00:00:00Z' + g * interval '7 hours 13 minutes' END,
               CASE WHEN g % 2 = 0 AND g % 10 <> 0 THEN 1 + g % 5 END,
               CASE WHEN g % 2 = 0 AND g % 10 <> 0 THEN timestamptz '2026-03-01T00:00:00Z' + g * interval '7 hours 14 minutes' END
        FROM generate_series(1, 40) g JOIN conversation c ON c.id = md5('c' || g)::uuid;`);
    expect(await applyMigrations(session, MIGRATIONS_DIR)).toEqual(migrations.slice(rollup).map((m) => m.name));

    const { tallies, fromScratch } = tallyReaders(db);
    const backfilled = await tallies();
    // 32 dispatched surveys (4 scheduled and 4 cancelled do not count), each in one hour, day and month bucket.
    // (Each counts in both groupings: bot x channel, and teammate.)
    const monthly = (rows: unknown[], every: "teammate_id" | "bot_id") =>
      (rows as { grain: string; sent: number; bot_id: string; teammate_id: string }[])
        .filter((t) => t.grain === "MONTH" && t[every] === EVERY)
        .reduce((n, t) => n + t.sent, 0);
    expect([monthly(backfilled, "teammate_id"), monthly(backfilled, "bot_id")]).toEqual([32, 32]);
    expect(backfilled).toEqual(await fromScratch());
    await db.exec(`DELETE FROM bot WHERE id = '22222222-2222-4222-8222-222222222222'`);
    expect(await tallies()).toEqual(await fromScratch());
    // The deletion's moves sit in this session's shard until they are folded into shard 0.
    expect((await db.query(`SELECT count(DISTINCT shard)::int AS n FROM csat_tally`)).rows).toEqual([{ n: 2 }]);
    await db.query(`SELECT csat_tally_compact(10000)`);
    expect((await db.query(`SELECT count(*)::int AS n FROM csat_tally WHERE bot_id NOT IN ('${NONE}', '${EVERY}') OR shard <> 0`)).rows).toEqual([{ n: 0 }]);
    expect(await tallies()).toEqual(await fromScratch());
    await db.close();
  });
});

describe("the tally_groupings migration", () => {
  it("turns bot x channel x teammate tallies into the two groupings, shard by shard, then keeps counting", async () => {
    const { db, session, migrations, at: groupings } = await migratedUpTo("_tally_groupings");
    const W = "11111111-1111-4111-8111-111111111111";
    await db.exec(`
      INSERT INTO workspace (id, name) VALUES ('${W}', 'Old');
      INSERT INTO bot (id, workspace_id, name) VALUES ('22222222-2222-4222-8222-222222222222', '${W}', 'Ava');
      INSERT INTO channel (id, workspace_id, name, kind) VALUES ('33333333-3333-4333-8333-333333333333', '${W}', 'Web', 'WEB_WIDGET'),
                                                                ('33333333-3333-4333-8333-333333333334', '${W}', 'Mail', 'EMAIL');
      INSERT INTO customer (id, workspace_id, name) VALUES ('44444444-4444-4444-8444-444444444444', '${W}', 'C');
      INSERT INTO teammate (id, workspace_id, email, name, role, password_hash)
        SELECT md5('t' || g)::uuid, '${W}', 't' || g || '@old.test', 'T' || g, 'AGENT', 'x' FROM generate_series(1, 3) g;
      INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status)
        SELECT md5('c' || g)::uuid, '${W}', CASE WHEN g % 4 = 0 THEN '33333333-3333-4333-8333-333333333334' ELSE '33333333-3333-4333-8333-333333333333' END::uuid,
               CASE WHEN g % 3 = 0 THEN NULL ELSE '22222222-2222-4222-8222-222222222222'::uuid END, '44444444-4444-4444-8444-444444444444', 'RESOLVED'
        FROM generate_series(1, 60) g;
      INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, teammate_id, state, resolved_via, due_at, dispatched_at, score, answered_at)
        SELECT c.workspace_id, c.id, c.bot_id, c.channel_id, CASE WHEN g % 4 = 3 THEN NULL ELSE md5('t' || (1 + g % 3))::uuid END,
               (CASE WHEN g % 10 = 0 THEN 'SCHEDULED' WHEN g % 10 = 1 THEN 'CANCELLED' WHEN g % 2 = 0 THEN 'SUBMITTED' ELSE 'DISPATCHED' END)::"CsatSurveyState",
               'INBOX', timestamptz '2026-03-01T00:00:00Z' + g * interval '5 hours 13 minutes',
               CASE WHEN g % 10 IN (0, 1) THEN NULL ELSE timestamptz '2026-03-01T00:00:00Z' + g * interval '5 hours 13 minutes' END,
               CASE WHEN g % 2 = 0 AND g % 10 <> 0 THEN 1 + g % 5 END,
               CASE WHEN g % 2 = 0 AND g % 10 <> 0 THEN timestamptz '2026-03-01T00:00:00Z' + g * interval '5 hours 14 minutes' END
        FROM generate_series(1, 60) g JOIN conversation c ON c.id = md5('c' || g)::uuid;
      -- Rows in two shards, as the worker's folding and a writer's session would leave them.
      UPDATE csat_tally SET shard = 0;
      UPDATE csat_tally SET shard = 7 WHERE bucket < timestamptz '2026-03-05T00:00:00Z' AND grain = 'HOUR';`);
    const old = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM csat_tally WHERE teammate_id NOT IN ('${NONE}') AND bot_id <> '${EVERY}'`)).rows;
    expect(old[0]!.n).toBeGreaterThan(0);
    expect(await applyMigrations(session, MIGRATIONS_DIR)).toEqual(migrations.slice(groupings).map((m) => m.name));

    const { tallies, fromScratch } = tallyReaders(db);
    const migrated = await tallies();
    expect(migrated).toEqual(await fromScratch());
    // Every key is in one of the two groupings; the shards were kept apart.
    expect((await db.query(`SELECT count(*)::int AS n FROM csat_tally WHERE teammate_id <> '${EVERY}' AND (bot_id, channel_id) <> ('${EVERY}', '${EVERY}')`)).rows).toEqual([{ n: 0 }]);
    expect((await db.query(`SELECT array_agg(DISTINCT shard ORDER BY shard) AS s FROM csat_tally`)).rows).toEqual([{ s: [0, 7] }]);
    // The new triggers keep counting: an answer, a change of credit, a cancellation, a deleted bot.
    await db.exec(`
      UPDATE csat_survey SET state = 'SUBMITTED', score = 2, answered_at = dispatched_at + interval '1 hour' WHERE state = 'DISPATCHED' AND conversation_id = md5('c3')::uuid;
      UPDATE csat_survey SET teammate_id = md5('t1')::uuid WHERE conversation_id IN (md5('c5')::uuid, md5('c7')::uuid);
      UPDATE csat_survey SET state = 'CANCELLED', cancelled_at = dispatched_at WHERE conversation_id = md5('c9')::uuid;
      DELETE FROM bot WHERE id = '22222222-2222-4222-8222-222222222222';`);
    expect(await tallies()).toEqual(await fromScratch());
    await db.query(`SELECT csat_tally_compact(10000)`);
    expect((await db.query(`SELECT count(*)::int AS n FROM csat_tally WHERE shard <> 0`)).rows).toEqual([{ n: 0 }]);
    expect(await tallies()).toEqual(await fromScratch());
    await db.close();
  });
});

describe("coverWindow", () => {
  const iso = (pieces: ReturnType<typeof coverWindow>) =>
    pieces.map((p) => `${p.grain} ${p.from?.toISOString() ?? "−∞"} → ${p.to?.toISOString() ?? "∞"}`);

  it("uses whole months, then days and hours at the ends, and exact partial hours", () => {
    expect(iso(coverWindow({ from: new Date("2026-01-30T10:20:00.000Z"), to: new Date("2026-04-02T05:00:00.000Z") }))).toEqual([
      "EXACT 2026-01-30T10:20:00.000Z → 2026-01-30T11:00:00.000Z",
      "HOUR 2026-01-30T11:00:00.000Z → 2026-01-31T00:00:00.000Z",
      "DAY 2026-01-31T00:00:00.000Z → 2026-02-01T00:00:00.000Z",
      "MONTH 2026-02-01T00:00:00.000Z → 2026-04-01T00:00:00.000Z",
      "DAY 2026-04-01T00:00:00.000Z → 2026-04-02T00:00:00.000Z",
      "HOUR 2026-04-02T00:00:00.000Z → 2026-04-02T05:00:00.000Z",
    ]);
    expect(iso(coverWindow({ from: null, to: null }))).toEqual(["MONTH −∞ → ∞"]);
    expect(iso(coverWindow({ from: new Date("2026-06-08T15:30:00.000Z"), to: null }))).toEqual([
      "EXACT 2026-06-08T15:30:00.000Z → 2026-06-08T16:00:00.000Z",
      "HOUR 2026-06-08T16:00:00.000Z → 2026-06-09T00:00:00.000Z",
      "DAY 2026-06-09T00:00:00.000Z → 2026-07-01T00:00:00.000Z",
      "MONTH 2026-07-01T00:00:00.000Z → ∞",
    ]);
    expect(iso(coverWindow({ from: new Date("2026-06-08T15:29:59.999Z"), to: new Date("2026-06-08T15:30:00.000Z") }))).toEqual([
      "EXACT 2026-06-08T15:29:59.999Z → 2026-06-08T15:30:00.000Z",
    ]);
  });

  it("covers any window exactly once, with at most 2 partial hours, 46 hours and 60 days besides its months", () => {
    const random = generator(SEED);
    for (let i = 0; i < 2000; i++) {
      const from = Date.UTC(2020, 0, 1) + random.int(6 * 365) * DAY + random.int(DAY);
      const to = from + 1 + random.int(random.next() < 0.5 ? 3 * DAY : 900 * DAY);
      const pieces = coverWindow({ from: new Date(from), to: new Date(to) });
      expect(pieces[0]!.from!.getTime()).toBe(from);
      expect(pieces.at(-1)!.to!.getTime()).toBe(to);
      for (let k = 1; k < pieces.length; k++) expect(pieces[k]!.from!.getTime()).toBe(pieces[k - 1]!.to!.getTime());
      const span = (grain: string, unit: number) =>
        pieces.filter((p) => p.grain === grain).reduce((n, p) => n + (p.to!.getTime() - p.from!.getTime()) / unit, 0);
      expect(pieces.filter((p) => p.grain === "EXACT").length).toBeLessThanOrEqual(2);
      expect(span("HOUR", HOUR)).toBeLessThanOrEqual(46);
      expect(span("DAY", DAY)).toBeLessThanOrEqual(60);
      expect(pieces.filter((p) => p.grain === "MONTH").length).toBeLessThanOrEqual(1);
      for (const p of pieces.filter((p) => p.grain !== "EXACT")) {
        const start = p.from!;
        expect(start.getUTCMinutes() + start.getUTCSeconds() + start.getUTCMilliseconds()).toBe(0);
        if (p.grain !== "HOUR") expect(start.getUTCHours()).toBe(0);
        if (p.grain === "MONTH") expect(start.getUTCDate()).toBe(1);
      }
    }
  });
});
