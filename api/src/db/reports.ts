/**
 * The reports' SQL: tallies (see prisma/functions/csat_report_tallies.sql and csat_tally_*.sql),
 * comments and the CSV export's pages. Typed functions over one handle (`app.sql`, or a transaction
 * of it), returning camelCase rows.
 */
import type { ChannelKind } from "../generated/prisma/enums.js";
import type { Queryable } from "./client.js";

/** One part of a window, read from the tallies of a grain or counted from csat_survey ("EXACT"). */
export interface TallyPiece {
  period: number;
  grain: "MONTH" | "DAY" | "HOUR" | "EXACT";
  from: Date | null;
  to: Date | null;
}

/** In a tally key, "every bot, channel or teammate" (the max UUID): see TallyRow. */
export const TALLY_EVERY = "ffffffff-ffff-ffff-ffff-ffffffffffff";

/**
 * A workspace's surveys of one period and key, summed. The tallies group each survey twice: by bot
 * and channel (teammateId the max UUID, "every teammate"), and by credited teammate (botId and
 * channelId the max UUID). The nil UUID stands for none.
 */
export interface TallyRow {
  period: number;
  botId: string;
  botName: string | null;
  channelId: string;
  channelName: string | null;
  teammateId: string;
  teammateName: string | null;
  sent: number;
  submitted: number;
  scoreSum: number;
  score1: number;
  score2: number;
  score3: number;
  score4: number;
  score5: number;
}

/** The tallies of a workspace summed per period, bot, channel and teammate: one index range scan a piece. */
export function readTallies(q: Queryable, workspaceId: string, pieces: TallyPiece[]): Promise<TallyRow[]> {
  return q.query<TallyRow>(
    `SELECT period, bot_id AS "botId", bot_name AS "botName", channel_id AS "channelId", channel_name AS "channelName",
            teammate_id AS "teammateId", teammate_name AS "teammateName", sent, submitted, score_sum AS "scoreSum", score_1 AS "score1", score_2 AS "score2", score_3 AS "score3",
            score_4 AS "score4", score_5 AS "score5"
     FROM csat_report_tallies($1::uuid, $2::int[], $3::text[], $4::timestamptz[], $5::timestamptz[])`,
    [
      workspaceId,
      pieces.map((p) => p.period),
      pieces.map((p) => p.grain),
      pieces.map((p) => (p.from ? p.from.toISOString() : "-infinity")),
      pieces.map((p) => (p.to ? p.to.toISOString() : "infinity")),
    ],
  );
}

/** Folds up to `batch` rows of tally shards 1–15 into shard 0; returns how many it folded. */
export async function compactTallyShards(q: Queryable, batch: number): Promise<number> {
  const [row] = await q.query<{ folded: number }>("SELECT csat_tally_compact($1::int) AS folded", [batch]);
  return row!.folded;
}

export interface CommentRow {
  conversationId: string;
  customerName: string;
  customerEmail: string | null;
  score: number;
  comment: string;
  answeredAt: Date;
  botId: string | null;
  botName: string;
  botCreatedAt: Date;
  channelId: string | null;
  channelName: string;
  channelKind: ChannelKind;
  channelCreatedAt: Date;
}

/**
 * The newest answered surveys dispatched in `[from, to)` that carry a comment, with their bot and
 * channel. It walks the (workspace, answered_at DESC, dispatched_at) index: an answer comes after
 * its dispatch and within `lifetimeMs` of it, which bounds the walk, and the dispatch times are
 * checked in the index before any row is read. (Only answered surveys are SUBMITTED and have a
 * comment, so the predicates need not say so twice; fewer predicates keep the planner's estimate,
 * and so its choice of this walk, right.)
 */
export function readComments(
  q: Queryable,
  workspaceId: string,
  window: { from: Date | null; to: Date | null },
  lifetimeMs: number,
  limit: number,
): Promise<CommentRow[]> {
  const params: unknown[] = [workspaceId, limit];
  const where: string[] = [];
  if (window.from) {
    params.push(window.from);
    where.push(`AND s.answered_at >= $${params.length}::timestamptz AND s.dispatched_at >= $${params.length}::timestamptz`);
  }
  if (window.to) {
    params.push(new Date(window.to.getTime() + lifetimeMs), window.to);
    where.push(`AND s.answered_at < $${params.length - 1}::timestamptz AND s.dispatched_at < $${params.length}::timestamptz`);
  }
  return q.query<CommentRow>(
    `SELECT s.conversation_id AS "conversationId", cu.name AS "customerName", cu.email AS "customerEmail",
            s.score, s.comment, s.answered_at AS "answeredAt",
            b.id AS "botId", b.name AS "botName", b.created_at AS "botCreatedAt",
            c.id AS "channelId", c.name AS "channelName", c.kind::text AS "channelKind", c.created_at AS "channelCreatedAt"
     FROM csat_survey s
     LEFT JOIN bot b ON b.id = s.bot_id
     LEFT JOIN channel c ON c.id = s.channel_id
     JOIN conversation cv ON cv.id = s.conversation_id
     JOIN customer cu ON cu.id = cv.customer_id
     WHERE s.workspace_id = $1::uuid AND s.answered_at IS NOT NULL AND s.comment <> ''
       ${where.join(" ")}
     ORDER BY s.answered_at DESC, s.id DESC
     LIMIT $2`,
    params,
  );
}

/** One answered survey as the CSV export lists it. */
export interface AnsweredSurveyRow {
  id: string;
  conversationId: string;
  dispatchedAt: Date;
  answeredAt: Date;
  score: number;
  comment: string | null;
  botId: string | null;
  botName: string | null;
  channelId: string | null;
  channelName: string | null;
  resolvedVia: string;
  answeredVia: string | null;
  reason: string | null;
}

/**
 * One keyset page of a workspace's answered surveys dispatched in `[from, to)`, oldest dispatch
 * first, after `after` (the last row of the page before), over the (workspace, dispatched_at) index.
 */
export function answeredSurveysPage(
  q: Queryable,
  workspaceId: string,
  window: { from: Date | null; to: Date | null },
  after: { dispatchedAt: Date; id: string } | undefined,
  limit: number,
): Promise<AnsweredSurveyRow[]> {
  const params: unknown[] = [workspaceId, limit];
  const where: string[] = [];
  if (window.from) {
    params.push(window.from);
    where.push(`AND s.dispatched_at >= $${params.length}::timestamptz`);
  }
  if (window.to) {
    params.push(window.to);
    where.push(`AND s.dispatched_at < $${params.length}::timestamptz`);
  }
  if (after) {
    params.push(after.dispatchedAt, after.id);
    const [at, id] = [params.length - 1, params.length];
    where.push(`AND s.dispatched_at >= $${at}::timestamptz AND (s.dispatched_at, s.id) > ($${at}::timestamptz, $${id}::uuid)`);
  }
  return q.query<AnsweredSurveyRow>(
    `SELECT s.id, s.conversation_id AS "conversationId", s.dispatched_at AS "dispatchedAt", s.answered_at AS "answeredAt",
            s.score, s.comment, b.id AS "botId", b.name AS "botName", c.id AS "channelId", c.name AS "channelName",
            s.resolved_via::text AS "resolvedVia", s.answered_via::text AS "answeredVia", s.reason
     FROM csat_survey s
     LEFT JOIN bot b ON b.id = s.bot_id
     LEFT JOIN channel c ON c.id = s.channel_id
     WHERE s.workspace_id = $1::uuid AND s.state = 'SUBMITTED'
       AND s.dispatched_at IS NOT NULL AND s.answered_at IS NOT NULL
       ${where.join(" ")}
     ORDER BY s.dispatched_at, s.id
     LIMIT $2`,
    params,
  );
}

export interface ReasonCountRow {
  reason: string;
  count: number;
}

/**
 * How many surveys dispatched in the window carry each reason, most given first. The distinct
 * reasons come from a skip scan of the (workspace, reason, dispatched_at) index (one probe per
 * reason), and each is counted over that index's range for the window: the rows read are the
 * reasons given in the window, never the workspace's other surveys.
 */
export function reasonCounts(q: Queryable, workspaceId: string, window: { from: Date | null; to: Date | null }): Promise<ReasonCountRow[]> {
  return q.query<ReasonCountRow>(
    `WITH RECURSIVE given AS (
       (SELECT reason FROM csat_survey WHERE workspace_id = $1::uuid AND reason IS NOT NULL ORDER BY reason LIMIT 1)
       UNION ALL
       SELECT (SELECT s.reason FROM csat_survey s WHERE s.workspace_id = $1::uuid AND s.reason > g.reason ORDER BY s.reason LIMIT 1)
       FROM given g WHERE g.reason IS NOT NULL
     )
     SELECT g.reason, n.count
     FROM given g
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS count FROM csat_survey s
       WHERE s.workspace_id = $1::uuid AND s.reason = g.reason AND s.dispatched_at >= $2::timestamptz AND s.dispatched_at < $3::timestamptz
     ) n
     WHERE g.reason IS NOT NULL AND n.count > 0
     ORDER BY n.count DESC, g.reason`,
    [workspaceId, window.from ? window.from.toISOString() : "-infinity", window.to ? window.to.toISOString() : "infinity"],
  );
}
