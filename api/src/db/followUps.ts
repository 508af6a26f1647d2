/**
 * csat_follow_up's statements: a change with its history row, and keyset pages of a workspace's
 * follow-ups. A follow-up is opened by the answer's own statement (answerSurvey, db/surveys.ts).
 */
import type { CsatFollowUpStatus } from "../generated/prisma/enums.js";
import type { Queryable } from "./client.js";

/** What a teammate may change on a follow-up. */
export interface FollowUpValues {
  status: CsatFollowUpStatus;
  ownerId: string | null;
  note: string | null;
}

/** A workspace's follow-up, locked for a change; undefined when it has none of that id. */
export async function lockFollowUp(tx: Queryable, workspaceId: string, id: string): Promise<FollowUpValues | undefined> {
  const [row] = await tx.query<FollowUpValues>(
    `SELECT status::text AS status, owner_id AS "ownerId", note FROM csat_follow_up
     WHERE id = $1::uuid AND workspace_id = $2::uuid FOR UPDATE`,
    [id, workspaceId],
  );
  return row;
}

/** True when `teammateId` is an active teammate of the workspace. */
export async function isActiveTeammate(q: Queryable, workspaceId: string, teammateId: string): Promise<boolean> {
  const rows = await q.query(`SELECT 1 FROM teammate WHERE id = $1::uuid AND workspace_id = $2::uuid AND active`, [teammateId, workspaceId]);
  return rows.length > 0;
}

/**
 * Writes a follow-up's new values and the change's history row (who, when, the changed values
 * before and after) in one statement.
 */
export async function changeFollowUp(
  tx: Queryable,
  change: {
    id: string;
    values: FollowUpValues;
    before: Partial<FollowUpValues>;
    after: Partial<FollowUpValues>;
    actorId: string | null;
    apiKeyId: string | null;
    at: Date;
  },
): Promise<void> {
  await tx.query(
    `WITH changed AS (
      UPDATE csat_follow_up SET status = $2::"CsatFollowUpStatus", owner_id = $3::uuid, note = $4, updated_at = $5
      WHERE id = $1::uuid RETURNING id)
    INSERT INTO csat_follow_up_change (follow_up_id, actor_id, api_key_id, before, after, created_at)
    SELECT id, $6::uuid, $7::uuid, $8::jsonb, $9::jsonb, $5 FROM changed`,
    [
      change.id, change.values.status, change.values.ownerId, change.values.note, change.at,
      change.actorId, change.apiKeyId, JSON.stringify(change.before), JSON.stringify(change.after),
    ],
  );
}

/** Where a page of follow-ups ends: the last one's opening time and id. */
export interface FollowUpCursor {
  createdAt: Date;
  id: string;
}

export interface FollowUpFilter {
  status?: CsatFollowUpStatus;
  /** A teammate's id; null for the follow-ups with no owner. */
  ownerId?: string | null;
}

function followUpConditions(filter: FollowUpFilter, params: unknown[]): string {
  const where: string[] = [];
  if (filter.status) {
    params.push(filter.status);
    where.push(`AND f.status = $${params.length}::"CsatFollowUpStatus"`);
  }
  if (filter.ownerId === null) where.push("AND f.owner_id IS NULL");
  else if (filter.ownerId !== undefined) {
    params.push(filter.ownerId);
    where.push(`AND f.owner_id = $${params.length}::uuid`);
  }
  return where.join(" ");
}

/** One page of a workspace's follow-ups, newest first, strictly after `after`. */
export function findFollowUps(
  q: Queryable,
  workspaceId: string,
  filter: FollowUpFilter,
  after: FollowUpCursor | null,
  limit: number,
): Promise<FollowUpCursor[]> {
  const params: unknown[] = [workspaceId, limit];
  let where = followUpConditions(filter, params);
  if (after) {
    params.push(after.createdAt, after.id);
    where += ` AND (f.created_at, f.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  return q.query<FollowUpCursor>(
    `SELECT f.id, f.created_at AS "createdAt" FROM csat_follow_up f
     WHERE f.workspace_id = $1::uuid ${where}
     ORDER BY f.created_at DESC, f.id DESC
     LIMIT $2`,
    params,
  );
}

export async function countFollowUps(q: Queryable, workspaceId: string, filter: FollowUpFilter): Promise<number> {
  const params: unknown[] = [workspaceId];
  const where = followUpConditions(filter, params);
  const [row] = await q.query<{ count: number }>(`SELECT count(*)::int AS count FROM csat_follow_up f WHERE f.workspace_id = $1::uuid ${where}`, params);
  return row?.count ?? 0;
}
