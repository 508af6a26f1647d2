/**
 * The answers explorer's statements: a keyset page of a workspace's answered surveys, newest
 * answer first, under the explorer's filters, and their count. The search matches the generated
 * `search_vector` columns of csat_survey (the comment) and customer (name and email), both
 * GIN-indexed (migration answers_search).
 */
import type { Queryable } from "./client.js";
import { SEARCH_WALK_CANDIDATES, walkThenMatches } from "./searchWalk.js";

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

/** How a search is applied: not at all, to each answer in turn, or as the set of its matches. */
type SearchWay = "none" | "each" | "matches";

/**
 * The search as a condition on one answer `s`: its own words, then one probe of its customer (a
 * scalar subquery, which the planner never turns into a hash of every matching customer).
 */
function searchOfOne(query: string): string {
  return `(s.search_vector @@ ${query} OR (
      SELECT true FROM conversation c JOIN customer cu ON cu.id = c.customer_id
      WHERE c.id = s.conversation_id AND cu.search_vector @@ ${query}))`;
}

/**
 * A search's matches as a set of answer ids: two GIN lookups (the comments' words, the customers'
 * names and addresses), each matching customer's answers by the customer index (OFFSET 0: looked
 * up, not joined by reading the whole table, whatever the planner guesses of a prefix search).
 */
function answerMatches(query: string): string {
  return `SELECT m.id FROM csat_survey m WHERE m.workspace_id = $1::uuid AND m.search_vector @@ ${query}
      UNION
      SELECT m.id FROM customer cu
      CROSS JOIN LATERAL (
        SELECT m.id FROM conversation c JOIN csat_survey m ON m.conversation_id = c.id WHERE c.customer_id = cu.id OFFSET 0) m
      WHERE cu.workspace_id = $1::uuid AND cu.search_vector @@ ${query}`;
}

/** The WHERE clause of a filter (after `s.workspace_id = $1`), its parameters appended to `params`. */
function conditions(filter: ResponseFilter, params: unknown[], way: "none" | "matches" = "matches"): string {
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
  if (filter.query !== undefined && way === "matches") {
    where.push(`s.id IN (${answerMatches(`to_tsquery('simple', ${param(filter.query, "text")})`)})`);
  }
  return where.join(" AND ");
}

/**
 * One page of answered surveys (their ids and answer times), newest answer first, the id breaking
 * ties, strictly after `after`: a row is on exactly one page however many are answered meanwhile.
 *
 * A search is found one of two ways, with the same answer: down the list first (the next
 * SEARCH_WALK_CANDIDATES answers, each probed, and further when the word was found but too
 * seldom), which fills the page at once for a common word without reading its long index entries;
 * when that does not fill the page, from its matches.
 */
export async function findResponses(
  q: Queryable,
  workspaceId: string,
  filter: ResponseFilter,
  after: ResponseCursor | null,
  limit: number,
): Promise<ResponseCursor[]> {
  if (filter.query === undefined) return pageOf(q, workspaceId, filter, after, limit, "none");
  // Down the list, then (a word found but seldom) further down; unless it lately went to its matches.
  // The key is the whole filter, its window to the hour (a range like LAST_30_DAYS moves with the clock).
  const hour = (d: Date | null) => (d ? Math.floor(d.getTime() / 3_600_000) : null);
  return walkThenMatches(
    `answers|${workspaceId}|${JSON.stringify({ ...filter, from: hour(filter.from), to: hour(filter.to) })}`,
    limit,
    async (candidates) => {
      const walked = await pageOf(q, workspaceId, filter, after, limit, "each", candidates);
      // A full page, or the list's end (fewer candidates than asked for): the walk found the page.
      const ended = (walked[0]?.scanned ?? candidates) < candidates;
      return { rows: walked.map(({ id, answeredAt }) => ({ id, answeredAt })), found: walked.length, complete: walked.length >= limit || ended };
    },
    () => pageOf(q, workspaceId, filter, after, limit, "matches"),
  );
}

function pageOf(
  q: Queryable,
  workspaceId: string,
  filter: ResponseFilter,
  after: ResponseCursor | null,
  limit: number,
  way: SearchWay,
  candidates = SEARCH_WALK_CANDIDATES,
): Promise<(ResponseCursor & { scanned?: number })[]> {
  const params: unknown[] = [workspaceId, limit];
  // Every condition but the search; the search is added the page's way below.
  let where = conditions(filter, params, "none");
  if (after) {
    params.push(after.answeredAt, after.id);
    where += ` AND (s.answered_at, s.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  if (way === "each") {
    // The candidates in order, then those the search keeps.
    const searched = searchOfOne(`to_tsquery('simple', $${params.push(filter.query)}::text)`);
    return q.query<ResponseCursor & { scanned: number }>(
      `WITH candidates AS MATERIALIZED (
         SELECT s.id, s.answered_at, s.search_vector, s.conversation_id FROM csat_survey s
         WHERE s.workspace_id = $1::uuid AND ${where}
         ORDER BY s.answered_at DESC, s.id DESC
         LIMIT ${Math.trunc(candidates)})
       SELECT s.id, s.answered_at AS "answeredAt", (SELECT count(*) FROM candidates)::int AS scanned FROM candidates s
       WHERE ${searched}
       ORDER BY s.answered_at DESC, s.id DESC
       LIMIT $2`,
      params,
    );
  }
  if (way === "matches") {
    // Each match looked up by its id (OFFSET 0 keeps it a lookup), then the newest first.
    const matches = answerMatches(`to_tsquery('simple', $${params.push(filter.query)}::text)`);
    return q.query<ResponseCursor>(
      `WITH matched AS MATERIALIZED (${matches})
       SELECT s.id, s.answered_at AS "answeredAt" FROM matched mt CROSS JOIN LATERAL (
         SELECT s.id, s.answered_at FROM csat_survey s WHERE s.id = mt.id AND s.workspace_id = $1::uuid AND ${where} OFFSET 0) s
       ORDER BY s.answered_at DESC, s.id DESC
       LIMIT $2`,
      params,
    );
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
