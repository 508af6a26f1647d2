import { Prisma, type Bot, type Channel } from "../generated/prisma/client.js";
import type { ChannelKind } from "../generated/prisma/enums.js";
import { badInput } from "../errors.js";
import type { Actor } from "./actors.js";
import { requireAdmin, requireMember } from "./actors.js";
import type { App } from "./app.js";
import { SURVEY_LIFETIME_MS } from "./csat.js";
import { pageSize } from "./validation.js";

export const CSAT_RANGES = ["LAST_7_DAYS", "LAST_30_DAYS", "LAST_90_DAYS", "ALL_TIME", "CUSTOM"] as const;
export type CsatRange = (typeof CSAT_RANGES)[number];

const RANGE_DAYS: Record<Exclude<CsatRange, "CUSTOM">, number | null> = {
  LAST_7_DAYS: 7,
  LAST_30_DAYS: 30,
  LAST_90_DAYS: 90,
  ALL_TIME: null,
};

const DAY_MS = 86_400_000;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

export const UNATTRIBUTED = "— Unattributed —";

/** Surveys dispatched at or after `from` and before `to` count; a null end is open. */
export interface CsatWindow {
  from: Date | null;
  to: Date | null;
}

export interface CsatRatingCount {
  score: number;
  count: number;
}

export interface CsatFigures {
  averageRating: number | null;
  responseRate: number | null;
  /** Share of the answers rated 4 or 5. */
  satisfiedRate: number | null;
  sent: number;
  submitted: number;
  /** How many answers gave each score, 1 to 5. */
  ratingDistribution: CsatRatingCount[];
}

export interface CsatBreakdownRow {
  id: string | null;
  label: string;
  figures: CsatFigures;
}

export interface CsatPeriod extends CsatWindow {
  totals: CsatFigures;
  byBot: CsatBreakdownRow[];
  byChannel: CsatBreakdownRow[];
}

export interface CsatReport extends CsatPeriod {
  range: CsatRange;
  workspaceId: string;
  /** The window of equal length just before; null for ALL_TIME. */
  previous: CsatPeriod | null;
  /** The newest `limit` comments, when they were read beside the figures. */
  comments?: { limit: number; rows: CsatComment[] };
}

/**
 * The report's windows, by dispatch time. A preset is the last N×24 hours up to now, exact to the
 * millisecond: surveys dispatched at or after `now − N days`. CUSTOM is `[from, to)`. The previous
 * period is the window of the same length that ends where this one starts.
 */
export function csatWindows(
  range: CsatRange,
  now: Date,
  custom: { from?: Date | null; to?: Date | null } = {},
): { current: CsatWindow; previous: CsatWindow | null } {
  const from = custom.from ?? null;
  const to = custom.to ?? null;
  if (range !== "CUSTOM") {
    if (from || to) throw badInput("from and to go with range: CUSTOM");
    const days = RANGE_DAYS[range];
    if (days === null) return { current: { from: null, to: null }, previous: null };
    const start = new Date(now.getTime() - days * DAY_MS);
    return { current: { from: start, to: null }, previous: { from: new Date(start.getTime() - days * DAY_MS), to: start } };
  }
  if (!from || !to) throw badInput("range: CUSTOM needs both from and to");
  if (from.getTime() >= to.getTime()) throw badInput("from must be before to");
  if (from.getTime() < EARLIEST || to.getTime() > LATEST) throw badInput("from and to must lie between the years 1970 and 9999");
  const length = to.getTime() - from.getTime();
  return { current: { from, to }, previous: { from: new Date(from.getTime() - length), to: from } };
}

function parseInstant(name: string, value: string | null | undefined): Date | null {
  if (value === undefined || value === null || value === "") return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`${name} must be an ISO 8601 date and time`);
  return date;
}

/** A range's custom ends as text (MCP, the CSV export's query string), checked. */
export function parseCsatWindow(input: { from?: string | null; to?: string | null }): { from: Date | null; to: Date | null } {
  return { from: parseInstant("from", input.from), to: parseInstant("to", input.to) };
}

export function parseCsatRange(value: string | null | undefined): CsatRange {
  const range = CSAT_RANGES.find((r) => r === value);
  if (!range) throw badInput(`range must be one of ${CSAT_RANGES.join(", ")}`);
  return range;
}

export type CsatGrain = "MONTH" | "DAY" | "HOUR";

/** The first instant of `t`'s UTC hour, day or month; `up` rounds up instead (an aligned `t` stays). */
function align(t: Date, grain: CsatGrain, up: boolean): Date {
  const d = new Date(t.getTime());
  if (grain === "HOUR") d.setUTCMinutes(0, 0, 0);
  else d.setUTCHours(0, 0, 0, 0);
  if (grain === "MONTH") d.setUTCDate(1);
  if (!up || d.getTime() === t.getTime()) return d;
  if (grain === "HOUR") d.setUTCHours(d.getUTCHours() + 1);
  else if (grain === "DAY") d.setUTCDate(d.getUTCDate() + 1);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

export interface CsatWindowPiece extends CsatWindow {
  /** Read from the tallies of this grain, or counted from csat_survey itself ("EXACT"). */
  grain: CsatGrain | "EXACT";
}

const FINER: Record<CsatGrain, CsatGrain | "EXACT"> = { MONTH: "DAY", DAY: "HOUR", HOUR: "EXACT" };

/**
 * Covers a window with the largest tally buckets that fit inside it: whole UTC months, then whole
 * days and whole hours at its ends, and the partial hours at its very ends counted exactly from
 * csat_survey. A window so reads at most its months, 2 × 30 days, 2 × 23 hours and 2 partial hours,
 * however long it is, and stays exact to the millisecond.
 */
export function coverWindow({ from, to }: CsatWindow, grain: CsatGrain | "EXACT" = "MONTH"): CsatWindowPiece[] {
  if (from && to && from.getTime() >= to.getTime()) return [];
  if (grain === "EXACT") return [{ grain, from, to }];
  const start = from && align(from, grain, true);
  const end = to && align(to, grain, false);
  if (start && end && start.getTime() >= end.getTime()) return coverWindow({ from, to }, FINER[grain]);
  return [
    ...(from && start!.getTime() > from.getTime() ? coverWindow({ from, to: start }, FINER[grain]) : []),
    { grain, from: start, to: end },
    ...(to && end!.getTime() < to.getTime() ? coverWindow({ from: end, to }, FINER[grain]) : []),
  ];
}

interface TallyRow {
  period: number;
  bot_id: string;
  bot_name: string | null;
  channel_id: string;
  channel_name: string | null;
  sent: number;
  submitted: number;
  score_sum: number;
  score_1: number;
  score_2: number;
  score_3: number;
  score_4: number;
  score_5: number;
}

interface Tally {
  sent: number;
  submitted: number;
  scoreSum: number;
  scores: [number, number, number, number, number];
}

const emptyTally = (): Tally => ({ sent: 0, submitted: 0, scoreSum: 0, scores: [0, 0, 0, 0, 0] });

function addTo(into: Tally, t: Tally) {
  into.sent += t.sent;
  into.submitted += t.submitted;
  into.scoreSum += t.scoreSum;
  for (let i = 0; i < 5; i++) into.scores[i]! += t.scores[i]!;
}

function figures(t: Tally): CsatFigures {
  return {
    averageRating: t.submitted ? Math.round((t.scoreSum / t.submitted) * 100) / 100 : null,
    responseRate: t.sent ? t.submitted / t.sent : null,
    satisfiedRate: t.submitted ? (t.scores[3] + t.scores[4]) / t.submitted : null,
    sent: t.sent,
    submitted: t.submitted,
    ratingDistribution: t.scores.map((count, i) => ({ score: i + 1, count })),
  };
}

function rows(tallies: Map<string | null, { label: string; tally: Tally }>): CsatBreakdownRow[] {
  return [...tallies]
    .map(([id, { label, tally }]) => ({ id, label, figures: figures(tally) }))
    .sort((a, b) => Number(a.id === null) - Number(b.id === null) || b.figures.sent - a.figures.sent || a.label.localeCompare(b.label));
}

function period(window: CsatWindow, groups: TallyRow[]): CsatPeriod {
  const total = emptyTally();
  const byBot = new Map<string | null, { label: string; tally: Tally }>();
  const byChannel = new Map<string | null, { label: string; tally: Tally }>();
  const add = (map: typeof byBot, id: string | null, label: string | null, t: Tally) => {
    // A key with no live bot or channel behind it (none, or deleted) is unattributed.
    const key = label === null ? null : id;
    const entry = map.get(key) ?? { label: label ?? UNATTRIBUTED, tally: emptyTally() };
    addTo(entry.tally, t);
    map.set(key, entry);
  };
  for (const g of groups) {
    const t: Tally = {
      sent: g.sent,
      submitted: g.submitted,
      scoreSum: g.score_sum,
      scores: [g.score_1, g.score_2, g.score_3, g.score_4, g.score_5],
    };
    addTo(total, t);
    add(byBot, g.bot_id, g.bot_name, t);
    add(byChannel, g.channel_id, g.channel_name, t);
  }
  return { ...window, totals: figures(total), byBot: rows(byBot), byChannel: rows(byChannel) };
}

/**
 * The tallies of a workspace summed per period, bot and channel, each period covered by its pieces
 * (see `coverWindow`): csat_report_tallies (migration reports_rollup), one index range scan a piece.
 */
function readTallies(app: App, workspaceId: string, pieces: (CsatWindowPiece & { period: number })[]): Promise<TallyRow[]> {
  return app.prisma.$queryRaw<TallyRow[]>`
    SELECT * FROM csat_report_tallies(
      ${workspaceId}::uuid,
      ${pieces.map((p) => p.period)}::int[],
      ${pieces.map((p) => p.grain)}::text[],
      ${pieces.map((p) => (p.from ? p.from.toISOString() : "-infinity"))}::timestamptz[],
      ${pieces.map((p) => (p.to ? p.to.toISOString() : "infinity"))}::timestamptz[]
    )`;
}

/**
 * The CSAT report of one workspace: sent and submitted always come from one population, the
 * surveys dispatched in the window; scheduled and cancelled surveys never count. The window is
 * read from the tallies (see `coverWindow`), with the previous period beside it, in one query. A survey whose bot or channel is gone counts under "— Unattributed —".
 */
export async function csatReport(
  app: App,
  actor: Actor | null,
  range: CsatRange,
  custom: { from?: Date | null; to?: Date | null } = {},
  options: { comments?: number } = {},
): Promise<CsatReport> {
  const member = requireMember(actor);
  const workspaceId = member.workspaceId;
  const { current, previous } = csatWindows(range, app.clock.now(), custom);
  const pieces = [
    ...coverWindow(current).map((p) => ({ ...p, period: 0 })),
    ...(previous ? coverWindow(previous).map((p) => ({ ...p, period: 1 })) : []),
  ];
  // Comments asked for up front are read at the same time.
  const limit = options.comments;
  const [groups, comments] = await Promise.all([
    readTallies(app, workspaceId, pieces),
    limit === undefined ? undefined : readComments(app, workspaceId, current, limit),
  ]);
  return {
    range,
    workspaceId,
    ...period(current, groups.filter((g) => g.period === 0)),
    previous: previous ? period(previous, groups.filter((g) => g.period === 1)) : null,
    ...(comments && limit !== undefined ? { comments: { limit, rows: comments } } : {}),
  };
}

/**
 * Folds the tally shards writers add to (1–15) into shard 0, a batch at a time, so reports read
 * few rows per bucket; see the tally_shards migration. Returns how many shard rows it folded.
 */
export async function compactTallies(app: App, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = await app.sql.query<{ folded: number }>("SELECT csat_tally_compact($1::int) AS folded", [batch]);
    total += row!.folded;
    if (row!.folded < batch) return total;
  }
}

export const CSAT_TREND_UNITS = ["DAY", "MONTH"] as const;
export type CsatTrendUnit = (typeof CSAT_TREND_UNITS)[number];
const TREND_MAX: Record<CsatTrendUnit, number> = { DAY: 366, MONTH: 120 };

/** One bucket of a trend: a whole UTC day or month, `[from, to)`, by dispatch time. */
export interface CsatTrendPoint {
  from: Date;
  to: Date;
  totals: CsatFigures;
}

/**
 * The workspace's figures per UTC day (or month): the last `count` of them, the current one
 * included, oldest first. Every bucket is one whole tally bucket, so the whole series is one query,
 * one index range scan per bucket, however many surveys there are.
 */
export async function csatTrend(app: App, actor: Actor | null, unit: CsatTrendUnit, count: number): Promise<CsatTrendPoint[]> {
  const member = requireMember(actor);
  if (!Number.isInteger(count) || count < 1 || count > TREND_MAX[unit]) {
    throw badInput(`count must be a whole number from 1 to ${TREND_MAX[unit]} for ${unit}`);
  }
  const current = align(app.clock.now(), unit, false);
  const step = (d: Date, n: number) =>
    unit === "DAY" ? new Date(d.getTime() + n * DAY_MS) : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
  const buckets = Array.from({ length: count }, (_, i) => {
    const from = step(current, i - count + 1);
    return { from, to: step(from, 1) };
  });
  const groups = await readTallies(app, member.workspaceId, buckets.map((b, i) => ({ ...b, grain: unit, period: i })));
  return buckets.map((b, i) => ({ ...b, totals: period(b, groups.filter((g) => g.period === i)).totals }));
}

/** A comment as the report lists it, with the survey's bot and channel (null once deleted). */
export interface CsatComment {
  score: number;
  comment: string;
  answeredAt: Date;
  bot: Bot | null;
  channel: Channel | null;
}

/**
 * The newest answered surveys of the report's window that carry a comment, with their bot and
 * channel, in one query. It walks the (workspace, answered_at DESC, dispatched_at) index: an answer
 * comes after its dispatch and before its survey expires, which bounds the walk, and the window's
 * dispatch times are checked in the index before any row is read. (Only answered surveys are
 * SUBMITTED and have a comment, so the predicates need not say so twice; fewer predicates keep the
 * planner's estimate, and so its choice of this walk, right.)
 */
export async function recentComments(app: App, report: CsatReport, first: number | null | undefined): Promise<CsatComment[]> {
  const limit = pageSize(first, 20);
  if (report.comments && report.comments.limit >= limit) return report.comments.rows.slice(0, limit);
  return readComments(app, report.workspaceId, report, limit);
}

async function readComments(app: App, workspaceId: string, { from, to }: CsatWindow, limit: number): Promise<CsatComment[]> {
  const rows = await app.prisma.$queryRaw<
    {
      score: number;
      comment: string;
      answered_at: Date;
      bot_id: string | null;
      bot_name: string;
      bot_created_at: Date;
      channel_id: string | null;
      channel_name: string;
      channel_kind: ChannelKind;
      channel_created_at: Date;
    }[]
  >`
    SELECT s.score, s.comment, s.answered_at,
           b.id AS bot_id, b.name AS bot_name, b.created_at AS bot_created_at,
           c.id AS channel_id, c.name AS channel_name, c.kind::text AS channel_kind, c.created_at AS channel_created_at
    FROM csat_survey s
    LEFT JOIN bot b ON b.id = s.bot_id
    LEFT JOIN channel c ON c.id = s.channel_id
    WHERE s.workspace_id = ${workspaceId}::uuid AND s.answered_at IS NOT NULL AND s.comment <> ''
      ${from ? Prisma.sql`AND s.answered_at >= ${from}::timestamptz AND s.dispatched_at >= ${from}::timestamptz` : Prisma.empty}
      ${to ? Prisma.sql`AND s.answered_at < ${new Date(to.getTime() + SURVEY_LIFETIME_MS)}::timestamptz AND s.dispatched_at < ${to}::timestamptz` : Prisma.empty}
    ORDER BY s.answered_at DESC, s.id DESC
    LIMIT ${limit}`;
  return rows.map((r) => ({
    score: r.score,
    comment: r.comment,
    answeredAt: r.answered_at,
    bot: r.bot_id ? { id: r.bot_id, workspaceId, name: r.bot_name, createdAt: r.bot_created_at } : null,
    channel: r.channel_id
      ? { id: r.channel_id, workspaceId, name: r.channel_name, kind: r.channel_kind, createdAt: r.channel_created_at }
      : null,
  }));
}

/** One answered survey as the CSV export lists it. */
export interface ExportedAnswer {
  id: string;
  conversation_id: string;
  dispatched_at: Date;
  answered_at: Date;
  score: number;
  comment: string | null;
  bot_id: string | null;
  bot_name: string | null;
  channel_id: string | null;
  channel_name: string | null;
  resolved_via: string;
  answered_via: string | null;
}

/**
 * The answered surveys of a range, oldest dispatch first, in batches: keyset pages over the
 * (workspace, dispatched_at) index, so a million rows are read with constant memory. Admins only;
 * the checks run before the first batch is asked for.
 */
export function answeredSurveys(
  app: App,
  actor: Actor | null,
  range: CsatRange,
  custom: { from?: Date | null; to?: Date | null } = {},
  batchSize = 1000,
): AsyncIterable<ExportedAnswer[]> {
  const admin = requireAdmin(actor);
  const { current } = csatWindows(range, app.clock.now(), custom);
  const { from, to } = current;
  return (async function* () {
    let after: ExportedAnswer | undefined;
    for (;;) {
      const batch: ExportedAnswer[] = await app.prisma.$queryRaw<ExportedAnswer[]>`
        SELECT s.id, s.conversation_id, s.dispatched_at, s.answered_at, s.score, s.comment,
               b.id AS bot_id, b.name AS bot_name, c.id AS channel_id, c.name AS channel_name,
               s.resolved_via::text AS resolved_via, s.answered_via::text AS answered_via
        FROM csat_survey s
        LEFT JOIN bot b ON b.id = s.bot_id
        LEFT JOIN channel c ON c.id = s.channel_id
        WHERE s.workspace_id = ${admin.workspaceId}::uuid AND s.state = 'SUBMITTED'
          AND s.dispatched_at IS NOT NULL AND s.answered_at IS NOT NULL
          ${from ? Prisma.sql`AND s.dispatched_at >= ${from}::timestamptz` : Prisma.empty}
          ${to ? Prisma.sql`AND s.dispatched_at < ${to}::timestamptz` : Prisma.empty}
          ${after ? Prisma.sql`AND s.dispatched_at >= ${after.dispatched_at}::timestamptz AND (s.dispatched_at, s.id) > (${after.dispatched_at}::timestamptz, ${after.id}::uuid)` : Prisma.empty}
        ORDER BY s.dispatched_at, s.id
        LIMIT ${batchSize}`;
      if (batch.length > 0) yield batch;
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1];
    }
  })();
}
