/**
 * The answers explorer's statements: a keyset page of a workspace's answered surveys, newest
 * answer first, under the explorer's filters, and their count. The search matches the generated
 * `search_vector` columns of csat_survey (the comment) and customer (name and email), both
 * GIN-indexed (migration answers_search).
 */
import type { Queryable } from "./client.js";

/** The explorer's filters, checked; an undefined attribute means "any", null means "none". */
export interface ResponseFilter {
  /** Dispatched at or after `from` and before `to`; a null end is open. */
  from: Date | null;
  to: Date | null;
  botId?: string | null;
  channelId?: string | null;
  teammateId?: string | null;
  scores?: number[];
  hasComment?: boolean;
  reason?: string;
  /** A tsquery in the 'simple' configuration, e.g. `'late':* & 'refund':*`. */
  query?: string;
}

/** Where a page ends: the last answer's time and id. */
export interface ResponseCursor {
  answeredAt: Date;
  id: string;
}

/** The WHERE clause of a filter (after `s.workspace_id = $1`), its parameters appended to `params`. */
function conditions(filter: ResponseFilter, params: unknown[]): string {
  const where = ["s.answered_at IS NOT NULL"];
  const param = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  if (filter.from) where.push(`s.dispatched_at >= ${param(filter.from, "timestamptz")}`);
  if (filter.to) where.push(`s.dispatched_at < ${param(filter.to, "timestamptz")}`);
  for (const [column, value] of [
    ["bot_id", filter.botId],
    ["channel_id", filter.channelId],
    ["teammate_id", filter.teammateId],
  ] as const) {
    if (value === null) where.push(`s.${column} IS NULL`);
    else if (value !== undefined) where.push(`s.${column} = ${param(value, "uuid")}`);
  }
  if (filter.scores) where.push(`s.score = ANY(${param(filter.scores, "int[]")})`);
  if (filter.hasComment !== undefined) where.push(`coalesce(s.comment, '') ${filter.hasComment ? "<>" : "="} ''`);
  if (filter.reason !== undefined) where.push(`s.reason = ${param(filter.reason, "text")}`);
  if (filter.query !== undefined) {
    const query = `to_tsquery('simple', ${param(filter.query, "text")})`;
    // Two GIN lookups (the comment's words, and the customers whose name or email match), then the rows.
    where.push(`s.id IN (
      SELECT m.id FROM csat_survey m WHERE m.workspace_id = $1::uuid AND m.search_vector @@ ${query}
      UNION
      SELECT m.id FROM customer cu
      JOIN conversation c ON c.customer_id = cu.id
      JOIN csat_survey m ON m.conversation_id = c.id
      WHERE cu.workspace_id = $1::uuid AND cu.search_vector @@ ${query})`);
  }
  return where.join(" AND ");
}

/**
 * One page of answered surveys (their ids and answer times), newest answer first, the id breaking
 * ties, strictly after `after`: a row is on exactly one page however many are answered meanwhile.
 */
export function findResponses(
  q: Queryable,
  workspaceId: string,
  filter: ResponseFilter,
  after: ResponseCursor | null,
  limit: number,
): Promise<ResponseCursor[]> {
  const params: unknown[] = [workspaceId, limit];
  let where = conditions(filter, params);
  if (after) {
    params.push(after.answeredAt, after.id);
    where += ` AND (s.answered_at, s.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  return q.query<ResponseCursor>(
    `SELECT s.id, s.answered_at AS "answeredAt" FROM csat_survey s
     WHERE s.workspace_id = $1::uuid AND ${where}
     ORDER BY s.answered_at DESC, s.id DESC
     LIMIT $2`,
    params,
  );
}

/** How many answered surveys the filter matches. */
export async function countResponses(q: Queryable, workspaceId: string, filter: ResponseFilter): Promise<number> {
  const params: unknown[] = [workspaceId];
  const where = conditions(filter, params);
  const [row] = await q.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM csat_survey s WHERE s.workspace_id = $1::uuid AND ${where}`,
    params,
  );
  return row?.count ?? 0;
}
