import type { Actor } from "./actors.js";
import { requireMember } from "./actors.js";
import type { App } from "./app.js";
import { pageSize } from "./validation.js";

export type CsatRange = "LAST_7_DAYS" | "LAST_30_DAYS" | "LAST_90_DAYS" | "ALL_TIME";

const RANGE_DAYS: Record<CsatRange, number | null> = { LAST_7_DAYS: 7, LAST_30_DAYS: 30, LAST_90_DAYS: 90, ALL_TIME: null };

export const UNATTRIBUTED = "— Unattributed —";

export interface CsatFigures {
  averageRating: number | null;
  responseRate: number | null;
  sent: number;
  submitted: number;
}

export interface CsatBreakdownRow {
  id: string | null;
  label: string;
  figures: CsatFigures;
}

export interface CsatReport {
  range: CsatRange;
  workspaceId: string;
  /** Surveys dispatched at or after this instant count; null for all time. */
  since: Date | null;
  totals: CsatFigures;
  byBot: CsatBreakdownRow[];
  byChannel: CsatBreakdownRow[];
}

interface Tally {
  sent: number;
  submitted: number;
  scoreSum: number;
}

function figures(t: Tally): CsatFigures {
  return {
    averageRating: t.submitted ? Math.round((t.scoreSum / t.submitted) * 100) / 100 : null,
    responseRate: t.sent ? t.submitted / t.sent : null,
    sent: t.sent,
    submitted: t.submitted,
  };
}

function add(into: Map<string | null, Tally>, key: string | null, t: Tally) {
  const acc = into.get(key) ?? { sent: 0, submitted: 0, scoreSum: 0 };
  acc.sent += t.sent;
  acc.submitted += t.submitted;
  acc.scoreSum += t.scoreSum;
  into.set(key, acc);
}

function rows(tallies: Map<string | null, Tally>, names: Map<string, string>): CsatBreakdownRow[] {
  return [...tallies]
    .map(([id, t]) => ({ id, label: id === null ? UNATTRIBUTED : (names.get(id) ?? UNATTRIBUTED), figures: figures(t) }))
    .sort((a, b) => Number(a.id === null) - Number(b.id === null) || b.figures.sent - a.figures.sent || a.label.localeCompare(b.label));
}

/**
 * Sent and submitted come from one population: the surveys dispatched in the range. A survey
 * whose bot or channel was deleted counts under "— Unattributed —".
 */
export async function csatReport(app: App, actor: Actor | null, range: CsatRange): Promise<CsatReport> {
  const member = requireMember(actor);
  const days = RANGE_DAYS[range];
  const since = days === null ? null : new Date(app.clock.now().getTime() - days * 86_400_000);
  const groups = await app.prisma.$queryRaw<
    { bot_id: string | null; channel_id: string | null; sent: number; submitted: number; score_sum: number }[]
  >`
    SELECT bot_id, channel_id, count(*)::int AS sent, count(answered_at)::int AS submitted,
           coalesce(sum(score), 0)::int AS score_sum
    FROM csat_survey
    WHERE workspace_id = ${member.workspaceId}::uuid AND dispatched_at IS NOT NULL
      AND (${since}::timestamptz IS NULL OR dispatched_at >= ${since}::timestamptz)
    GROUP BY bot_id, channel_id`;
  const total: Tally = { sent: 0, submitted: 0, scoreSum: 0 };
  const byBot = new Map<string | null, Tally>();
  const byChannel = new Map<string | null, Tally>();
  for (const g of groups) {
    const t = { sent: g.sent, submitted: g.submitted, scoreSum: g.score_sum };
    add(byBot, g.bot_id, t);
    add(byChannel, g.channel_id, t);
    total.sent += t.sent;
    total.submitted += t.submitted;
    total.scoreSum += t.scoreSum;
  }
  const botIds = [...byBot.keys()].filter((id): id is string => id !== null);
  const channelIds = [...byChannel.keys()].filter((id): id is string => id !== null);
  const [bots, channels] = await Promise.all([
    botIds.length ? app.prisma.bot.findMany({ where: { id: { in: botIds } }, select: { id: true, name: true } }) : [],
    channelIds.length ? app.prisma.channel.findMany({ where: { id: { in: channelIds } }, select: { id: true, name: true } }) : [],
  ]);
  return {
    range,
    workspaceId: member.workspaceId,
    since,
    totals: figures(total),
    byBot: rows(byBot, new Map(bots.map((b) => [b.id, b.name]))),
    byChannel: rows(byChannel, new Map(channels.map((c) => [c.id, c.name]))),
  };
}

/** The newest answered surveys of the report's range that carry a comment. */
export async function recentComments(app: App, report: CsatReport, first: number | null | undefined) {
  return app.prisma.csatSurvey.findMany({
    where: {
      workspaceId: report.workspaceId,
      answeredAt: { not: null },
      comment: { not: null },
      NOT: { comment: "" },
      ...(report.since ? { dispatchedAt: { gte: report.since } } : { dispatchedAt: { not: null } }),
    },
    orderBy: [{ answeredAt: "desc" }, { id: "desc" }],
    take: pageSize(first, 20),
    include: { bot: true, channel: true },
  });
}
