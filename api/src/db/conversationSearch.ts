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

/** The SQL conditions on `c` (a conversation) for a filter, with their parameters from `$first`. */
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
  if (filter.tsquery !== null) {
    const q = `to_tsquery('simple', ${add(filter.tsquery)})`;
    // The matches first (two GIN lookups), then their order: a rare word never walks the whole inbox.
    where.push(`c.id IN (
      SELECT m.conversation_id FROM message m WHERE m.workspace_id = $1::uuid AND m.search_vector @@ ${q}
      UNION
      SELECT c2.id FROM customer cu JOIN conversation c2 ON c2.customer_id = cu.id
      WHERE cu.workspace_id = $1::uuid AND cu.search_vector @@ ${q})`);
  }
  return where.map((w) => ` AND ${w}`).join("");
}

/**
 * The next `limit` conversations of the walk after `after` (from the top when null), in the order
 * of the walk's snapshot: updated_at descending, then id descending.
 */
export async function findConversationPage(
  db: Queryable,
  workspaceId: string,
  filter: ConversationSearchFilter,
  snapshot: string,
  after: { updatedAt: Date; id: string } | null,
  limit: number,
): Promise<PlacedConversation[]> {
  const params: unknown[] = [workspaceId, snapshot, limit];
  const filters = filterSql(filter, params);
  const before = (key: string) => {
    if (!after) return "";
    const at = `$${params.push(after.updatedAt)}`;
    const id = `$${params.push(after.id)}`;
    return ` AND (${key}, c.id) < (${at}::timestamptz, ${id}::uuid)`;
  };
  const unmoved = before("c.updated_at");
  const moved = before("h.updated_at");
  return db.query<PlacedConversation>(
    `WITH w AS (SELECT $2::pg_snapshot AS snap)
     SELECT id, "updatedAt" FROM (
       (SELECT c.id, c.updated_at AS "updatedAt" FROM conversation c, w
        WHERE c.workspace_id = $1::uuid AND pg_visible_in_snapshot(c.order_xid, w.snap)${filters}${unmoved}
        ORDER BY c.updated_at DESC, c.id DESC LIMIT $3)
       UNION ALL
       (SELECT c.id, h.updated_at FROM conversation c CROSS JOIN w
        CROSS JOIN LATERAL (
          SELECT h.updated_at FROM conversation_order_change h
          WHERE h.conversation_id = c.id AND NOT pg_visible_in_snapshot(h.xid, w.snap)
          ORDER BY h.id LIMIT 1) h
        WHERE c.workspace_id = $1::uuid AND c.order_xid >= pg_snapshot_xmin(w.snap)
          AND NOT pg_visible_in_snapshot(c.order_xid, w.snap)${filters}${moved}
        ORDER BY h.updated_at DESC, c.id DESC LIMIT $3)
     ) placed
     ORDER BY "updatedAt" DESC, id DESC LIMIT $3`,
    params,
  );
}

/** How many of the workspace's conversations match the filter now. */
export async function countConversations(db: Queryable, workspaceId: string, filter: ConversationSearchFilter): Promise<number> {
  const params: unknown[] = [workspaceId];
  const filters = filterSql(filter, params);
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM conversation c WHERE c.workspace_id = $1::uuid${filters}`,
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
