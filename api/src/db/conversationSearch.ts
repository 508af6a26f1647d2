/**
 * The inbox's list at volume: a workspace's conversations, filtered and searched, most recently
 * updated first, paged against the order as it stood when the walk began.
 *
 * A walk is fixed by a snapshot (pg_current_snapshot(), taken on its first page). A conversation
 * whose order key (updated_at) last changed in a transaction visible to that snapshot stands where
 * its row says; one changed since stands where it stood then: the old updated_at kept by the
 * conversation_order trigger in conversation_order_change, the first row of those the snapshot does
 * not see. One created since is not in the walk at all. So every conversation of the walk has one
 * place, whatever happens to it meanwhile: none comes twice and none is skipped.
 */
import type { Queryable } from "./client.js";
import { SEARCH_WALK_CANDIDATES, walkThenMatches } from "./searchWalk.js";

/** What the list is narrowed to; null leaves a field out. */
export interface ConversationSearchFilter {
  status: "OPEN" | "RESOLVED" | null;
  /** A channel's id, or "none" for conversations whose channel was deleted. */
  channelId: string | null;
  /** A bot's id, or "none" for conversations without a bot. */
  botId: string | null;
  /** A teammate's id, or "none" for unassigned conversations. */
  assigneeId: string | null;
  /** Lower-cased. */
  label: string | null;
  surveyState: "SCHEDULED" | "DISPATCHED" | "SUBMITTED" | "CANCELLED" | null;
  /** A tsquery in to_tsquery('simple', …) syntax: every word a prefix (built by the service). */
  tsquery: string | null;
}

/** Where a walk stands: its snapshot, and the last conversation given (its order key then). */
export interface WalkPosition {
  snapshot: string;
  updatedAt: Date;
  id: string;
}

export interface PlacedConversation {
  id: string;
  /** updated_at as the walk's snapshot saw it: the order key and the next cursor. */
  updatedAt: Date;
}

/** A new walk's snapshot: which transactions' changes it sees. */
export async function beginWalk(db: Queryable): Promise<string> {
  const [row] = await db.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`);
  return row!.snapshot;
}

/** The SQL conditions on `c` (a conversation) for a filter but its search, parameters appended to `params`. */
function filterSql(filter: ConversationSearchFilter, params: unknown[]): string {
  const where: string[] = [];
  const add = (value: unknown) => `$${params.push(value)}`;
  const byId = (column: string, value: string | null) => {
    if (value === "none") where.push(`c.${column} IS NULL`);
    else if (value !== null) where.push(`c.${column} = ${add(value)}::uuid`);
  };
  if (filter.status) where.push(`c.status = ${add(filter.status)}::"ConversationStatus"`);
  byId("channel_id", filter.channelId);
  byId("bot_id", filter.botId);
  byId("assignee_id", filter.assigneeId);
  if (filter.label !== null) where.push(`c.labels @> ARRAY[${add(filter.label)}::text]`);
  if (filter.surveyState) {
    where.push(`EXISTS (SELECT 1 FROM csat_survey s WHERE s.conversation_id = c.id AND s.state = ${add(filter.surveyState)}::"CsatSurveyState")`);
  }
  return where.map((w) => ` AND ${w}`).join("");
}

/**
 * The search as a condition on one conversation `c`: two index probes (its messages, its customer).
 * Scalar subqueries, not EXISTS: the planner may run an EXISTS as one hash of every match, which
 * for a common word means reading all of them to keep fifty.
 */
function searchOfOne(q: string): string {
  return ` AND ((SELECT true FROM message m WHERE m.conversation_id = c.id AND m.search_vector @@ ${q} LIMIT 1)
      OR (SELECT true FROM customer cu WHERE cu.id = c.customer_id AND cu.search_vector @@ ${q}))`;
}

/**
 * The search's matches as a set of conversation ids (two GIN lookups); each matching customer's
 * conversations by the customer index, whatever the planner guesses of a prefix search's size
 * (it guesses thousands, and would read the whole table to join them: OFFSET 0 keeps the
 * per-customer lookup a lookup).
 */
function searchMatches(q: string): string {
  return `SELECT m.conversation_id AS id FROM message m WHERE m.workspace_id = $1::uuid AND m.search_vector @@ ${q}
      UNION
      SELECT c2.id FROM customer cu CROSS JOIN LATERAL (SELECT c2.id FROM conversation c2 WHERE c2.customer_id = cu.id OFFSET 0) c2
      WHERE cu.workspace_id = $1::uuid AND cu.search_vector @@ ${q}`;
}

/**
 * The next `limit` conversations of the walk after `after` (from the top when null), in the order
 * of the walk's snapshot: updated_at descending, then id descending.
 *
 * A search is found one of two ways, with the same answer: first down the list (the next
 * SEARCH_WALK_CANDIDATES conversations, each probed, and further when the word was found but too
 * seldom), which fills the page at once for a common word and never touches its long index
 * entries; when that does not fill the page, from the search's matches (a rare word's are few),
 * each placed by its order.
 */
export async function findConversationPage(
  db: Queryable,
  workspaceId: string,
  filter: ConversationSearchFilter,
  snapshot: string,
  after: { updatedAt: Date; id: string } | null,
  limit: number,
): Promise<PlacedConversation[]> {
  const ask: PageAsk = { workspaceId, filter, snapshot, after, limit };
  if (filter.tsquery === null) return (await placePage(db, ask, "all")).rows;
  // Down the list, then (a word found but seldom) further down; unless it lately went to its matches.
  return walkThenMatches(
    `conversations|${workspaceId}|${JSON.stringify(filter)}`,
    limit,
    (candidates) => placePage(db, ask, "walk", candidates),
    async () => (await placePage(db, ask, "matches")).rows,
  );
}

/** What a page is asked for: whose list, filtered how, in which walk, after what, how many. */
interface PageAsk {
  workspaceId: string;
  filter: ConversationSearchFilter;
  snapshot: string;
  after: { updatedAt: Date; id: string } | null;
  limit: number;
}

async function placePage(
  db: Queryable,
  { workspaceId, filter, snapshot, after, limit }: PageAsk,
  way: "all" | "walk" | "matches",
  candidates = SEARCH_WALK_CANDIDATES,
): Promise<{ rows: PlacedConversation[]; found: number; complete: boolean }> {
  const params: unknown[] = [workspaceId, snapshot, limit];
  const filters = filterSql(filter, params);
  const q = filter.tsquery === null ? "" : `to_tsquery('simple', $${params.push(filter.tsquery)})`;
  const searched = q ? searchOfOne(q) : "";
  const before = (key: string) => {
    if (!after) return "";
    const at = `$${params.push(after.updatedAt)}`;
    const id = `$${params.push(after.id)}`;
    return ` AND (${key}, c.id) < (${at}::timestamptz, ${id}::uuid)`;
  };
  const unmoved = before("c.updated_at");
  const moved = before("h.updated_at");
  const visible = `c.workspace_id = $1::uuid AND pg_visible_in_snapshot(c.order_xid, w.snap)${filters}${unmoved}`;
  // Where the conversation stood in the walk: as its row says (unmoved since the snapshot) ...
  const unmovedPage =
    way === "all"
      ? `SELECT c.id, c.updated_at AS "updatedAt" FROM conversation c, w WHERE ${visible} ORDER BY c.updated_at DESC, c.id DESC LIMIT $3`
      : way === "walk"
        ? `SELECT c.id, c.updated_at AS "updatedAt" FROM candidates c
           WHERE true${searched} ORDER BY c.updated_at DESC, c.id DESC LIMIT $3`
        : // each match looked up by its id (OFFSET 0: not joined by reading the whole table)
          `SELECT c.id, c.updated_at AS "updatedAt" FROM matched mt CROSS JOIN LATERAL (
             SELECT c.id, c.updated_at FROM conversation c, w WHERE c.id = mt.id AND ${visible} OFFSET 0) c
           ORDER BY c.updated_at DESC, c.id DESC LIMIT $3`;
  // ... or where it stood before its change (changed since; few, so each is probed).
  const movedPage = `SELECT c.id, h.updated_at FROM conversation c CROSS JOIN w
        CROSS JOIN LATERAL (
          SELECT h.updated_at FROM conversation_order_change h
          WHERE h.conversation_id = c.id AND NOT pg_visible_in_snapshot(h.xid, w.snap)
          ORDER BY h.id LIMIT 1) h
        WHERE c.workspace_id = $1::uuid AND c.order_xid >= pg_snapshot_xmin(w.snap)
          AND NOT pg_visible_in_snapshot(c.order_xid, w.snap)${filters}${searched}${moved}
        ORDER BY h.updated_at DESC, c.id DESC LIMIT $3`;
  // The walk's candidates: the next rows of the list in order, however many the search keeps.
  const candidateRows = `SELECT c.id, c.updated_at, c.customer_id FROM conversation c, w WHERE ${visible}
       ORDER BY c.updated_at DESC, c.id DESC LIMIT ${Math.trunc(candidates)}`;
  const rows = await db.query<PlacedConversation & { walked: number; scanned: number | null }>(
    `WITH w AS (SELECT $2::pg_snapshot AS snap)${way === "matches" ? `, matched AS MATERIALIZED (${searchMatches(q)})` : ""}${
      way === "walk" ? `, candidates AS MATERIALIZED (${candidateRows})` : ""
    },
     unmoved AS (${unmovedPage})
     SELECT id, "updatedAt", (SELECT count(*) FROM unmoved)::int AS walked,
            ${way === "walk" ? "(SELECT count(*) FROM candidates)::int" : "NULL::int"} AS scanned FROM (
       (SELECT id, "updatedAt" FROM unmoved)
       UNION ALL
       (${movedPage})
     ) placed
     ORDER BY "updatedAt" DESC, id DESC LIMIT $3`,
    params,
  );
  // A walk that found a full page among its candidates found the page, as did one that reached the
  // list's end (fewer candidates than it asked for); otherwise it tells how many it found.
  const found = rows[0]?.walked ?? 0;
  const ended = rows[0]?.scanned != null && rows[0].scanned < candidates;
  return { rows: rows.map(({ id, updatedAt }) => ({ id, updatedAt })), found, complete: found >= limit || ended };
}

/** How many of the workspace's conversations match the filter now. */
export async function countConversations(db: Queryable, workspaceId: string, filter: ConversationSearchFilter): Promise<number> {
  const params: unknown[] = [workspaceId];
  const filters = filterSql(filter, params);
  // A search counts from its matches (every match is visited either way; the index finds them).
  const matches = filter.tsquery === null ? "" : ` AND c.id IN (${searchMatches(`to_tsquery('simple', $${params.push(filter.tsquery)})`)})`;
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM conversation c WHERE c.workspace_id = $1::uuid${filters}${matches}`,
    params,
  );
  return row!.count;
}

/** Forgets the order of walks begun before `olderThan` (run by the workers' housekeeping). */
export async function pruneOrderChanges(db: Queryable, olderThan: Date): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM conversation_order_change WHERE recorded_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [olderThan],
  );
  return rows[0]?.n ?? 0;
}
