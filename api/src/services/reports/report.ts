import type { Bot, Channel } from "../../generated/prisma/client.js";
import { countSkipped } from "../../db/conversations.js";
import { compactTallyShards, readComments as readCommentRows, readTallies, reasonCounts, TALLY_EVERY, type ReasonCountRow, type TallyRow } from "../../db/reports.js";
import { badInput } from "../../errors.js";
import type { Actor } from "../actors.js";
import { requireMember } from "../actors.js";
import type { App } from "../../deps.js";
import { SURVEY_LIFETIME_MS } from "../csat/dispatch.js";
import { pageSize } from "../validation.js";
import type { CsatSkipCount } from "./skipped.js";
import { align, coverWindow, csatWindows, DAY_MS, type CsatRange, type CsatWindow } from "./windows.js";

export const UNATTRIBUTED = "— Unattributed —";

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
  /** By the teammate credited at dispatch; a deactivated teammate keeps their rows under their name. */
  byTeammate: CsatBreakdownRow[];
}

export interface CsatReport extends CsatPeriod {
  range: CsatRange;
  workspaceId: string;
  /** The window of equal length just before; null for ALL_TIME. */
  previous: CsatPeriod | null;
  /** The newest `limit` comments, when they were read beside the figures. */
  comments?: { limit: number; rows: CsatComment[] };
  /** byReason and skipped, when they were read beside the figures. */
  reasons?: ReasonCountRow[];
  skipped?: CsatSkipCount[];
}

/** What a report query asks for besides the figures, read at the same time as them. */
export interface CsatReportExtras {
  /** How many recent comments (the largest `first` asked). */
  comments?: number;
  reasons?: boolean;
  skipped?: boolean;
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
  const byTeammate = new Map<string | null, { label: string; tally: Tally }>();
  const add = (map: typeof byBot, id: string | null, label: string | null, t: Tally) => {
    // A key with no bot, channel or teammate behind it (none, or deleted) is unattributed.
    const key = label === null ? null : id;
    const entry = map.get(key) ?? { label: label ?? UNATTRIBUTED, tally: emptyTally() };
    addTo(entry.tally, t);
    map.set(key, entry);
  };
  for (const g of groups) {
    const t: Tally = {
      sent: g.sent,
      submitted: g.submitted,
      scoreSum: g.scoreSum,
      scores: [g.score1, g.score2, g.score3, g.score4, g.score5],
    };
    // Each survey is in both groupings: bot x channel (every teammate), and teammate (every bot and channel).
    if (g.teammateId === TALLY_EVERY) {
      addTo(total, t);
      add(byBot, g.botId, g.botName, t);
      add(byChannel, g.channelId, g.channelName, t);
    } else if (g.botId === TALLY_EVERY && g.channelId === TALLY_EVERY) {
      add(byTeammate, g.teammateId, g.teammateName, t);
    }
  }
  return { ...window, totals: figures(total), byBot: rows(byBot), byChannel: rows(byChannel), byTeammate: rows(byTeammate) };
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
  options: CsatReportExtras = {},
): Promise<CsatReport> {
  const member = requireMember(actor);
  const workspaceId = member.workspaceId;
  const { current, previous } = csatWindows(range, app.clock.now(), custom);
  const pieces = [
    ...coverWindow(current).map((p) => ({ ...p, period: 0 })),
    ...(previous ? coverWindow(previous).map((p) => ({ ...p, period: 1 })) : []),
  ];
  // Comments, reasons and skips asked for up front are read at the same time, each on a connection of its own.
  const limit = options.comments;
  const [groups, comments, reasons, skipped] = await Promise.all([
    readTallies(app.sql, workspaceId, pieces),
    limit === undefined ? undefined : readComments(app, workspaceId, current, limit),
    options.reasons ? reasonCounts(app.sql, workspaceId, current) : undefined,
    options.skipped ? countSkipped(app.sql, workspaceId, current) : undefined,
  ]);
  return {
    range,
    workspaceId,
    ...period(current, groups.filter((g) => g.period === 0)),
    previous: previous ? period(previous, groups.filter((g) => g.period === 1)) : null,
    ...(comments && limit !== undefined ? { comments: { limit, rows: comments } } : {}),
    ...(reasons ? { reasons } : {}),
    ...(skipped ? { skipped } : {}),
  };
}

/**
 * Folds the tally shards writers add to (1–15) into shard 0, a batch at a time, so reports read
 * few rows per bucket; see the tally_shards migration. Returns how many shard rows it folded.
 */
export async function compactTallies(app: App, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const folded = await compactTallyShards(app.sql, batch);
    total += folded;
    if (folded < batch) return total;
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
  const groups = await readTallies(app.sql, member.workspaceId, buckets.map((b, i) => ({ ...b, grain: unit, period: i })));
  return buckets.map((b, i) => ({ ...b, totals: period(b, groups.filter((g) => g.period === i)).totals }));
}

/** A comment as the report lists it, with the survey's bot and channel (null once deleted). */
export interface CsatComment {
  conversationId: string;
  customerName: string;
  customerEmail: string | null;
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

async function readComments(app: App, workspaceId: string, window: CsatWindow, limit: number): Promise<CsatComment[]> {
  const rows = await readCommentRows(app.sql, workspaceId, window, SURVEY_LIFETIME_MS, limit);
  return rows.map((r) => ({
    conversationId: r.conversationId,
    customerName: r.customerName,
    customerEmail: r.customerEmail,
    score: r.score,
    comment: r.comment,
    answeredAt: r.answeredAt,
    bot: r.botId ? { id: r.botId, workspaceId, name: r.botName, createdAt: r.botCreatedAt } : null,
    channel: r.channelId ? { id: r.channelId, workspaceId, name: r.channelName, kind: r.channelKind, createdAt: r.channelCreatedAt } : null,
  }));
}

/** How many answers in the report's window gave each reason, most given first (read only when asked for). */
export async function reasonsOf(app: App, report: CsatReport): Promise<ReasonCountRow[]> {
  return report.reasons ?? reasonCounts(app.sql, report.workspaceId, { from: report.from, to: report.to });
}

/** The report window's first resolves that made no survey, by why (read only when asked for). */
export async function skipsOf(app: App, report: CsatReport): Promise<CsatSkipCount[]> {
  return report.skipped ?? countSkipped(app.sql, report.workspaceId, report);
}
